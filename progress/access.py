"""Who may read or write what: the access scope and one access helper per object kind.

Scope: admins read everything; supervisors (leaders are supervisors) their jurisdiction;
reporters the items their unit leads or co-operates on; anonymous users and outsiders nothing.
`scope_q` is that scope as a filter, usable from any model that reaches the sub-items.

The helpers below are what the views call first. Each returns the object or raises: 404 to
people who may not even read it (nobody learns that another jurisdiction's item exists), 403
to people who may read it but not do this. The object rules themselves are progress.rules
(django-rules), asked with `rules.has_perm`, not `user.has_perm`: Django answers True to every
`has_perm` of a superuser, and an admin must not fill in a unit's report (admins correct data
in the admin site). The review rule is the exception: an admin reviews anything.
"""

from __future__ import annotations

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from progress import params
from progress.models import Attachment, ProgressReport
from projects import roles
from projects.models import CoUnit, Jurisdiction, Leader, Plan, SubItem, Unit

VIEW = "progress.view_item"
FILL = "progress.fill_report"
CONTRIBUTE = "progress.add_contribution"
REVIEW = "progress.review_report"


# --- the scope ------------------------------------------------------------------------------


def scope_q(user, prefix: str = "") -> Q:
    """The sub-items a user may read, as a filter usable from any model that reaches them
    through `prefix` (e.g. "subitem__"). Cheaper than an IN over visible_subitems()."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if roles.is_admin(user):
        return Q()
    q = Q(pk__in=[])
    if roles.has_role(user, roles.SUPERVISOR) and user.jurisdiction_id:
        q |= Q(**{f"{prefix}project__plan__jurisdiction_id": user.jurisdiction_id})
    if user.unit_id:
        q |= Q(**{f"{prefix}lead_unit_id": user.unit_id})
        q |= Q(
            **{f"{prefix}pk__in": CoUnit.objects.filter(unit_id=user.unit_id).values("subitem_id")}
        )
    return q


def visible_subitems(user) -> QuerySet[SubItem]:
    """Every sub-item the user may read, with its plan, category and lead unit."""
    return SubItem.objects.select_related(
        "project__plan__jurisdiction", "project__category", "lead_unit"
    ).filter(scope_q(user))


def with_access_data(qs: QuerySet[SubItem]) -> QuerySet[SubItem]:
    """Load what the permission rules read (co-unit ids) with the sub-items."""
    return qs.prefetch_related(
        Prefetch("co_unit_links", queryset=CoUnit.objects.only("id", "subitem_id", "unit_id"))
    )


def may(user, perm: str, obj) -> bool:
    return rules.has_perm(perm, user, obj)


# --- who is asking --------------------------------------------------------------------------


def signed_in(request: HttpRequest):
    """The signed-in user, groups loaded once (the role checks and the nav read them)."""
    user = request.user
    prefetch_related_objects([user], "groups")
    return user


def supervisor(request: HttpRequest):
    """The user, if a supervisor or an admin (dashboards, review, exports); else 403."""
    user = signed_in(request)
    if not roles.is_supervisor(user):
        raise PermissionDenied
    return user


# --- objects --------------------------------------------------------------------------------


def subitem_for(request: HttpRequest, pk: int, perm: str = VIEW, queryset=None) -> SubItem:
    """The sub-item: 404 when the user may not read it, 403 when they may read it but not
    `perm`. `queryset`, when given, is visible_subitems(user) with what the page needs (it
    must load the co-units when `perm` is not VIEW)."""
    qs = queryset if queryset is not None else with_access_data(visible_subitems(request.user))
    subitem = get_object_or_404(qs, pk=pk)
    if perm != VIEW and not may(request.user, perm, subitem):
        raise PermissionDenied
    return subitem


def report_for(request: HttpRequest, pk: int, perm: str = VIEW) -> ProgressReport:
    """A report of a sub-item the user may read: 404 otherwise; 403 without `perm`."""
    user = request.user
    qs = (
        ProgressReport.objects.filter(scope_q(user, "subitem__"))
        .select_related(
            "subitem__project__plan__jurisdiction",
            "subitem__project__category",
            "subitem__lead_unit",
            "submitted_by",
        )
        .prefetch_related(
            Prefetch(
                "subitem__co_unit_links",
                queryset=CoUnit.objects.select_related("unit").order_by("order", "pk"),
            )
        )
    )
    report = get_object_or_404(qs, pk=pk)
    allowed = user.has_perm(perm, report) if perm == REVIEW else may(user, perm, report)
    if not allowed:
        raise PermissionDenied
    return report


def attachment_for(request: HttpRequest, pk: int) -> Attachment:
    """An attachment of a report the user may read; 404 otherwise."""
    qs = (
        Attachment.objects.filter(scope_q(request.user, "report__subitem__"))
        .select_related("report__subitem__project__plan", "report__subitem__lead_unit")
        .prefetch_related("report__subitem__co_unit_links")
    )
    attachment = get_object_or_404(qs, pk=pk)
    if not may(request.user, VIEW, attachment.report):
        raise Http404
    return attachment


def plan_for_export(request: HttpRequest, pk: int) -> Plan:
    """A plan the user may export and publish: 404 to other jurisdictions, 403 to people of its
    jurisdiction who are not supervisors."""
    user = signed_in(request)
    plan = get_object_or_404(Plan.objects.select_related("jurisdiction"), pk=pk)
    if roles.is_admin(user):
        return plan
    if user.jurisdiction_id is None or user.jurisdiction_id != plan.jurisdiction_id:
        raise Http404
    if not roles.is_supervisor(user):
        raise PermissionDenied
    return plan


def unit_for(request: HttpRequest, pk: int) -> Unit:
    """A unit page: supervisors of its jurisdiction, admins and the unit's own reporters."""
    user = request.user
    unit = get_object_or_404(Unit.objects.select_related("jurisdiction"), pk=pk)
    if roles.is_admin(user):
        return unit
    if roles.has_role(user, roles.SUPERVISOR):
        if unit.jurisdiction_id != user.jurisdiction_id:
            raise Http404
        return unit
    if user.unit_id == unit.pk:
        return unit
    raise PermissionDenied


def leader_for(request: HttpRequest, pk: int) -> Leader:
    """A leader page: supervisors of the leader's jurisdiction and admins."""
    user = request.user
    if not roles.is_supervisor(user):
        raise PermissionDenied
    leader = get_object_or_404(Leader.objects.select_related("jurisdiction"), pk=pk)
    if not roles.is_admin(user) and leader.jurisdiction_id != user.jurisdiction_id:
        raise Http404
    return leader


def jurisdiction_for(request: HttpRequest, user, *, default=None) -> Jurisdiction | None:
    """?jurisdiction=<id>: admins pick any (else `default()`); everybody else is fixed to their
    own, and asking for another is 404."""
    asked = params.id_in_query(request, "jurisdiction")
    if roles.is_admin(user):
        if asked:
            return get_object_or_404(Jurisdiction, pk=asked)
        return default() if default is not None else None
    if asked and asked != user.jurisdiction_id:
        raise Http404
    return user.jurisdiction
