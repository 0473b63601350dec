"""Forms of the reporter side: the progress form of one sub-item and period, a contribution.

The forms only parse and place errors on their fields; the rules live in
progress.reporting.services.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from progress import formatting
from progress.models import ProgressReport, Status
from progress.reporting.services import NEEDS_EXPLANATION, ReportData
from projects.models import Indicator, Milestone

COMPLETION_SOFT_LIMIT = 100
INDICATOR_PREFIX = "indicator_"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type=file multiple>: cleans to a list (maybe empty)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_clean = super().clean
        if isinstance(data, list | tuple):
            return [f for f in (single_clean(d, initial) for d in data) if f]
        cleaned = single_clean(data, initial)
        return [cleaned] if cleaned else []


def target_help(indicator: Indicator, period_end: date) -> str:
    """The target due in or before the period (the latest such), else the next one."""
    targets = list(indicator.targets.all())
    due = [t for t in targets if t.due <= period_end]
    if due:
        target = due[-1]
        return gettext("Target: %(value)s by %(due)s.") % {
            "value": formatting.number(target.value),
            "due": date_format(target.due, "Y-m-d"),
        }
    later = [t for t in targets if t.due > period_end]
    if later:
        return gettext("No target due yet; next: %(value)s by %(due)s.") % {
            "value": formatting.number(later[0].value),
            "due": date_format(later[0].due, "Y-m-d"),
        }
    return gettext("No target set.")


class ReportForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("— choose —")), *Status.choices],
        required=False,
    )
    completion = forms.CharField(
        label=_("Completion this period"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "data-soft-limit": COMPLETION_SOFT_LIMIT}),
    )
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the item is ahead or lagging: why, and what happens next."),
    )
    problems = forms.CharField(
        label=_("Problems"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_steps = forms.CharField(
        label=_("Next steps"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    milestones = forms.MultipleChoiceField(
        label=_("Milestones achieved"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Site photos (.jpg, .png) or documents (.pdf, .docx, .xlsx)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(
        self,
        *args,
        indicators: Sequence[Indicator],
        milestones: Sequence[Milestone],
        period_start: date,
        period_end: date,
        submit: bool = False,
        state: str = ProgressReport.State.DRAFT,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.submit = submit
        self.state = state
        self._milestones = list(milestones)
        self._period = (period_start, period_end)
        self.fields["completion"].help_text = gettext(
            "About %(limit)d characters: what was done this period."
        ) % {"limit": COMPLETION_SOFT_LIMIT}
        self.fields["milestones"].choices = [
            (str(m.pk), f"{date_format(m.due, 'Y-m-d')} {m.text}") for m in self._milestones
        ]
        self.indicator_fields = []
        for indicator in indicators:
            name = f"{INDICATOR_PREFIX}{indicator.pk}"
            self.fields[name] = forms.DecimalField(
                label=str(indicator),
                required=False,
                max_digits=16,
                decimal_places=4,
                help_text=target_help(indicator, period_end),
                widget=forms.NumberInput(attrs={"step": "any"}),
            )
            self.indicator_fields.append(name)
        self.order_fields(
            [
                "status",
                "completion",
                "explanation",
                "problems",
                "next_steps",
                *self.indicator_fields,
            ]
        )

    @staticmethod
    def initial_for(report: ProgressReport | None) -> dict:
        """The form's starting values: the saved report, its numbers and its milestones."""
        if report is None:
            return {}
        initial = {
            "status": report.status,
            "completion": report.completion,
            "explanation": report.explanation,
            "problems": report.problems,
            "next_steps": report.next_steps,
            "version": report.version,
            "milestones": [str(m.pk) for m in report.milestones_achieved.all()],
        }
        for value in report.values.all():
            initial[f"{INDICATOR_PREFIX}{value.indicator_id}"] = formatting.decimal_input(
                value.value
            )
        return initial

    def indicator_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.indicator_fields]

    def milestone_rows(self) -> list[dict]:
        """Each milestone's checkbox, with the milestone and whether it falls due this period."""
        start, end = self._period
        return [
            {"checkbox": checkbox, "milestone": m, "due_now": start <= m.due <= end}
            for checkbox, m in zip(self["milestones"], self._milestones, strict=True)
        ]

    def clean(self):
        data = super().clean()
        status = data.get("status", "")
        # A submitted report needs these (services.validate_report); a returned report stays
        # out of draft, so it needs its explanation even when only saved.
        needs_explanation = self.submit or self.state != ProgressReport.State.DRAFT
        if self.submit and not status:
            self.add_error("status", _("Choose a status before submitting."))
        if self.submit and not data.get("completion", "").strip():
            self.add_error("completion", _("Describe what was done this period before submitting."))
        if (
            needs_explanation
            and status in NEEDS_EXPLANATION
            and not data.get("explanation", "").strip()
        ):
            self.add_error(
                "explanation",
                _(
                    "An explanation (情况说明) is required when the item is ahead or lagging: say why and what happens next."
                ),
            )
        return data

    def report_data(self) -> ReportData:
        data = self.cleaned_data
        return ReportData(
            status=data["status"],
            completion=data["completion"],
            explanation=data["explanation"],
            problems=data["problems"],
            next_steps=data["next_steps"],
            values={
                int(name.removeprefix(INDICATOR_PREFIX)): data.get(name)
                for name in self.indicator_fields
            },
            milestones_achieved={int(pk) for pk in data["milestones"]},
        )


class ContributionForm(forms.Form):
    text = forms.CharField(
        label=_("What your unit did this period"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write what your unit did.")},
    )
