"""The item list's filters over ItemStatus rows (progress.items.selectors.status_rows).

The GET parameters are an interface: the dashboard links to the list with them.
period=YYYY-MM is read by the view (it picks the rows); the rest are here: jurisdiction, plan,
category, unit (the lead unit), leader, shown, computed, mismatch=1, missing=1, light
(red/yellow/green, docs/supervision.md), flagged=1 (the period's report has a data-quality flag
not dismissed) and q.
"""

from __future__ import annotations

from html import escape as html_escape

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms.utils import flatatt
from django.utils.choices import CallableChoiceIterator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from progress.items import selectors
from progress.models import ReportFlag, Status
from progress.statuses.shown import LABELS, MISSING, SHOWN

SHOWN_CHOICES = [(code, LABELS[code]) for code in SHOWN]


class FlagInput(forms.CheckboxInput):
    """A checkbox sent as `name=1`; only 1 (or true, on) turns it on."""

    def __init__(self, attrs=None):
        super().__init__({"value": "1", **(attrs or {})})

    def value_from_datadict(self, data, files, name) -> bool:
        return str(data.get(name, "")).lower() in {"1", "true", "on"}


class FastSelect(forms.Select):
    """A select whose options are written in Python: Django's Select renders every option
    through a template of its own, and a jurisdiction's 685 categories made that most of the
    item list's time. The same HTML, without optgroups (the list has none)."""

    def use_required_attribute(self, initial) -> bool:
        # the list's filters are never required; Select's own answer reads the choices (the
        # 685 categories, the query behind them) only to be ignored
        return False

    def render(self, name, value, attrs=None, renderer=None) -> str:
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = {str(v) for v in self.format_value(value)}
        choices = self.choices
        if isinstance(choices, CallableChoiceIterator):  # (pk, label) pairs as read: no groups
            choices = choices.func()
        # the standard library's html.escape: what django.utils.html.escape calls, without its
        # lazy-string wrapper (a third of the time of 700 options)
        options = "".join(
            f'<option value="{html_escape(text)}"{" selected" if text in selected else ""}>'
            f"{html_escape(str(label))}</option>"
            for text, label in ((str(v), label) for v, label in choices)
        )
        return mark_safe(f"<select{flatatt(attrs)}>{options}</select>")


SELECTS = ("jurisdiction", "plan", "category", "unit", "leader", "shown", "computed")
# The label of each model select's options (the models' __str__), read as plain values.
LABEL_FIELDS = {
    "jurisdiction": "name",
    "plan": "title",
    "category": "name",
    "unit": "name",
    "leader": "name",
}


class FlagFilter(django_filters.BooleanFilter):
    """A checkbox: `name=1` narrows the rows, anything else leaves them alone."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FlagInput())
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if not value:
            return qs
        return super().filter(qs, value)


class ItemFilter(django_filters.FilterSet):
    jurisdiction = django_filters.ModelChoiceFilter(
        field_name="subitem__project__plan__jurisdiction",
        queryset=None,
        label=_("Jurisdiction"),
    )
    plan = django_filters.ModelChoiceFilter(
        field_name="subitem__project__plan", queryset=None, label=_("Plan")
    )
    category = django_filters.ModelChoiceFilter(
        field_name="subitem__project__category", queryset=None, label=_("Category")
    )
    unit = django_filters.ModelChoiceFilter(
        field_name="subitem__lead_unit", queryset=None, label=_("Lead unit")
    )
    leader = django_filters.ModelChoiceFilter(
        field_name="subitem__leaders", queryset=None, label=_("Leader in charge")
    )
    shown = django_filters.ChoiceFilter(
        choices=SHOWN_CHOICES, label=_("Reported status"), empty_label=_("Any")
    )
    computed = django_filters.ChoiceFilter(
        field_name="computed_status",
        choices=Status.choices,
        label=_("Computed status"),
        empty_label=_("Any"),
    )
    mismatch = FlagFilter(field_name="mismatch", label=_("Status mismatch only"))
    missing = FlagFilter(method="filter_missing", label=_("Not reported only"))
    light = django_filters.ChoiceFilter(
        field_name="light",
        choices=[("red", _("Red")), ("yellow", _("Yellow")), ("green", _("Green"))],
        label=_("Light"),
        empty_label=_("Any"),
    )
    flagged = FlagFilter(method="filter_flagged", label=_("Data-quality flags only"))
    q = django_filters.CharFilter(method="search", label=_("Search"))

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        for name, qs in selectors.filter_choices(user).items():
            self.filters[name].queryset = qs
        self.form.fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "placeholder": _("Project, sub-item, unit or number")}
        )
        self.form.fields["q"].max_length = 100
        for name in SELECTS:
            field = self.form.fields[name]
            if name in LABEL_FIELDS:  # (pk, label) pairs, without a model instance per option;
                # read only when rendered (the jurisdiction's select is not, for supervisors)
                rows = field.queryset.values_list("pk", LABEL_FIELDS[name])
                empty = field.empty_label or "---------"
                choices = lambda rows=rows, empty=empty: [("", empty), *rows]  # noqa: E731
            else:
                choices = field.choices
            field.widget = FastSelect(attrs=field.widget.attrs, choices=choices)

    @property
    def qs(self) -> QuerySet:
        # a value that is not offered (another jurisdiction's unit, a bad status) narrows to
        # nothing rather than being dropped and showing more than was asked for
        if self.is_bound and self.errors:
            return self.queryset.none()
        return super().qs

    def filter_missing(self, qs: QuerySet, name: str, value) -> QuerySet:
        return qs.filter(shown=MISSING) if value else qs

    def filter_flagged(self, qs: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return qs
        flags = ReportFlag.objects.filter(
            report__subitem_id=OuterRef("subitem_id"),
            report__period=OuterRef("period"),
            dismissed_at__isnull=True,
        )
        return qs.filter(Exists(flags))

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        if not text:
            return qs
        return qs.filter(
            Q(subitem__project__name__icontains=text)
            | Q(subitem__name__icontains=text)
            | Q(subitem__lead_unit__name__icontains=text)
            | Q(subitem__project__number__icontains=text)
        )


def describe(filterset: ItemFilter) -> list[str]:
    """The filters in force, in words ("牵头单位：区教育局"), in the order of the form: the
    export's title line says what the table holds."""
    if not filterset.is_bound or not filterset.form.is_valid():
        return []
    parts = []
    for name, field in filterset.form.fields.items():
        value = filterset.form.cleaned_data.get(name)
        if value in (None, "", False):
            continue
        if value is True:
            parts.append(str(field.label))
            continue
        choices = dict(getattr(field, "choices", ()) or ())
        shown = choices.get(value, value) if isinstance(value, str) and choices else value
        parts.append(f"{field.label}{_(': ')}{shown}")
    return parts
