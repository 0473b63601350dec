from django.urls import path

from importers import views

app_name = "importers"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("<int:pk>/", views.preview, name="preview"),
    path("<int:pk>/options/", views.options, name="options"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
]
