"""The admin: where admins correct imported lists, units, people and accounts.

Every model with `history` uses SimpleHistoryAdmin, so each object has a history page that
shows who changed what and when. Changelists join or annotate everything they show, so the
number of queries does not grow with the number of rows (tests/test_admin.py pins this).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Category,
    CoUnit,
    Indicator,
    IndicatorTarget,
    Jurisdiction,
    Leader,
    Milestone,
    Person,
    Plan,
    Project,
    SubItem,
    Unit,
    UnitAlias,
    User,
)
from .signals import plans_removed, subitems_changed

admin.site.site_header = _("Shishi progress")
admin.site.site_title = _("Shishi progress")
admin.site.index_title = _("Data entry and correction")

SHORT_TEXT = 40
SMALL_TEXTAREA = forms.Textarea(attrs={"rows": 2, "cols": 60})


def short(text: str, length: int = SHORT_TEXT) -> str:
    return Truncator(text).chars(length)


def freeze_choices(field: forms.ModelChoiceField, queryset) -> None:
    """Give a choice field a fixed queryset and evaluate it now, once.

    A tabular inline copies its form for every row; a lazy queryset would then run one
    query per row. A list of choices is copied instead.
    """
    field.queryset = queryset
    field.choices = list(field.choices)


# --- Jurisdictions, units, people -------------------------------------------------------


class InvalidateDashboardsOnDeleteMixin:
    """Deleting a plan, project, category or jurisdiction deletes what is derived from it (the
    progress app's stored statuses): say so, and the dashboards' cached counts go too."""

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._invalidate()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._invalidate()

    def _invalidate(self) -> None:
        plans_removed.send(sender=self.model)


@admin.register(Jurisdiction)
class JurisdictionAdmin(InvalidateDashboardsOnDeleteMixin, SimpleHistoryAdmin):
    ordering = ("name",)  # Meta.ordering is dropped by the GROUP BY of the counts
    list_display = ("name", "level", "unit_count", "plan_count")
    list_filter = ("level",)
    search_fields = ("name",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                unit_count=Count("units", distinct=True),
                plan_count=Count("plans", distinct=True),
            )
        )

    @admin.display(description=_("units"), ordering="unit_count")
    def unit_count(self, obj):
        return obj.unit_count

    @admin.display(description=_("plans"), ordering="plan_count")
    def plan_count(self, obj):
        return obj.plan_count


class UnitAliasFormSet(forms.BaseInlineFormSet):
    """Aliases take the unit's jurisdiction and must be unique inside it."""

    def clean(self):
        super().clean()
        jurisdiction_id = self.instance.jurisdiction_id
        if jurisdiction_id is None:
            return  # the unit's own form has errors; it says so
        forms_with_alias = [
            form
            for form in self.forms
            if form.cleaned_data.get("alias") and not form.cleaned_data.get("DELETE")
        ]
        seen: set[str] = set()
        for form in forms_with_alias:
            form.instance.jurisdiction_id = jurisdiction_id
            alias = form.cleaned_data["alias"]
            if alias in seen:
                form.add_error("alias", _("This alias is entered twice."))
            seen.add(alias)
        own_pks = [form.instance.pk for form in self.forms if form.instance.pk]
        taken = dict(
            UnitAlias.objects.filter(jurisdiction_id=jurisdiction_id, alias__in=seen)
            .exclude(pk__in=own_pks)
            .values_list("alias", "unit__name")
        )
        for form in forms_with_alias:
            alias = form.cleaned_data["alias"]
            if alias in taken:
                form.add_error(
                    "alias",
                    _("This alias already belongs to %(unit)s.") % {"unit": taken[alias]},
                )


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    formset = UnitAliasFormSet
    fields = ("alias",)
    extra = 0


class PersonInline(admin.TabularInline):
    model = Person
    fields = ("name",)
    extra = 0
    show_change_link = True


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    ordering = ("name",)  # Meta.ordering is dropped by the GROUP BY of the counts
    list_display = ("name", "jurisdiction", "led_count", "co_count", "person_count")
    list_filter = ("jurisdiction",)
    list_select_related = ("jurisdiction",)
    search_fields = ("name", "aliases__alias")
    inlines = (UnitAliasInline, PersonInline)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                led_count=Count("led_subitems", distinct=True),
                co_count=Count("co_unit_links", distinct=True),
                person_count=Count("persons", distinct=True),
            )
        )

    @admin.display(description=_("sub-items led"), ordering="led_count")
    def led_count(self, obj):
        return obj.led_count

    @admin.display(description=_("sub-items co-operated"), ordering="co_count")
    def co_count(self, obj):
        return obj.co_count

    @admin.display(description=_("responsible persons"), ordering="person_count")
    def person_count(self, obj):
        return obj.person_count


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ("name", "unit", "jurisdiction")
    list_filter = ("unit__jurisdiction",)
    list_select_related = ("unit__jurisdiction",)
    search_fields = ("name", "unit__name")
    autocomplete_fields = ("unit",)

    @admin.display(description=_("jurisdiction"), ordering="unit__jurisdiction__name")
    def jurisdiction(self, obj):
        return obj.unit.jurisdiction


@admin.register(Leader)
class LeaderAdmin(SimpleHistoryAdmin):
    list_display = ("name", "jurisdiction")
    list_filter = ("jurisdiction",)
    list_select_related = ("jurisdiction",)
    search_fields = ("name",)


class UserPlaceMixin:
    """A user's unit must belong to the user's jurisdiction; a unit alone implies it."""

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("unit")
        jurisdiction = cleaned.get("jurisdiction")
        if unit is not None:
            if jurisdiction is None:
                cleaned["jurisdiction"] = unit.jurisdiction
            elif unit.jurisdiction_id != jurisdiction.pk:
                self.add_error("unit", _("This unit belongs to another jurisdiction."))
        return cleaned


class UserAdminChangeForm(UserPlaceMixin, UserChangeForm):
    pass


class UserAdminCreationForm(UserPlaceMixin, AdminUserCreationForm):
    pass


PLACE_FIELDSET = (_("Jurisdiction and unit"), {"fields": ("jurisdiction", "unit")})


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    fieldsets = (*BaseUserAdmin.fieldsets[:2], PLACE_FIELDSET, *BaseUserAdmin.fieldsets[2:])
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, PLACE_FIELDSET)
    list_display = (
        "username",
        "full_name",
        "jurisdiction",
        "unit",
        "roles",
        "is_staff",
        "is_active",
    )
    list_filter = ("groups", "jurisdiction", "is_staff", "is_superuser", "is_active")
    list_select_related = ("jurisdiction", "unit")
    search_fields = ("username", "first_name", "last_name", "email", "unit__name")
    autocomplete_fields = ("unit",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return ", ".join(sorted(group.name for group in obj.groups.all()))


# --- Plans down to sub-items ------------------------------------------------------------


class CategoryInline(admin.TabularInline):
    model = Category
    fields = ("order", "name")
    extra = 0
    show_change_link = True


class ProjectInline(admin.TabularInline):
    """A light list of the plan's projects; each links to its own page for the details."""

    model = Project
    fields = ("number", "name", "category")
    extra = 0
    show_change_link = True

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        categories = Category.objects.filter(plan=obj) if obj else Category.objects.none()
        freeze_choices(formset.form.base_fields["category"], categories)
        return formset


@admin.register(Plan)
class PlanAdmin(InvalidateDashboardsOnDeleteMixin, SimpleHistoryAdmin):
    ordering = ("-year", "title")
    list_display = ("title", "jurisdiction", "year", "kind", "project_count", "subitem_count")
    list_filter = ("jurisdiction", "year", "kind")
    list_select_related = ("jurisdiction",)
    search_fields = ("title", "source_file")
    readonly_fields = ("created_at", "updated_at")
    fields = ("jurisdiction", "title", "year", "kind", "source_file", "created_at", "updated_at")
    inlines = (CategoryInline, ProjectInline)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                project_count=Count("projects", distinct=True),
                subitem_count=Count("projects__subitems", distinct=True),
            )
        )

    @admin.display(description=_("projects"), ordering="project_count")
    def project_count(self, obj):
        return obj.project_count

    @admin.display(description=_("sub-items"), ordering="subitem_count")
    def subitem_count(self, obj):
        return obj.subitem_count


@admin.register(Category)
class CategoryAdmin(InvalidateDashboardsOnDeleteMixin, SimpleHistoryAdmin):
    ordering = ("plan", "order")
    list_display = ("name", "plan", "order", "project_count")
    list_filter = ("plan__jurisdiction", "plan__year", "plan")
    list_select_related = ("plan",)
    search_fields = ("name", "plan__title")
    autocomplete_fields = ("plan",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(project_count=Count("projects"))

    @admin.display(description=_("projects"), ordering="project_count")
    def project_count(self, obj):
        return obj.project_count


class SubItemInline(admin.TabularInline):
    model = SubItem
    fields = ("number", "name", "lead_unit")
    autocomplete_fields = ("lead_unit",)
    extra = 0
    show_change_link = True


class ProjectAdminForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = "__all__"  # noqa: DJ007 - the admin picks the fields

    def clean(self):
        cleaned = super().clean()
        plan, category = cleaned.get("plan"), cleaned.get("category")
        if plan is not None and category is not None and category.plan_id != plan.pk:
            self.add_error("category", _("This category belongs to another plan."))
        return cleaned


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.plan} / {obj.name}"


@admin.register(Project)
class ProjectAdmin(InvalidateDashboardsOnDeleteMixin, SimpleHistoryAdmin):
    ordering = ("plan", "order")
    form = ProjectAdminForm
    list_display = ("number", "short_name", "plan", "category", "subitem_count")
    list_display_links = ("number", "short_name")
    list_filter = (
        "plan__jurisdiction",
        "plan__year",
        "plan__kind",
        "plan",
        ("category", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("plan", "category")
    search_fields = ("number", "name", "description", "plan__title")
    autocomplete_fields = ("plan", "leaders")
    fields = ("plan", "category", "number", "name", "description", "order", "leaders")
    inlines = (SubItemInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(subitem_count=Count("subitems"))

    def save_related(self, request, form, formsets, change):
        """A project's plan, category and its sub-items' lead units are copied into what is
        derived from its sub-items (the progress app's stored statuses): announce them."""
        super().save_related(request, form, formsets, change)
        ids = list(form.instance.subitems.order_by("pk").values_list("pk", flat=True))
        if change and ids:
            subitems_changed.send(sender=self.model, subitem_ids=ids)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "category" in form.base_fields:
            old = form.base_fields["category"]
            if obj is not None:
                queryset = Category.objects.filter(plan_id=obj.plan_id)
                field = old
            else:
                queryset = Category.objects.select_related("plan")
                field = CategoryChoiceField(
                    queryset, required=False, label=old.label, widget=old.widget
                )
            freeze_choices(field, queryset)
            form.base_fields["category"] = field
        return form

    @admin.display(description=_("name"), ordering="name")
    def short_name(self, obj):
        return short(obj.name)

    @admin.display(description=_("sub-items"), ordering="subitem_count")
    def subitem_count(self, obj):
        return obj.subitem_count


class CoUnitInline(admin.TabularInline):
    model = CoUnit
    fields = ("order", "unit")
    autocomplete_fields = ("unit",)
    extra = 0


class MilestoneInline(admin.TabularInline):
    model = Milestone
    fields = ("order", "due", "text", "withdrawn_at")
    readonly_fields = ("withdrawn_at",)
    extra = 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "text":
            kwargs["widget"] = SMALL_TEXTAREA
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ("name", "unit", "withdrawn_at")
    readonly_fields = ("withdrawn_at",)
    extra = 0
    show_change_link = True


class RefreshStatusMixin:
    """Corrections made in the admin change what is derived from a sub-item (the progress app
    recomputes its statuses): announce the sub-item once the object and its inlines are saved,
    or once it is deleted."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        subitems_changed.send(sender=self.model, subitem_ids=[self.subitem_id_of(form.instance)])

    def delete_model(self, request, obj):
        subitem_id = self.subitem_id_of(obj)
        super().delete_model(request, obj)
        subitems_changed.send(sender=self.model, subitem_ids=[subitem_id])

    @staticmethod
    def subitem_id_of(obj) -> int:
        return getattr(obj, "subitem_id", None) or obj.pk


class WithdrawnFilter(admin.SimpleListFilter):
    title = _("withdrawn (撤销)")
    parameter_name = "withdrawn"

    def lookups(self, request, model_admin):
        return (("no", _("Active")), ("yes", _("Withdrawn")))

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.active()
        if self.value() == "yes":
            return queryset.withdrawn()
        return queryset


class WithdrawMixin:
    """Withdraw (撤销) or restore sub-items, milestones and indicators from their changelist:
    kept with their history, out of reporting while withdrawn (projects.models.Withdrawable)."""

    actions = ("withdraw_selected", "restore_selected")

    def _set_withdrawn(self, request, queryset, withdrawn: bool) -> int:
        rows = list(queryset.active() if withdrawn else queryset.withdrawn())
        for obj in rows:
            obj.withdrawn_at = timezone.now() if withdrawn else None
            obj.withdrawn_by = request.user if withdrawn else None
            obj._history_user = request.user
            obj.save(update_fields=["withdrawn_at", "withdrawn_by"])
        # Many rows: the statuses are refreshed by a worker, and the message links its job.
        responses = subitems_changed.send(
            sender=self.model,
            subitem_ids=sorted({self.subitem_id_of(obj) for obj in rows}),
            user=request.user,
        )
        for _receiver, job in responses:
            if job is not None and hasattr(job, "get_state_display"):
                self.message_user(
                    request,
                    format_html(
                        '{} <a href="{}">{}</a>',
                        _("The statuses of these items are being refreshed in the background."),
                        reverse("jobs:detail", args=[job.pk]),
                        _("See how far it is"),
                    ),
                )
        return len(rows)

    @admin.action(description=_("Withdraw (撤销) the selected rows"))
    def withdraw_selected(self, request, queryset):
        n = self._set_withdrawn(request, queryset, True)
        self.message_user(
            request, ngettext("%(n)d row withdrawn.", "%(n)d rows withdrawn.", n) % {"n": n}
        )

    @admin.action(description=_("Restore the selected withdrawn rows"))
    def restore_selected(self, request, queryset):
        n = self._set_withdrawn(request, queryset, False)
        self.message_user(
            request, ngettext("%(n)d row restored.", "%(n)d rows restored.", n) % {"n": n}
        )


@admin.register(SubItem)
class SubItemAdmin(WithdrawMixin, RefreshStatusMixin, SimpleHistoryAdmin):
    list_display = ("short_name", "number", "short_project", "plan", "lead_unit", "withdrawn_at")
    list_display_links = ("short_name",)
    list_filter = (
        WithdrawnFilter,
        "project__plan__jurisdiction",
        "project__plan__year",
        "project__plan",
        ("lead_unit", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("project__plan", "lead_unit")
    search_fields = (
        "name",
        "description",
        "project__number",
        "project__name",
        "lead_unit__name",
    )
    autocomplete_fields = ("project", "lead_unit", "persons", "leaders")
    fields = (
        "project",
        "number",
        "name",
        "description",
        "lead_unit",
        "persons",
        "leaders",
        "withdrawn_at",
        "withdrawn_by",
    )
    readonly_fields = ("withdrawn_at", "withdrawn_by")
    inlines = (CoUnitInline, MilestoneInline, IndicatorInline)

    @admin.display(description=_("name"), ordering="name")
    def short_name(self, obj):
        return short(obj.name)

    @admin.display(description=_("project"), ordering="project__order")
    def short_project(self, obj):
        return short(str(obj.project))

    @admin.display(description=_("plan"), ordering="project__plan")
    def plan(self, obj):
        return obj.project.plan


@admin.register(Milestone)
class MilestoneAdmin(WithdrawMixin, RefreshStatusMixin, SimpleHistoryAdmin):
    list_display = ("due", "short_text", "short_subitem", "plan", "withdrawn_at")
    list_filter = (
        WithdrawnFilter,
        "subitem__project__plan__jurisdiction",
        "subitem__project__plan",
    )
    list_select_related = ("subitem__project__plan",)
    search_fields = ("text", "subitem__name", "subitem__project__name")
    date_hierarchy = "due"
    autocomplete_fields = ("subitem",)

    @admin.display(description=_("plan text"), ordering="text")
    def short_text(self, obj):
        return short(obj.text)

    @admin.display(description=_("sub-item"), ordering="subitem__name")
    def short_subitem(self, obj):
        return short(obj.subitem.name)

    @admin.display(description=_("plan"), ordering="subitem__project__plan")
    def plan(self, obj):
        return obj.subitem.project.plan


class IndicatorTargetInline(admin.TabularInline):
    model = IndicatorTarget
    fields = ("due", "value")
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(WithdrawMixin, RefreshStatusMixin, SimpleHistoryAdmin):
    ordering = ("subitem", "id")
    list_display = ("name", "unit", "short_subitem", "plan", "target_count", "withdrawn_at")
    list_filter = (
        WithdrawnFilter,
        "subitem__project__plan__jurisdiction",
        "subitem__project__plan",
    )
    list_select_related = ("subitem__project__plan",)
    search_fields = ("name", "subitem__name", "subitem__project__name")
    autocomplete_fields = ("subitem",)
    inlines = (IndicatorTargetInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(target_count=Count("targets"))

    @admin.display(description=_("sub-item"), ordering="subitem__name")
    def short_subitem(self, obj):
        return short(obj.subitem.name)

    @admin.display(description=_("plan"), ordering="subitem__project__plan")
    def plan(self, obj):
        return obj.subitem.project.plan

    @admin.display(description=_("targets"), ordering="target_count")
    def target_count(self, obj):
        return obj.target_count
