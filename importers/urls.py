from django.urls import path

from importers import views

app_name = "importers"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("<id:pk>/", views.preview, name="preview"),
    path("<id:pk>/options/", views.options, name="options"),
    path("<id:pk>/confirm/", views.confirm, name="confirm"),
]
