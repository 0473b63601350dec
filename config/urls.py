from django.contrib import admin
from django.urls import include, path

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("projects.urls")),
    path("imports/", include("importers.urls")),
    path("progress/", include("progress.urls_reporting")),
    path("review/", include("progress.urls_review")),
    path("exports/", include("progress.urls_exports")),
    path("public/", include("progress.urls_public")),
    path("items/", include("progress.urls_items")),
    path("dashboard/", include("progress.urls_dashboard")),
]

handler400 = "config.errors.bad_request"
