from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("projects.urls")),
    path("imports/", include("importers.urls")),
    path("progress/", include("progress.urls_reporting")),
    path("review/", include("progress.urls_review")),
]
