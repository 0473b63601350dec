"""The three groups every installation has, and how to ask which one a user is in."""

from django.db.models import prefetch_related_objects

ADMIN = "admin"
SUPERVISOR = "supervisor"
REPORTER = "reporter"
GROUPS = (ADMIN, SUPERVISOR, REPORTER)


def has_role(user, role: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(g.name == role for g in _groups(user))


def _groups(user):
    """The user's groups, read once per user object: a page asks is_admin, is_supervisor and
    is_reporter (the menu, the view, the rules), and each used to be a query of its own.
    The groups are kept as a prefetch, which `user.groups.add/remove/set/clear` forget, so a
    change of the user's groups is seen at the next question."""
    if "groups" not in getattr(user, "_prefetched_objects_cache", {}):
        prefetch_related_objects([user], "groups")
    return user.groups.all()


def is_admin(user) -> bool:
    return has_role(user, ADMIN)


def is_supervisor(user) -> bool:
    return has_role(user, SUPERVISOR) or is_admin(user)


def is_reporter(user) -> bool:
    return user.is_authenticated and not user.is_superuser and has_role(user, REPORTER)
