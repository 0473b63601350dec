"""Supervision's pages: /supervision/..."""

from django.urls import path

from progress.supervision import views

app_name = "supervision"

urlpatterns = [
    path("notices/", views.notice_list, name="notices"),
    path("notices/export.xlsx", views.notice_export, name="notices_export"),
    path("notices/new/", views.notice_new, name="notice_new"),
    path("notices/<id:pk>/", views.notice_detail, name="notice"),
    path("notices/files/<id:pk>/", views.notice_file, name="notice_file"),
    path("lights/", views.lights, name="lights"),
    path("flags/", views.flag_list, name="flags"),
    path("flags/<id:pk>/dismiss/", views.flag_dismiss, name="flag_dismiss"),
    path("scorecard/", views.scorecard, name="scorecard"),
    path("scorecard/export.xlsx", views.scorecard_export, name="scorecard_export"),
    path("leaders/", views.leaders, name="leaders"),
]
