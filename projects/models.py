"""The yearly lists: who owns them, what is in them, and who answers for each item."""

from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def active_q(prefix: str = "") -> Q:
    """Not withdrawn (撤销): the one definition of an active sub-item, milestone or indicator,
    usable through a relation (`active_q("subitems__")`)."""
    return Q(**{f"{prefix}withdrawn_at__isnull": True})


class WithdrawableQuerySet(models.QuerySet):
    def active(self) -> "WithdrawableQuerySet":
        return self.filter(active_q())

    def withdrawn(self) -> "WithdrawableQuerySet":
        return self.exclude(active_q())


class Withdrawable(models.Model):
    """A plan row that can be withdrawn (撤销) instead of deleted: out of reporting, the
    dashboards and the exports, kept with its history, reports, values and achieved marks.
    A re-import that holds it again brings it back."""

    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )

    objects = WithdrawableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class Jurisdiction(models.Model):
    class Level(models.TextChoices):
        DISTRICT = "district", _("District")
        COUNTY = "county", _("County")
        CITY = "city", _("City")

    name = models.CharField(_("name"), max_length=50, unique=True)
    level = models.CharField(
        _("level"), max_length=10, choices=Level.choices, default=Level.DISTRICT
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A department, town or street, or company. `key` makes 教育局 and 区教育局 one unit."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="units", verbose_name=_("jurisdiction")
    )
    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("matching key"), max_length=100, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "key"], name="unit_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        from projects.naming import unit_key

        self.key = unit_key(self.name)
        super().save(*args, **kwargs)


class UnitAlias(models.Model):
    """Another spelling of a unit's name, seen in an imported list or entered by an admin."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("unit")
    )
    alias = models.CharField(_("alias"), max_length=100)

    class Meta:
        verbose_name = _("unit alias")
        verbose_name_plural = _("unit aliases")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "alias"], name="unit_alias_unique"),
        ]

    def __str__(self) -> str:
        return self.alias


class Person(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="persons", verbose_name=_("unit")
    )
    name = models.CharField(_("name"), max_length=50)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("responsible person")
        verbose_name_plural = _("responsible persons")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="person_unique_in_unit")
        ]

    def __str__(self) -> str:
        return self.name


class Leader(models.Model):
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="leaders",
        verbose_name=_("jurisdiction"),
    )
    name = models.CharField(_("name"), max_length=50)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("leader in charge")
        verbose_name_plural = _("leaders in charge")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="leader_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


class User(AbstractUser):
    """Everybody belongs to a jurisdiction; reporters also to a unit."""

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("jurisdiction"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("unit"),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_full_name(self) -> str:
        """The person's name (姓名) as every page shows it: a Chinese name is the family name
        then the given name, without a space (王 + 明 = 王明); other names as Django writes them.
        Empty when no name is set (pages then fall back to the user name)."""
        family, given = self.last_name.strip(), self.first_name.strip()
        if _has_cjk(family + given):
            return f"{family}{given}"
        return f"{given} {family}".strip()


QUARTER_END_MONTHS = (3, 6, 9, 12)  # the months a quarterly plan reports on


class Plan(models.Model):
    class Kind(models.TextChoices):
        LIVELIHOOD = "livelihood", _("Livelihood projects (民生实事)")
        PEOPLES_HEART = "peoples_heart", _("People's-heart projects (民心工程)")
        KEY_TASKS = "key_tasks", _("Key tasks (重点工作)")

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="plans", verbose_name=_("jurisdiction")
    )
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))

    class Cycle(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.LIVELIHOOD)
    reporting_cycle = models.CharField(
        _("reporting cycle"), max_length=10, choices=Cycle.choices, default=Cycle.MONTHLY
    )
    source_file = models.CharField(_("source file"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("yearly plan")
        verbose_name_plural = _("yearly plans")
        ordering = ["-year", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "title"], name="plan_unique_title"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="plan_year_sane"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_quarterly(self) -> bool:
        return self.reporting_cycle == self.Cycle.QUARTERLY

    def reporting_periods(self) -> list[date]:
        """The periods the plan reports on (first days of months): every month of its year, or
        the quarter-end months of a quarterly plan."""
        months = QUARTER_END_MONTHS if self.is_quarterly else range(1, 13)
        return [date(self.year, month, 1) for month in months]

    def reports_on(self, period: date | None) -> bool:
        return period is not None and period in self.reporting_periods()


class Category(models.Model):
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="categories", verbose_name=_("plan")
    )
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="category_unique_in_plan")
        ]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="projects", verbose_name=_("plan")
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("category"),
    )
    number = models.CharField(_("number"), max_length=20)
    name = models.CharField(_("name"), max_length=1000)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    leaders = models.ManyToManyField(
        Leader, blank=True, related_name="projects", verbose_name=_("leaders")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="project_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class SubItem(Withdrawable):
    """What is scheduled and reported on; a project has one or more."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="subitems", verbose_name=_("project")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=1000)
    description = models.TextField(_("description"), blank=True)
    lead_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_subitems",
        verbose_name=_("lead unit"),
    )
    co_units = models.ManyToManyField(
        Unit,
        through="CoUnit",
        blank=True,
        related_name="cooperating_subitems",
        verbose_name=_("co-operating units"),
    )
    persons = models.ManyToManyField(
        Person, blank=True, related_name="subitems", verbose_name=_("responsible persons")
    )
    leaders = models.ManyToManyField(
        Leader, blank=True, related_name="subitems", verbose_name=_("leaders")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sub-item")
        verbose_name_plural = _("sub-items")
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="subitem_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="subitem_number_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class CoUnit(models.Model):
    subitem = models.ForeignKey(
        SubItem, on_delete=models.CASCADE, related_name="co_unit_links", verbose_name=_("sub-item")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="co_unit_links", verbose_name=_("unit")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("co-operating unit")
        verbose_name_plural = _("co-operating units")
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["subitem", "unit"], name="co_unit_unique")]

    def __str__(self) -> str:
        return str(self.unit)


class Milestone(Withdrawable):
    subitem = models.ForeignKey(
        SubItem, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("sub-item")
    )
    due = models.DateField(_("due"))
    text = models.TextField(_("plan text"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["subitem", "due", "order"]
        constraints = [
            models.UniqueConstraint(fields=["subitem", "order"], name="milestone_unique_order")
        ]

    def __str__(self) -> str:
        return f"{self.due:%Y-%m-%d} {self.text[:30]}"


class Indicator(Withdrawable):
    subitem = models.ForeignKey(
        SubItem, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("sub-item")
    )
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("measure"), max_length=20, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["subitem", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subitem", "name", "unit"], name="indicator_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name


class IndicatorTarget(models.Model):
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("indicator")
    )
    due = models.DateField(_("due"))
    value = models.DecimalField(_("target"), max_digits=24, decimal_places=4)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")
        ordering = ["indicator", "due"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "due"], name="target_unique_due")
        ]

    def __str__(self) -> str:
        return f"{self.due:%Y-%m-%d}: {self.value.normalize():f}"
