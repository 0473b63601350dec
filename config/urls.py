from django.contrib import admin
from django.urls import include, path

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
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
