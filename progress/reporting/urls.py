"""The reporter side: /progress/..."""

from django.urls import path

from progress.reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.my_reports, name="my_reports"),
    path("items/<int:pk>/<str:period>/", views.report_edit, name="report_edit"),
    path(
        "items/<int:pk>/<str:period>/contribution/",
        views.contribution_edit,
        name="contribution_edit",
    ),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("attachments/<int:pk>/thumbnail/", views.attachment_thumbnail, name="thumbnail"),
]
