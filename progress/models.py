"""Monthly progress reports: one sub-item, one period."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.models import Indicator, Milestone, SubItem


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    ON_TRACK = "on_track", _("On track")
    AHEAD = "ahead", _("Ahead")
    LAGGING = "lagging", _("Lagging")
    COMPLETED = "completed", _("Completed")


class ProgressReport(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")

    class Source(models.TextChoices):
        WEB = "web", _("Web form")
        IMPORT = "import", _("Imported")

    subitem = models.ForeignKey(
        SubItem, on_delete=models.CASCADE, related_name="reports", verbose_name=_("sub-item")
    )
    period = models.DateField(_("period"), help_text=_("The first day of the reported month."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, blank=True)
    completion = models.TextField(_("completion this period"), blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.WEB
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    milestones_achieved = models.ManyToManyField(
        Milestone, blank=True, related_name="achieved_in", verbose_name=_("milestones achieved")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["subitem", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["subitem", "period"], name="report_unique_period"),
            models.CheckConstraint(condition=Q(period__day=1), name="report_period_first_day"),
            models.CheckConstraint(
                condition=~Q(status__in=["ahead", "lagging"])
                | ~Q(explanation="")
                | Q(state="draft")
                | Q(source="import"),
                name="report_explanation_when_off_track",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subitem} {self.period:%Y-%m}"


class IndicatorValue(models.Model):
    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="values",
        verbose_name=_("progress report"),
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", verbose_name=_("indicator")
    )
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="value_unique_indicator")
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value.normalize():f}"
