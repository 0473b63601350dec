from django.urls import path

from progress.review import views

app_name = "review"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("approve/", views.approve_selected, name="approve_selected"),
    path("reports/<id:pk>/", views.review_report, name="report"),
    path("missing/", views.missing, name="missing"),
    path("missing/export.xlsx", views.missing_export, name="missing_export"),
]
