"""Supervision's tables (imported by progress.models, so they belong to the progress app):
督办 notices with their steps and attachments, and data-quality flags on reports."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Notice(models.Model):
    """A 督办单 on one sub-item, addressed to its lead unit. Open until the supervisor accepts
    the unit's reply; past its reply deadline without a reply it is overdue (逾期)."""

    class Level(models.TextChoices):
        REMIND = "remind", _("Reminder (提醒)")
        SUPERVISE = "supervise", _("Supervision (督办)")
        LISTED = "listed", _("Listed supervision (挂牌督办)")

    class State(models.TextChoices):
        OPEN = "open", _("Awaiting reply")
        REPLIED = "replied", _("Replied")
        CLOSED = "closed", _("Closed")

    subitem = models.ForeignKey(
        "projects.SubItem",
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("sub-item"),
    )
    # the lead unit and jurisdiction when the notice was issued: the pages filter on them
    unit = models.ForeignKey(
        "projects.Unit", on_delete=models.PROTECT, related_name="notices", verbose_name=_("unit")
    )
    jurisdiction = models.ForeignKey(
        "projects.Jurisdiction", on_delete=models.CASCADE, related_name="+"
    )
    batch = models.UUIDField(_("batch"), default=uuid.uuid4, db_index=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    requirement = models.TextField(_("requirement"))
    reply_due = models.DateField(_("reply deadline"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    reply = models.TextField(_("reply"), blank=True)
    expected_completion = models.DateField(_("expected completion"), null=True, blank=True)
    replied_at = models.DateTimeField(_("first replied at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction", "state", "reply_due"], name="notice_open_due"),
            models.Index(fields=["unit", "state"], name="notice_unit_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.subitem_id} {self.reply_due}"


class NoticeEvent(models.Model):
    """One step of a notice: issued, replied, accepted (closed), returned."""

    class Action(models.TextChoices):
        ISSUE = "issue", _("Issued")
        REPLY = "reply", _("Replied")
        ACCEPT = "accept", _("Accepted")
        RETURN = "return", _("Sent back")

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="events", verbose_name=_("notice")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    text = models.TextField(_("text"), blank=True)
    expected_completion = models.DateField(_("expected completion"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice step")
        verbose_name_plural = _("notice steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


def notice_file_path(instance: NoticeAttachment, filename: str) -> str:
    # never the user's file name on disk: it is kept in original_name
    return f"notices/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class NoticeAttachment(models.Model):
    """Material (可附材料) attached to a reply; served only to people who may see the notice."""

    event = models.ForeignKey(
        NoticeEvent, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("step")
    )
    file = models.FileField(_("file"), upload_to=notice_file_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice attachment")
        verbose_name_plural = _("notice attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class ReportFlag(models.Model):
    """A data-quality flag on a counted report (progress.supervision.flag_rules), kept in step
    with the reports by refresh_statuses. A supervisor may dismiss it with a reason."""

    class Kind(models.TextChoices):
        COPIED = "copied", _("Same text as last report")
        DECREASED = "decreased", _("Cumulative value decreased")
        COMPLETED_EARLY = "completed_early", _("Completed with milestones not achieved")
        ON_TRACK_LAGGING = "on_track_lagging", _("On track claimed while lagging")
        LATE = "late", _("Late report")

    report = models.ForeignKey(
        "progress.ProgressReport",
        on_delete=models.CASCADE,
        related_name="flags",
        verbose_name=_("progress report"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    subject = models.CharField(_("concerns"), max_length=500, blank=True)
    params = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("flagged at"), auto_now_add=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dismissed by"),
    )
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)
    dismissed_reason = models.TextField(_("reason for dismissal"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("data-quality flag")
        verbose_name_plural = _("data-quality flags")
        ordering = ["report", "kind", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["report", "kind", "subject"], name="flag_unique"),
            models.CheckConstraint(
                condition=Q(dismissed_at__isnull=True) | ~Q(dismissed_reason=""),
                name="flag_dismissal_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.report_id}"
