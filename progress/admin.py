"""Admin for monthly reports: correcting what a unit reported or what an import brought in."""

import datetime

from django import forms
from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from projects.admin import RefreshStatusMixin
from projects.models import Indicator, Milestone

from .models import (
    Attachment,
    Contribution,
    IndicatorValue,
    ProgressReport,
    Publication,
    ReviewEvent,
)


def report_subitem_id(request) -> int | None:
    """The sub-item of the report open in the change page, looked up once per request."""
    if not hasattr(request, "_report_subitem_id"):
        object_id = (
            request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        )
        subitem_id = None
        if object_id is not None and str(object_id).isdigit():
            subitem_id = (
                ProgressReport.objects.filter(pk=object_id)
                .values_list("subitem_id", flat=True)
                .first()
            )
        request._report_subitem_id = subitem_id
    return request._report_subitem_id


class PeriodFilter(admin.SimpleListFilter):
    title = _("period")
    parameter_name = "period"

    def lookups(self, request, model_admin):
        periods = (
            ProgressReport.objects.order_by("-period").values_list("period", flat=True).distinct()
        )
        return [(period.isoformat(), f"{period:%Y-%m}") for period in periods]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            period = datetime.date.fromisoformat(self.value())
        except ValueError:
            return queryset.none()
        return queryset.filter(period=period)


class IndicatorValueInline(admin.TabularInline):
    model = IndicatorValue
    fields = ("indicator", "value")
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields["indicator"]
        # Only the report's own sub-item's indicators; evaluated once, not once per row.
        field.queryset = (
            Indicator.objects.filter(subitem_id=obj.subitem_id) if obj else Indicator.objects.none()
        )
        field.choices = list(field.choices)
        return formset


class ProgressReportAdminForm(forms.ModelForm):
    class Meta:
        model = ProgressReport
        fields = "__all__"  # noqa: DJ007 - the admin picks the fields

    def clean(self):
        cleaned = super().clean()
        subitem = cleaned.get("subitem")
        milestones = cleaned.get("milestones_achieved")
        if (
            subitem is not None
            and milestones
            and any(m.subitem_id != subitem.pk for m in milestones)
        ):
            self.add_error(
                "milestones_achieved",
                _("Only milestones of the report's own sub-item can be achieved."),
            )
        return cleaned


class AttachmentInline(admin.TabularInline):
    model = Attachment
    fields = ("original_name", "kind", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # files come through the report form, where type and size are checked


class ReviewEventInline(admin.TabularInline):
    model = ReviewEvent
    fields = ("at", "action", "actor", "comment")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # the workflow is the review page's


@admin.register(Publication)
class PublicationAdmin(SimpleHistoryAdmin):
    list_display = ("plan", "period", "show_persons", "published_by", "published_at")
    list_select_related = ("plan", "published_by")
    list_filter = ("plan__jurisdiction", "period")
    search_fields = ("plan__title",)
    autocomplete_fields = ("plan", "published_by")


@admin.register(Contribution)
class ContributionAdmin(SimpleHistoryAdmin):
    list_display = ("subitem", "unit", "period", "author", "updated_at")
    list_select_related = ("subitem", "unit", "author")
    list_filter = ("period", "subitem__project__plan__jurisdiction")
    search_fields = ("subitem__name", "unit__name", "text")
    autocomplete_fields = ("subitem", "unit", "author")


@admin.register(ProgressReport)
class ProgressReportAdmin(RefreshStatusMixin, SimpleHistoryAdmin):
    form = ProgressReportAdminForm
    list_display = (
        "short_subitem",
        "project_number",
        "month",
        "status",
        "state",
        "source",
        "version",
        "submitted_by",
        "updated_at",
    )
    list_display_links = ("short_subitem",)
    list_filter = (
        "state",
        "status",
        PeriodFilter,
        "source",
        "subitem__project__plan__jurisdiction",
        "subitem__project__plan",
    )
    list_select_related = ("subitem__project", "submitted_by")
    search_fields = (
        "subitem__name",
        "subitem__project__number",
        "subitem__project__name",
        "subitem__lead_unit__name",
        "completion",
    )
    autocomplete_fields = ("subitem", "submitted_by")
    filter_horizontal = ("milestones_achieved",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ["subitem", "period", "status", "state", "source", "version"]}),
        (
            _("Report"),
            {
                "fields": [
                    "completion",
                    "explanation",
                    "problems",
                    "next_steps",
                    "milestones_achieved",
                ]
            },
        ),
        (_("Submission"), {"fields": ["submitted_by", "submitted_at", "created_at", "updated_at"]}),
    )
    inlines = (IndicatorValueInline, AttachmentInline, ReviewEventInline)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in {"completion", "explanation", "problems", "next_steps"}:
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "cols": 80})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "milestones_achieved":
            subitem_id = report_subitem_id(request)
            if subitem_id is None:
                kwargs["queryset"] = Milestone.objects.none()
                kwargs["help_text"] = _(
                    "Save the report first; then tick its sub-item's milestones."
                )
            else:
                kwargs["queryset"] = Milestone.objects.filter(subitem_id=subitem_id)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("sub-item"), ordering="subitem__name")
    def short_subitem(self, obj):
        return Truncator(obj.subitem.name).chars(40)

    @admin.display(description=_("project"), ordering="subitem__project__order")
    def project_number(self, obj):
        return obj.subitem.project.number

    @admin.display(description=_("period"), ordering="period")
    def month(self, obj):
        return f"{obj.period:%Y-%m}"


from progress.channels import admin as channels_admin  # noqa: E402, F401  (its registrations)
