"""A background job's page, its progress as JSON, its file and its notice: /jobs/..."""

from django.urls import path

from progress.jobs import views

app_name = "jobs"

urlpatterns = [
    path("<uuid:pk>/", views.job_page, name="detail"),
    path("<uuid:pk>/progress.json", views.job_progress, name="progress"),
    path("<uuid:pk>/download", views.job_download, name="download"),
    path("<uuid:pk>/dismiss/", views.job_dismiss, name="dismiss"),
]
