from django.urls import path

from progress import views_dashboard

app_name = "dashboard"

urlpatterns = [
    path("", views_dashboard.overview, name="overview"),
]
