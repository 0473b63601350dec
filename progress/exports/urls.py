from django.urls import path

from progress.exports import views

app_name = "exports"

urlpatterns = [
    path("plans/", views.plans, name="plans"),
    path("plans/<int:pk>/", views.index, name="index"),
    path("plans/<int:pk>/plan.xlsx", views.plan_xlsx, name="plan"),
    path("plans/<int:pk>/monthly/<str:period>.xlsx", views.monthly, name="monthly"),
    path("plans/<int:pk>/ledger/<str:period>.xlsx", views.ledger, name="ledger_xlsx"),
    path(
        "plans/<int:pk>/ledger/<str:period>.docx",
        views.ledger,
        {"docx": True},
        name="ledger_docx",
    ),
    path("plans/<int:pk>/publish/<str:period>/", views.publish, name="publish"),
]
