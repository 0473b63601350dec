"""Who may see a job and its result: the person who asked, admins, and people with the same
access as the job's scope says.

Scopes: "items:<key>" for a list filtered by the asker's own scope (progress.access.scope_q):
the same key means the same rows; "supervisors:j<id>" for a jurisdiction's whole lists (the
exports pages): its supervisors. An empty scope: the owner and admins only.
"""

from __future__ import annotations

from projects import roles


def access_key(user) -> str:
    """Two users with the same key see the same sub-items (progress.access.scope_q)."""
    if roles.is_admin(user):
        return "admin"
    parts = []
    if roles.has_role(user, roles.SUPERVISOR) and user.jurisdiction_id:
        parts.append(f"j{user.jurisdiction_id}")
    if user.unit_id:
        parts.append(f"u{user.unit_id}")
    return "-".join(parts) or f"user{user.pk}"


def items_scope(user) -> str:
    return f"items:{access_key(user)}"


def supervisors_scope(jurisdiction_id: int) -> str:
    return f"supervisors:j{jurisdiction_id}"


def may_see(user, job) -> bool:
    if not user.is_authenticated:
        return False
    if job.owner_id == user.pk or roles.is_admin(user):
        return True
    scope = job.scope
    if scope.startswith("items:"):
        return scope == items_scope(user)
    if scope.startswith("supervisors:j"):
        return (
            roles.has_role(user, roles.SUPERVISOR)
            and f"supervisors:j{user.jurisdiction_id}" == scope
        )
    return False
