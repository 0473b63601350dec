"""The Job: one long piece of work run by a worker, with its progress and its outcome."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class Kind(models.TextChoices):
        IMPORT_PARSE = "import_parse", _("Reading an import")
        IMPORT_APPLY = "import_apply", _("Writing an import")
        EXPORT = "export", _("Export")
        STATUS_REFRESH = "status_refresh", _("Refreshing statuses")
        REMINDERS = "reminders", _("Sending reminders")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    FINISHED = (State.DONE, State.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked by"),
    )
    # Who else may see the job and its result: people whose access key (progress.jobs.access)
    # is this one. Empty: the owner and admins only.
    scope = models.CharField(_("scope"), max_length=64, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    retry_safe = models.BooleanField(_("safe to run again"), default=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    unit = models.CharField(_("counted in"), max_length=20, default="rows")
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    error = models.TextField(_("why it failed"), blank=True)
    result_url = models.CharField(_("result page"), max_length=300, blank=True)
    result_file = models.FileField(_("result file"), upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField(_("file name"), max_length=255, blank=True)
    expires_at = models.DateTimeField(_("kept until"), null=True, blank=True)
    notice_seen = models.BooleanField(_("notice seen"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "notice_seen", "state"], name="job_notice"),
            models.Index(fields=["state", "heartbeat_at"], name="job_state_heartbeat"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED

    @property
    def file_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))
