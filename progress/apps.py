from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = _("Progress reporting")

    def ready(self) -> None:
        from django.db.models.signals import post_delete
        from django.urls import register_converter

        from progress import params
        from progress.channels import checks  # noqa: F401  (registers the key's checks)
        from progress.statuses import stored
        from projects import signals
        from projects.models import Leader

        # `<id:pk>` in every URLconf (they are loaded after the apps are ready)
        register_converter(params.IdConverter, "id")

        # corrections in the admin of projects/: the stored statuses follow
        signals.subitems_changed.connect(stored.on_subitems_changed, dispatch_uid="progress")
        signals.plans_removed.connect(stored.on_plans_removed, dispatch_uid="progress")
        # a deleted leader leaves the overview's by-leader counts (progress.statuses.counts)
        post_delete.connect(stored.on_leader_deleted, sender=Leader, dispatch_uid="progress")
