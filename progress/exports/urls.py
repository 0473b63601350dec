from django.urls import path

from progress.exports import views

app_name = "exports"

urlpatterns = [
    path("plans/", views.plans, name="plans"),
    path("plans/<id:pk>/", views.index, name="index"),
    path("plans/<id:pk>/plan.xlsx", views.plan_xlsx, name="plan"),
    path("plans/<id:pk>/monthly/<str:period>.xlsx", views.monthly, name="monthly"),
    path("plans/<id:pk>/ledger/<str:period>.xlsx", views.ledger, name="ledger_xlsx"),
    path(
        "plans/<id:pk>/ledger/<str:period>.docx",
        views.ledger,
        {"docx": True},
        name="ledger_docx",
    ),
    path("plans/<id:pk>/publish/<str:period>/", views.publish, name="publish"),
]
