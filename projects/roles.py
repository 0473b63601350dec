"""The three groups every installation has, and how to ask which one a user is in."""

ADMIN = "admin"
SUPERVISOR = "supervisor"
REPORTER = "reporter"
GROUPS = (ADMIN, SUPERVISOR, REPORTER)


def has_role(user, role: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    # groups are prefetched by the views that ask often; .all() uses the cache when it is there
    return any(g.name == role for g in user.groups.all())


def is_admin(user) -> bool:
    return has_role(user, ADMIN)


def is_supervisor(user) -> bool:
    return has_role(user, SUPERVISOR) or is_admin(user)


def is_reporter(user) -> bool:
    return user.is_authenticated and not user.is_superuser and has_role(user, REPORTER)
