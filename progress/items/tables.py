"""The item list as a django-tables2 table: the page shows it, the .xlsx export writes the same
columns (without the link) through each column's value_ method."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from html import escape

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from progress import periods
from progress.items.selectors import LIST_ORDER
from progress.models import ItemStatus
from progress.statuses.shown import COMPUTED_LABELS, LABELS

PER_PAGE = 50


def status_badge(code: str, labels: dict) -> str:
    """The status as a badge: its words, a symbol and a colour (app.css)."""
    if not code:
        return format_html('<span class="muted">{}</span>', "—")
    return format_html(
        '<span class="status status-{}">{}</span>', code, str(labels.get(code, code))
    )


def shown_text(record: ItemStatus) -> str:
    """The shown status in words; 办结 earlier says when (2024-10)."""
    text = str(LABELS.get(record.shown, record.shown))
    if not record.has_report and record.completed_in:
        text += f" ({periods.label(record.completed_in)})"
    return text


def light_text(record: ItemStatus) -> str:
    """The 红黄绿 light and its reasons in words (docs/supervision.md)."""
    from progress.supervision import words

    if not record.light:
        return ""
    reasons = "；".join(words.light_reasons(record.light_reasons))
    label = words.light_label(record.light)
    return f"{label}（{reasons}）" if reasons else label


class ItemTable(tables.Table):
    choose = tables.Column(
        verbose_name=_("Choose"),
        accessor="subitem_id",
        orderable=False,
        exclude_from_export=True,
    )
    number = tables.Column(
        verbose_name=_("No."),
        accessor="subitem__project__number",
        order_by=LIST_ORDER,
        attrs={"th": {"class": "col-number"}, "td": {"class": "col-number"}},
    )
    project = tables.Column(
        verbose_name=_("Project"),
        accessor="subitem__project__name",
        order_by=("subitem__project__name", *LIST_ORDER),
    )
    subitem = tables.Column(
        verbose_name=_("Sub-item"),
        accessor="subitem__name",
        order_by=("subitem__name", *LIST_ORDER),
    )
    lead_unit = tables.Column(
        verbose_name=_("Lead unit"),
        accessor="subitem__lead_unit__name",
        order_by=("subitem__lead_unit__name", *LIST_ORDER),
        default="—",
        attrs={"th": {"class": "col-unit"}, "td": {"class": "col-unit"}},
    )
    leaders = tables.Column(
        verbose_name=_("Leaders"),
        accessor="subitem",
        orderable=False,
        empty_values=(),
        attrs={"td": {"class": "col-people"}},
    )
    shown = tables.Column(
        verbose_name=_("Reported status"), order_by=("shown", *LIST_ORDER), empty_values=()
    )
    computed_status = tables.Column(
        verbose_name=_("Computed status"),
        order_by=("computed_status", *LIST_ORDER),
        empty_values=(),
    )
    mismatch = tables.Column(
        verbose_name=_("Status mismatch"),
        order_by=("-mismatch", *LIST_ORDER),
        empty_values=(),
    )
    light = tables.Column(
        verbose_name=_("Light"),
        order_by=("light", *LIST_ORDER),
        empty_values=(),
    )
    detail = tables.Column(
        verbose_name=_("Details"), accessor="subitem_id", orderable=False, exclude_from_export=True
    )

    class Meta:
        sequence = (
            "choose",
            "number",
            "project",
            "subitem",
            "lead_unit",
            "leaders",
            "shown",
            "computed_status",
            "mismatch",
            "light",
            "detail",
        )
        template_name = "progress/items/items_table.html"
        attrs = {"class": "item-table table--cards"}
        row_attrs = {"data-shown": lambda record: record.shown}
        empty_text = _("No items match these filters.")
        per_page = PER_PAGE

    def __init__(self, *args, period: date, choosable: bool = False, **kwargs):
        """choosable: a checkbox per row, to issue 督办 notices on the chosen items
        (supervisors on the item list)."""
        if not choosable:
            kwargs["exclude"] = (*kwargs.get("exclude", ()), "choose")
        super().__init__(*args, **kwargs)
        self.period_label = periods.label(period)
        # on a phone each row is a card and each cell says what it is (app.css .table--cards)
        for bound in self.columns:
            td = {**bound.column.attrs.get("td", {}), "data-label": bound.verbose_name}
            bound.column.attrs = {**bound.column.attrs, "td": td}

    def detail_url(self, record: ItemStatus) -> str:
        # reverse() once per table: the page asks for 100 of these
        if not hasattr(self, "_detail_prefix"):
            self._detail_prefix = reverse("items:detail", args=[1])[: -len("1/")]
        return f"{self._detail_prefix}{record.subitem_id}/?period={self.period_label}"

    # --- the page ---

    def body_html(self) -> str:
        """The rows of the page, written here rather than cell by cell through django-tables2's
        row and cell machinery (which inspects a signature per cell), and as plain strings
        escaped with the standard library's html.escape (what django.utils.html.escape calls,
        without the lazy-string wrapper and SafeString per value that format_html adds: most of
        the list's time). The same HTML as each column's render_ method, or its value, through
        format_html: tests/items/test_item_list_html.py compares the two on varied rows."""
        from progress.supervision import words

        if not hasattr(self, "_detail_prefix"):
            self._detail_prefix = reverse("items:detail", args=[1])[: -len("1/")]
        prefix, period = self._detail_prefix, self.period_label
        open_word = escape(str(_("Open")))
        mismatch = f'<span class="flag-mismatch">{escape(str(_("Status mismatch")))}</span>'
        computed = {code: escape(str(label)) for code, label in COMPUTED_LABELS.items()}
        light_words = {}  # per light: its symbol and its word, once per table

        def cell_computed(r: ItemStatus) -> str:
            code = r.computed_status
            if not code:
                return '<span class="muted">—</span>'
            label = computed.get(code)
            if label is None:
                label = escape(str(code))
            return f'<span class="status status-{escape(code)}">{label}</span>'

        def cell_leaders(r: ItemStatus) -> str:
            leaders = r.subitem.leader_list
            if not leaders:
                return "—"
            return "、".join(escape(leader.name) for leader in leaders)

        def cell_light(r: ItemStatus) -> str:
            light = r.light
            if not light:
                return ""
            code = escape(light)
            if light not in light_words:
                light_words[light] = (
                    f"{escape(words.LIGHT_SYMBOLS[light])} {escape(words.light_label(light))}"
                )
            return (
                f'<span class="light light--{code}" data-light="{code}" '
                f'title="{escape(light_text(r))}">'
                f"{light_words[light]}</span>"
            )

        cells: dict[str, Callable[[ItemStatus], str]] = {
            "number": lambda r: escape(r.subitem.project.number),
            "project": lambda r: escape(r.subitem.project.name),
            "subitem": lambda r: (
                f'<a href="{escape(f"{prefix}{r.subitem_id}/?period={period}")}">'
                f"({r.subitem.number}) {escape(r.subitem.name)}</a>"
            ),
            "lead_unit": lambda r: escape(r.subitem.lead_unit.name) if r.subitem.lead_unit else "—",
            "leaders": cell_leaders,
            "shown": lambda r: (
                f'<span class="status status-{escape(r.shown)}">{escape(shown_text(r))}</span>'
            ),
            "computed_status": cell_computed,
            "mismatch": lambda r: mismatch if r.mismatch else "",
            "light": cell_light,
            "choose": lambda r: (
                f'<input type="checkbox" name="items" value="{r.subitem_id}" form="choose-items" '
                f'aria-label="{escape(r.subitem.name)}">'
            ),
            "detail": lambda r: (
                f'<a href="{escape(f"{prefix}{r.subitem_id}/?period={period}")}">{open_word}'
                f'<span class="visually-hidden"> {escape(r.subitem.name)}</span></a>'
            ),
        }
        columns = [(cells[c.name], f"<td {c.attrs['td'].as_html()}>") for c in self.columns]
        rows = self.page.object_list if self.page is not None else self.rows
        html = []
        for row in rows:
            record = row.record
            html.append(f'<tr data-shown="{escape(record.shown)}">')
            for cell, td in columns:
                html.append(f"{td}{cell(record)}</td>")
            html.append("</tr>")
        return mark_safe("".join(html))

    def render_subitem(self, record: ItemStatus) -> str:
        return format_html(
            '<a href="{}">({}) {}</a>',
            self.detail_url(record),
            record.subitem.number,
            record.subitem.name,
        )

    def render_leaders(self, record: ItemStatus) -> str:
        leaders = record.subitem.leader_list
        if not leaders:
            return "—"
        return format_html_join("、", "{}", ((leader.name,) for leader in leaders))

    def render_shown(self, record: ItemStatus) -> str:
        return format_html(
            '<span class="status status-{}">{}</span>', record.shown, shown_text(record)
        )

    def render_computed_status(self, record: ItemStatus) -> str:
        # `value` would be the choice's label: django-tables2 displays choices
        return status_badge(record.computed_status, COMPUTED_LABELS)

    def render_mismatch(self, value: bool) -> str:
        if not value:
            return ""
        return format_html('<span class="flag-mismatch">{}</span>', _("Status mismatch"))

    def render_choose(self, record: ItemStatus) -> str:
        return format_html(
            '<input type="checkbox" name="items" value="{}" form="choose-items" aria-label="{}">',
            record.subitem_id,
            record.subitem.name,
        )

    def render_light(self, record: ItemStatus) -> str:
        from progress.supervision import words

        if not record.light:
            return ""
        return format_html(
            '<span class="light light--{}" data-light="{}" title="{}">{} {}</span>',
            record.light,
            record.light,
            light_text(record),
            words.LIGHT_SYMBOLS[record.light],
            words.light_label(record.light),
        )

    def render_detail(self, record: ItemStatus) -> str:
        return format_html(
            # the visible word starts the link's name (WCAG 2.5.3), the item's name completes it
            '<a href="{}">{}<span class="visually-hidden"> {}</span></a>',
            self.detail_url(record),
            _("Open"),
            record.subitem.name,
        )

    # --- the export: what the page shows, as plain text, minus the link ---

    def export_rows(self) -> Iterator[list[str]]:
        """The header, then every row of every page in the table's order. Plain functions per
        column: django-tables2's as_values inspects a signature per cell (15 s on 20,000 rows)."""
        columns = [c for c in self.columns if not c.column.exclude_from_export]
        yield [str(c.header) for c in columns]
        getters = [EXPORT[c.name] for c in columns]
        for record in self.data:
            yield [get(record) for get in getters]


def _blank(reason) -> str:
    """An empty cell of the export says why: "—（未指定牵头单位）"."""
    return f"—{_('(')}{reason}{_(')')}"


EXPORT: dict[str, Callable[[ItemStatus], str]] = {
    "number": lambda r: r.subitem.project.number,
    "project": lambda r: r.subitem.project.name,
    "subitem": lambda r: f"({r.subitem.number}) {r.subitem.name}",
    "lead_unit": lambda r: (
        r.subitem.lead_unit.name if r.subitem.lead_unit else _blank(_("no lead unit"))
    ),
    "leaders": lambda r: (
        "、".join(leader.name for leader in r.subitem.leader_list)
        or _blank(_("no leader in charge"))
    ),
    "shown": shown_text,
    "computed_status": lambda r: (
        str(COMPUTED_LABELS.get(r.computed_status, r.computed_status))
        if r.computed_status
        else _blank(_("nothing to judge by yet"))
    ),
    "mismatch": lambda r: str(_("Status mismatch")) if r.mismatch else _blank(_("agrees")),
    "light": lambda r: light_text(r) or _blank(_("nothing to judge by yet")),
}


EXPORT_WIDTHS = (8, 40, 40, 24, 16, 12, 12, 12)


def export_heading(user, filterset, period: date) -> dict[str, str]:
    """The export's title, the line under it (its filters) and the sheet's name: the same
    whether the request writes the file or a worker does (progress.exports.jobs)."""
    from django.utils.translation import gettext as _g

    from progress.items.filters import describe
    from projects import roles

    name = periods.label(period)
    chosen = filterset.form.cleaned_data.get("jurisdiction") if filterset.is_bound else None
    place = user.jurisdiction if not roles.is_admin(user) else chosen
    where = place.name if place else _g("All jurisdictions")
    filters = describe(filterset)
    return {
        "title": _g("%(where)s: progress of the items, %(period)s")
        % {"where": where, "period": name},
        "subtitle": (
            _g("Filters: %(filters)s") % {"filters": _g("; ").join(filters)}
            if filters
            else _g("All items, no filter")
        ),
        "sheet_name": name,
    }
