from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Plans and projects")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from projects.permissions import grant_admin_group_permissions

        # after every app (permissions of later apps exist only once their own migrate ran)
        post_migrate.connect(grant_admin_group_permissions)
