"""Pages of the projects app. The home page greets the user and counts what they can see."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Plan
from .roles import is_admin


def visible_plans(user, *, sees_all: bool | None = None) -> QuerySet[Plan]:
    """Admins see every plan; everybody else the plans of their own jurisdiction."""
    if sees_all is None:
        sees_all = is_admin(user)
    if sees_all:
        return Plan.objects.all()
    if user.jurisdiction_id is None:
        return Plan.objects.none()
    return Plan.objects.filter(jurisdiction_id=user.jurisdiction_id)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    sees_all = is_admin(user)
    # One query for all three counts, however many rows there are.
    counts = visible_plans(user, sees_all=sees_all).aggregate(
        plan_count=Count("id", distinct=True),
        project_count=Count("projects", distinct=True),
        subitem_count=Count("projects__subitems", distinct=True),
    )
    # Reporters get a prominent way into their monthly reports (is_reporter, from the context).
    return render(
        request,
        "projects/home.html",
        {
            "counts": counts,
            "jurisdiction": user.jurisdiction,
            "unit": user.unit,
            "sees_all": sees_all,
        },
    )
