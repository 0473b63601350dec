"""The reporter side: /progress/..."""

from django.urls import path

from progress.reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.my_reports, name="my_reports"),
    path("items/<id:pk>/<str:period>/", views.report_edit, name="report_edit"),
    path(
        "items/<id:pk>/<str:period>/contribution/",
        views.contribution_edit,
        name="contribution_edit",
    ),
    path("reports/<id:pk>/", views.report_detail, name="report_detail"),
    path("attachments/<id:pk>/", views.attachment, name="attachment"),
    path("attachments/<id:pk>/thumbnail/", views.attachment_thumbnail, name="thumbnail"),
]
