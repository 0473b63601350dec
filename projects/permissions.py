"""The admin group may manage every model of the project's apps in the Django admin."""

from django.contrib.auth.models import Group, Permission

from projects.roles import ADMIN

MANAGED_APPS = ("projects", "progress", "importers")


def grant_admin_group_permissions(**kwargs) -> None:
    """Runs after migrate (when permissions exist), so it is idempotent and keeps up with new models."""
    group, _ = Group.objects.get_or_create(name=ADMIN)
    perms = Permission.objects.filter(content_type__app_label__in=MANAGED_APPS)
    group.permissions.add(*perms)
