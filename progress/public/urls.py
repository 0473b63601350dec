"""Public pages, no login. `<int:pk>/` is a jurisdiction; `<int:pk>/<period>/` is a plan's
published table of that period (the plan's pk: the address stays the same when a table is
taken down and published again)."""

from django.urls import path

from progress.public import views as views_public

app_name = "public"

urlpatterns = [
    path("", views_public.index, name="index"),
    path("<int:pk>/", views_public.jurisdiction, name="jurisdiction"),
    path("<int:pk>/<str:period>.xlsx", views_public.table_xlsx, name="table_xlsx"),
    path("<int:pk>/<str:period>/", views_public.table, name="table"),
]
