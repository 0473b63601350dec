from django.contrib import admin
from django.urls import include, path
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from config.health import healthz

# Password reset by e-mail is off: accounts are made and reset by the administrator (README
# "Accounts"), and an open reset form would mail anyone's address on request. These pages of
# django.contrib.auth say so, as the lockout page does; they take no form.
password_reset_off = require_safe(
    TemplateView.as_view(template_name="registration/password_reset_off.html")
)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/password_reset/", password_reset_off, name="password_reset"),
    path("accounts/password_reset/done/", password_reset_off, name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", password_reset_off, name="password_reset_confirm"),
    path("accounts/reset/done/", password_reset_off, name="password_reset_complete"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("progress.start.urls")),
    path("imports/", include("importers.urls")),
    path("progress/", include("progress.reporting.urls")),
    path("review/", include("progress.review.urls")),
    path("reminders/", include("progress.reminders.urls")),
    path("exports/", include("progress.exports.urls")),
    path("public/", include("progress.public.urls")),
    path("items/", include("progress.items.urls")),
    path("dashboard/", include("progress.dashboard.urls")),
    path("channels/", include("progress.channels.urls")),
    path("supervision/", include("progress.supervision.urls")),
    path("jobs/", include("progress.jobs.urls")),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
# handler500: Django's server_error renders templates/500.html without a request.
