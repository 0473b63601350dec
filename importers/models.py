"""An uploaded list waiting for confirmation: the file is kept so any app server can apply it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.models import Jurisdiction, Plan


class ImportBatch(models.Model):
    class State(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")

    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    jurisdiction_name = models.CharField(_("jurisdiction"), max_length=50, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    period = models.CharField(_("period"), max_length=7, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PREVIEWED
    )
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    plan = models.ForeignKey(
        Plan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports",
        verbose_name=_("plan"),
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("jurisdiction"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name
