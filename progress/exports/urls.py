from django.urls import path

from progress.exports import views as views_exports

app_name = "exports"

urlpatterns = [
    path("plans/", views_exports.plans, name="plans"),
    path("plans/<int:pk>/", views_exports.index, name="index"),
    path("plans/<int:pk>/plan.xlsx", views_exports.plan_xlsx, name="plan"),
    path("plans/<int:pk>/monthly/<str:period>.xlsx", views_exports.monthly, name="monthly"),
    path("plans/<int:pk>/ledger/<str:period>.xlsx", views_exports.ledger_xlsx, name="ledger_xlsx"),
    path("plans/<int:pk>/ledger/<str:period>.docx", views_exports.ledger_docx, name="ledger_docx"),
    path("plans/<int:pk>/publish/<str:period>/", views_exports.publish, name="publish"),
]
