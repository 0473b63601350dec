from django.urls import path

from progress.review import views as views_review

app_name = "review"

urlpatterns = [
    path("", views_review.queue, name="queue"),
    path("reports/<int:pk>/", views_review.review_report, name="report"),
    path("missing/", views_review.missing, name="missing"),
]
