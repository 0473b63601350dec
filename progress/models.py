"""Monthly progress reports: one sub-item, one period."""

from django.conf import settings
from django.db import models
from django.db.models import Func, IntegerField, Q
from django.db.models.lookups import Exact
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
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=4)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="value_unique_indicator")
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value.normalize():f}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # never the user's file name on disk: it is kept in original_name
    import uuid
    from pathlib import PurePath

    return f"attachments/{instance.report.period:%Y/%m}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class Attachment(models.Model):
    """A site photo or document attached to a report; served only to people who may see the item."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Photo")
        DOCUMENT = "document", _("Document")

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("progress report"),
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class Contribution(models.Model):
    """What a co-operating unit did for a sub-item in a period; the lead unit sees it in its form."""

    subitem = models.ForeignKey(
        SubItem, on_delete=models.CASCADE, related_name="contributions", verbose_name=_("sub-item")
    )
    period = models.DateField(_("period"))
    unit = models.ForeignKey(
        "projects.Unit",
        on_delete=models.PROTECT,
        related_name="contributions",
        verbose_name=_("unit"),
    )
    text = models.TextField(_("contribution"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("co-operating unit's contribution")
        verbose_name_plural = _("co-operating units' contributions")
        ordering = ["period", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["subitem", "period", "unit"], name="contribution_unique"
            ),
            models.CheckConstraint(
                condition=Q(period__day=1), name="contribution_period_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.period:%Y-%m}"


class ReviewEvent(models.Model):
    """One step of a report's workflow: submitted, approved, returned (with a comment), reopened."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Submitted")
        APPROVE = "approve", _("Approved")
        RETURN = "return", _("Returned")
        REOPEN = "reopen", _("Reopened")

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("progress report"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    comment = models.TextField(_("comment"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action__in=["return", "reopen"]) | ~Q(comment=""),
                name="review_comment_required",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class DayOfMonth(Func):
    """A date's day of the month, in SQL on every database. Django's period__day is a Python
    function on SQLite (django_date_extract), called for each row a CHECK looks at: 60,000
    calls, about 0.12 s, per import of a 5,000-item plan. SQLite keeps a date as YYYY-MM-DD
    text, so the day is its ninth and tenth characters."""

    template = "EXTRACT(DAY FROM %(expressions)s)"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        template = "CAST(substr(%(expressions)s, 9, 2) AS integer)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


class ItemStatus(models.Model):
    """The status of one sub-item in one reporting period: what the unit reported and what the
    rules of progress.statuses.status_rules compute, kept so that every page counts in SQL
    (progress.statuses.shown reads the shown status from it). Rebuilt by
    progress.statuses.refresh_statuses whenever reports, milestones or targets change. The
    reasons are not stored: an item page recomputes them for its one sub-item."""

    # No database constraint on the references of these derived rows: refresh_statuses, their
    # only writer, inserts them with ids it read in the same transaction, and Django's
    # collector still cascades and sets null. Five constraints made five parent look-ups per
    # row (on PostgreSQL 300,000 deferred trigger calls at the commit of a 5,000-item import,
    # about 2 s). The sub-item's own index is item_status_unique (subitem, period).
    subitem = models.ForeignKey(
        SubItem,
        on_delete=models.CASCADE,
        related_name="statuses",
        verbose_name=_("sub-item"),
        db_index=False,
        db_constraint=False,
    )
    period = models.DateField(_("period"))
    has_report = models.BooleanField(_("reported"), default=False)
    awaiting_review = models.BooleanField(
        _("awaiting review"),
        default=False,
        help_text=_("The period's report is submitted and not yet approved."),
    )
    reported_status = models.CharField(
        _("reported status"), max_length=20, choices=Status.choices, blank=True
    )
    completed_in = models.DateField(
        _("completed in"),
        null=True,
        blank=True,
        help_text=_("An earlier period whose report said completed (办结): not reported again."),
    )
    computed_status = models.CharField(
        _("computed status"), max_length=20, choices=Status.choices, blank=True
    )
    mismatch = models.BooleanField(_("status mismatch"), default=False)
    # the 红黄绿 light of progress.supervision.light_rules and its reasons (docs/supervision.md)
    light = models.CharField(
        _("light"),
        max_length=6,
        blank=True,
        choices=[("red", _("Red")), ("yellow", _("Yellow")), ("green", _("Green"))],
    )
    light_reasons = models.JSONField(_("light reasons"), default=list, blank=True)
    # Copies of the sub-item's place (refresh_statuses writes them with the row), so that the
    # dashboards count and group ItemStatus alone, without joining up to the plans. Only
    # (jurisdiction, period) is indexed: every dashboard query starts there. That is the head
    # of item_status_list_order; a separate (jurisdiction, period) index only slowed the
    # 60,000 inserts of an import (migration 0017).
    jurisdiction = models.ForeignKey(
        "projects.Jurisdiction",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    plan = models.ForeignKey(
        "projects.Plan",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    category = models.ForeignKey(
        "projects.Category",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    lead_unit = models.ForeignKey(
        "projects.Unit",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # The item list's order (plan, project's order, sub-item's number), copied too, so that
    # the list's first page is read in that order from an index instead of sorting every row
    # of the period after joining them to their projects. A database default too: rows that
    # some other writer inserts without them still insert (and sort first until refreshed).
    project_order = models.PositiveIntegerField(db_default=0)
    subitem_number = models.PositiveIntegerField(db_default=0)

    class Meta:
        verbose_name = _("item status")
        verbose_name_plural = _("item statuses")
        constraints = [
            models.UniqueConstraint(fields=["subitem", "period"], name="item_status_unique"),
            # a first day (see DayOfMonth: no Python function per inserted row on SQLite)
            models.CheckConstraint(
                condition=Exact(DayOfMonth("period"), 1), name="item_status_period_first_day"
            ),
        ]
        indexes = [
            # the item list's count and page filtered by computed status (PostgreSQL: 0.6 ms
            # against 25 ms without it, 20,000 items; SQLite prefers item_status_list_order)
            models.Index(fields=["period", "computed_status"], name="item_status_computed"),
            # the lights pages (a light's list and counts: 0.2–90 ms against 40–370 ms without
            # it on SQLite, 20,000 items), and on PostgreSQL the narrowest index by period
            models.Index(fields=["period", "light"], name="item_status_light"),
            # a plan's rows (its refresh deletes and recounts them): without it every
            # jurisdiction's rows are read
            models.Index(fields=["plan", "period"], name="item_status_plan"),
            models.Index(
                fields=["jurisdiction", "period", "plan", "project_order", "subitem_number"],
                name="item_status_list_order",
            ),
            # every jurisdiction's list in its order (an admin's), a reporter's rows of a
            # period, the default period (the latest reported one)
            models.Index(
                fields=["period", "plan", "project_order", "subitem_number"],
                name="item_status_list_all",
            ),
            # the pages' default period, the latest one with a report (periods.default_period):
            # without it PostgreSQL walked item_status_light back through every later period's
            # rows (36 ms at 20,000 items with one month to come, every view of the item list
            # and the review pages); partial, so an import's rows without reports cost nothing
            models.Index(
                fields=["jurisdiction", "period"],
                condition=Q(has_report=True),
                name="item_status_with_report",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subitem_id} {self.period:%Y-%m} {self.reported_status or '-'} / {self.computed_status or '-'}"


def _count_field() -> models.PositiveIntegerField:
    return models.PositiveIntegerField(default=0, db_default=0)


class StatusCount(models.Model):
    """How many ItemStatus rows of one plan and period are in each shown status (and computed
    status, mismatch, light), in total (kind `plan`) or by one group: a category, a lead unit or
    a leader (group None: rows in none). Derived data, like ItemStatus itself: rewritten for
    the plans that refresh_statuses touched (progress.statuses.counts), so that the overview
    reads a few hundred of these rows instead of counting every ItemStatus row of the year.
    The `plan` and `category` rows fill every column; lead units and leaders only the shown
    ones (total, mismatches, each shown condition)."""

    class Kind(models.TextChoices):
        PLAN = "plan"
        CATEGORY = "category"
        UNIT = "unit"
        LEADER = "leader"

    jurisdiction = models.ForeignKey(
        "projects.Jurisdiction", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    plan = models.ForeignKey(
        "projects.Plan", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    period = models.DateField(_("period"))
    kind = models.CharField(max_length=8, choices=Kind.choices)
    group_id = models.PositiveIntegerField(null=True, blank=True)  # None for `plan` rows
    total = _count_field()
    mismatches = _count_field()
    # the conditions of progress.statuses.shown: absent is missing or pending by the date
    on_track = _count_field()
    ahead = _count_field()
    lagging = _count_field()
    completed = _count_field()
    not_started = _count_field()
    submitted = _count_field()
    unknown = _count_field()
    absent = _count_field()
    reported = _count_field()  # has_report: the periods with reports
    computed_on_track = _count_field()
    computed_ahead = _count_field()
    computed_lagging = _count_field()
    computed_completed = _count_field()
    computed_not_started = _count_field()
    computed_none = _count_field()
    light_red = _count_field()
    light_yellow = _count_field()
    light_green = _count_field()
    light_none = _count_field()

    class Meta:
        verbose_name = _("status count")
        verbose_name_plural = _("status counts")
        indexes = [
            # the overview's reads
            models.Index(fields=["jurisdiction", "period", "kind"], name="status_count_place"),
            # a recount's deletes and sums, of one plan's groups of one kind
            models.Index(fields=["plan", "kind", "group_id"], name="status_count_group"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.period:%Y-%m} {self.kind} {self.group_id}: {self.total}"


class Publication(models.Model):
    """A plan's table of one period, published on the public pages (no login). Unpublishing
    deletes the row; its history keeps who published and unpublished it, and when."""

    plan = models.ForeignKey(
        "projects.Plan",
        on_delete=models.CASCADE,
        related_name="publications",
        verbose_name=_("plan"),
    )
    period = models.DateField(_("period"), help_text=_("The first day of the published month."))
    show_persons = models.BooleanField(
        _("show persons' names publicly"),
        default=False,
        help_text=_("Leaders' names appear in the public table only when this is ticked."),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-period", "plan"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "period"], name="publication_unique_period"),
            models.CheckConstraint(condition=Q(period__day=1), name="publication_period_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.period:%Y-%m}"


class Reminder(models.Model):
    """One reminder (催报) sent to one unit's reporters for one period: who sent it, when, to
    whom, over which channel, and how many items it listed. Written by
    progress.reminders.services.reminders_send only; a unit is not reminded twice within a day
    unless the sender asks."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        CHANNELS = "channels", _("The unit's channels (group robots, e-mail)")

    period = models.DateField(_("period"))
    unit = models.ForeignKey(
        "projects.Unit", on_delete=models.CASCADE, related_name="reminders", verbose_name=_("unit")
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.EMAIL
    )
    recipients = models.TextField(_("recipients"), help_text=_("One address per line."))
    item_count = models.PositiveIntegerField(_("items"))
    subject = models.CharField(_("subject"), max_length=255)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
        help_text=_("Empty when the send_reminders command sent it."),
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["unit", "period"], name="reminder_unit_period")]
        constraints = [
            models.CheckConstraint(condition=Q(period__day=1), name="reminder_period_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.period:%Y-%m} {self.sent_at:%Y-%m-%d %H:%M}"


# The models of the areas that keep their own (Django loads an app's models from here).
from progress.channels.models import Channel, ChannelMessage, RobotPost  # noqa: E402
from progress.jobs.models import Job  # noqa: E402

# supervision's tables belong to this app (docs/supervision.md)
from progress.supervision.models import (  # noqa: E402
    Notice,
    NoticeAttachment,
    NoticeEvent,
    ReportFlag,
)

__all__ = [
    "Attachment",
    "Channel",
    "ChannelMessage",
    "Contribution",
    "IndicatorValue",
    "ItemStatus",
    "Job",
    "Notice",
    "NoticeAttachment",
    "NoticeEvent",
    "ProgressReport",
    "Publication",
    "Reminder",
    "ReportFlag",
    "ReviewEvent",
    "RobotPost",
    "Status",
]
