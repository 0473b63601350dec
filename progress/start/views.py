"""The start page (/, named "home"): every signed-in user lands here after logging in.

Access: anonymous users go to the login page; every signed-in user gets the page, each role its
own part. Reporters see their unit's items still to fill; supervisors (their jurisdiction) and
admins (every jurisdiction) see the figures of progress.start.selectors. Queries: fixed, whatever
the number of items (tests/start pins them).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from progress import access
from progress.start import selectors
from projects import roles
from projects.models import Plan


def _plan_counts(user, sees_all: bool) -> dict:
    """How many plans, projects and sub-items the user can see: one query."""
    plans = Plan.objects.all()
    if not sees_all:
        plans = plans.filter(jurisdiction_id=user.jurisdiction_id or 0)
    return plans.aggregate(
        plan_count=Count("id", distinct=True),
        project_count=Count("projects", distinct=True),
        subitem_count=Count("projects__subitems", distinct=True),
    )


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = access.signed_in(request)
    sees_all = roles.is_admin(user)
    context: dict = {
        "counts": _plan_counts(user, sees_all),
        "jurisdiction": user.jurisdiction,
        "unit": user.unit,
        "sees_all": sees_all,
    }
    if roles.is_reporter(user):
        context["todo"] = selectors.reporter_todo(user)
    if roles.is_supervisor(user) and (sees_all or user.jurisdiction_id):
        jurisdiction_id = None if sees_all else user.jurisdiction_id
        figures = selectors.supervisor_figures(user, jurisdiction_id)
        context["figures"] = figures
        context["figure_links"] = {code: figures.url(code) for code in selectors.FIGURES}
    return render(request, "progress/start/home.html", context)
