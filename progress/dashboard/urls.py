from django.urls import path

from progress.dashboard import views as views_dashboard

app_name = "dashboard"

urlpatterns = [
    path("", views_dashboard.overview, name="overview"),
]
