from django.urls import path

from progress.channels import views

app_name = "channels"

urlpatterns = [
    path("", views.index, name="index"),
    path("units/<id:pk>/", views.unit_channels, name="unit"),
    path("jurisdictions/<id:pk>/", views.jurisdiction_channels, name="jurisdiction"),
    path("<id:pk>/edit/", views.edit, name="edit"),
    path("<id:pk>/test/", views.test, name="test"),
    path("<id:pk>/delete/", views.delete, name="delete"),
]
