"""The item list and its export, the item page, unit pages and leader pages: /items/..."""

from django.urls import path

from progress.items import views

app_name = "items"

urlpatterns = [
    path("", views.item_list, name="list"),
    path("export.xlsx", views.item_export, name="export"),
    path("<id:pk>/", views.item_detail, name="detail"),
    path("units/<id:pk>/", views.unit_detail, name="unit"),
    path("leaders/<id:pk>/", views.leader_detail, name="leader"),
]
