from projects import roles


def user_roles(request) -> dict:
    """The roles of the signed-in user, for navigation in templates."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_admin": False, "is_supervisor": False, "is_reporter": False}
    return {
        "is_admin": roles.is_admin(user),
        "is_supervisor": roles.is_supervisor(user),
        "is_reporter": roles.is_reporter(user),
    }
