from django.urls import path

from progress.channels import views

app_name = "channels"

urlpatterns = [
    path("", views.index, name="index"),
    path("units/<int:pk>/", views.unit_channels, name="unit"),
    path("jurisdictions/<int:pk>/", views.jurisdiction_channels, name="jurisdiction"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/test/", views.test, name="test"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
