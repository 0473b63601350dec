"""Channels of a unit or a jurisdiction, the messages sent through them, and each robot's posts
(the rate limiter counts them across processes)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projects.models import Jurisdiction, Unit


class Channel(models.Model):
    """One way to reach a unit's or a jurisdiction's group: exactly one of unit / jurisdiction.

    The webhook URL (it carries the robot's key) and DingTalk's signing secret are stored only
    encrypted (progress.channels.crypto); `hint` is what the pages show instead.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")

    class Health(models.TextChoices):
        UNTRIED = "", _("Not used yet")
        OK = "ok", _("Working")
        FAILING = "failing", _("Failing")

    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="channels",
        verbose_name=_("unit"),
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="channels",
        verbose_name=_("jurisdiction"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    # e-mail: addresses separated by commas; empty: the unit's reporters (the jurisdiction's
    # supervisors) with an address, as the reminders have always done
    addresses = models.TextField(_("e-mail addresses"), blank=True)
    webhook_encrypted = models.TextField(editable=False, blank=True)
    secret_encrypted = models.TextField(editable=False, blank=True)
    hint = models.CharField(_("webhook"), max_length=200, blank=True, editable=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    health = models.CharField(
        _("health"), max_length=10, choices=Health.choices, blank=True, default=""
    )
    last_answer = models.CharField(_("last answer"), max_length=500, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    # touched (under a lock) by the rate limiter, so two processes take turns per robot
    rate_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(jurisdiction__isnull=True))
                | (Q(unit__isnull=True) & Q(jurisdiction__isnull=False)),
                name="channel_one_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.get_kind_display())

    @property
    def is_robot(self) -> bool:
        return self.kind in (self.Kind.WECOM, self.Kind.DINGTALK)

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted)


class ChannelMessage(models.Model):
    """One message sent (or not) through one channel: when, what, for which items, the answer."""

    class Kind(models.TextChoices):
        TEST = "test", _("Test message")
        REMINDER = "reminder", _("Reminder (催报)")
        RETURNED = "returned", _("Report returned")
        SUMMARY = "summary", _("Period summary")
        NOTICE_NEW = "notice_new", _("New supervision notice")
        NOTICE_DUE = "notice_due", _("Reply due tomorrow")
        NOTICE_OVERDUE = "notice_overdue", _("Reply overdue")

    class Outcome(models.TextChoices):
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.ForeignKey(
        Channel,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("channel"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text sent"), blank=True)
    item_ids = models.JSONField(_("sub-items"), default=list, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    errcode = models.IntegerField(_("error code"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("channel message")
        verbose_name_plural = _("channel messages")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class RobotPost(models.Model):
    """One HTTP post to a robot: the rate limiter's window counts these, in the database, so
    that every app server and worker sees the same count."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["channel", "at"], name="robotpost_channel_at")]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.at:%H:%M:%S}"
