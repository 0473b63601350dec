"""Public pages, no login. `<id:pk>/` is a jurisdiction; `<id:pk>/<period>/` is a plan's
published table of that period (the plan's pk: the address stays the same when a table is
taken down and published again)."""

from django.urls import path

from progress.public import views

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("<id:pk>/", views.jurisdiction, name="jurisdiction"),
    path("<id:pk>/<str:period>.xlsx", views.table_xlsx, name="table_xlsx"),
    path("<id:pk>/<str:period>/", views.table, name="table"),
]
