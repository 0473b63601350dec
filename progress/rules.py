"""Who may do what with a sub-item or a report: object checks with `rules`.

The predicates read only ids already on the objects (the views load sub-items with their plan
and co-unit ids), so a check costs no query.
"""

import rules

from projects import roles


def _subitem(obj):
    return getattr(obj, "subitem", obj)


def _jurisdiction_id(subitem) -> int:
    return subitem.project.plan.jurisdiction_id


def co_unit_ids(subitem) -> set[int]:
    cached = getattr(subitem, "_co_unit_ids", None)
    if cached is None:
        cached = {link.unit_id for link in subitem.co_unit_links.all()}
        subitem._co_unit_ids = cached
    return cached


@rules.predicate
def is_admin(user) -> bool:
    return roles.is_admin(user)


@rules.predicate
def is_supervisor_here(user, obj) -> bool:
    if obj is None or not roles.has_role(user, roles.SUPERVISOR):
        return False
    return user.jurisdiction_id is not None and user.jurisdiction_id == _jurisdiction_id(
        _subitem(obj)
    )


@rules.predicate
def is_lead_reporter(user, obj) -> bool:
    if obj is None or not user.is_authenticated or user.unit_id is None:
        return False
    return _subitem(obj).lead_unit_id == user.unit_id


@rules.predicate
def is_co_reporter(user, obj) -> bool:
    if obj is None or not user.is_authenticated or user.unit_id is None:
        return False
    return user.unit_id in co_unit_ids(_subitem(obj))


@rules.predicate
def is_active_item(user, obj) -> bool:
    """Not withdrawn (撤销): a withdrawn sub-item is read, not reported on."""
    return obj is not None and _subitem(obj).withdrawn_at is None


can_view = is_admin | is_supervisor_here | is_lead_reporter | is_co_reporter
can_report = is_lead_reporter & is_active_item
can_review = is_admin | is_supervisor_here
can_contribute = is_co_reporter & is_active_item

rules.add_perm("progress.view_item", can_view)
rules.add_perm("progress.fill_report", can_report)
rules.add_perm("progress.review_report", can_review)
rules.add_perm("progress.add_contribution", can_contribute)
