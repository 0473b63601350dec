"""The import service: the only place where an imported list is written.

Parse (pure) -> validate -> write everything in one transaction, or nothing. Rows are matched
by plan, number and name, so importing the same file again changes nothing and an edited file
updates in place; reports entered through the web are never overwritten.

A re-import never deletes: sub-items, milestones and indicators that the file leaves out are
kept as they are and listed as "not in this file"; withdrawing them (撤销) is a separate choice
(`withdraw_missing`), which archives them with their history, reports, values and achieved
marks. A file that would change or withdraw more than IMPORT_LARGE_CHANGE_SHARE of the
sub-items a plan already has is written only with `confirm_large`.
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePath
from types import SimpleNamespace
from typing import ClassVar

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from importers.bulk import insert_objects, insert_rows
from importers.document import to_document
from importers.layouts import Options, build_plan, parse_period
from importers.matching import Stage, merged_order, pair
from importers.readers import read_tables
from importers.types import ImportFileError, Issue, Limits, ParsedPlan
from progress.models import IndicatorValue, ProgressReport
from progress.statuses import refresh_statuses
from projects.models import (
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
)
from projects.naming import unit_key

KINDS = (
    "plans",
    "categories",
    "projects",
    "subitems",
    "milestones",
    "indicators",
    "reports",
    "units",
    "leaders",
    "persons",
)
CHANGE_KEYS = ("created", "updated", "unchanged", "not_in_file", "withdrawn")
SUBITEMS_PER_PROJECT = 10_000  # SubItem.number is a small integer (at most 32767)


def field_limits() -> Limits:
    """The longest text each field takes, from the models: what the parser checks."""

    def longest(model, name: str) -> int:
        return model._meta.get_field(name).max_length

    return Limits(
        jurisdiction=longest(Jurisdiction, "name"),
        title=longest(Plan, "title"),
        category=longest(Category, "name"),
        project_number=longest(Project, "number"),
        project_name=longest(Project, "name"),
        subitem_name=longest(SubItem, "name"),
        unit=min(longest(Unit, "name"), longest(Unit, "key"), longest(UnitAlias, "alias")),
        person=longest(Person, "name"),
        leader=longest(Leader, "name"),
        subitems_per_project=SUBITEMS_PER_PROJECT,
    )


@dataclass
class Impact:
    """How much of the plan already in the database an import changes: the sub-items that
    were active before it, those the file changes, those that withdrawing what the file
    leaves out would withdraw, and those changed either way."""

    existing: int = 0
    changed: int = 0
    withdrawn: int = 0
    changed_or_withdrawn: int = 0
    limit: float = 0.0

    def touched(self, withdraw: bool) -> int:
        return self.changed_or_withdrawn if withdraw else self.changed

    def share(self, withdraw: bool) -> float:
        return self.touched(withdraw) / self.existing if self.existing else 0.0

    def needs_confirmation(self, withdraw: bool) -> bool:
        return self.existing > 0 and self.share(withdraw) > self.limit

    def as_dict(self, *, withdraw: bool, confirmed: bool) -> dict:
        return {
            "existing": self.existing,
            "changed": self.changed,
            "withdrawn": self.withdrawn if withdraw else 0,
            "share": self.share(withdraw),
            "limit": self.limit,
            "confirmed": confirmed,
        }


def percent(share: float) -> str:
    return f"{share:.0%}"


def large_change_message(impact: Impact, *, withdraw: bool, title: str) -> str:
    """What a second confirmation must name: how many sub-items of how many, and the limit."""
    return _(
        "This file changes or withdraws %(n)d of the %(total)d sub-items already in “%(title)s” "
        "(%(share)s: %(changed)d changed, %(withdrawn)d withdrawn), more than the %(limit)s "
        "that an import may change without a second confirmation."
    ) % {
        "n": impact.touched(withdraw),
        "total": impact.existing,
        "title": title,
        "share": percent(impact.share(withdraw)),
        "changed": impact.changed,
        "withdrawn": impact.withdrawn if withdraw else 0,
        "limit": percent(impact.limit),
    }


@dataclass
class ImportOutcome:
    document: dict
    changes: dict[str, dict[str, int]] = field(default_factory=dict)
    applied: bool = False
    plan_id: int | None = None
    impact: Impact | None = None
    withdraw_missing: bool = False
    needs_confirmation: bool = False  # refused: a large change without confirm_large

    @property
    def ok(self) -> bool:
        return not self.document["errors"]

    def confirmation_message(self) -> str:
        assert self.impact is not None
        return large_change_message(
            self.impact, withdraw=self.withdraw_missing, title=self.document["title"]
        )


@contextmanager
def _without_gc_pauses():
    """An import allocates hundreds of thousands of small objects that live until it ends;
    the cyclic garbage collector would scan them again and again (about a sixth of the time).
    Reference counting still frees what is dropped; the collector runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _RollBack(Exception):
    """Raised inside the transaction to roll back a dry run, or a large change that was not
    confirmed, after counting what it would change."""


def parse_file(
    *,
    data: bytes,
    filename: str,
    jurisdiction: str | None = None,
    year: int | None = None,
    period: str | None = None,
) -> ParsedPlan:
    """Read and parse a file without touching the database."""
    try:
        period_date = parse_period(period)
    except ValueError as exc:
        raise ImportFileError(
            _("The period “%(p)s” is not of the form YYYY-MM.") % {"p": period}
        ) from exc
    tables = read_tables(data, filename)
    options = Options(
        jurisdiction=(jurisdiction or "").strip() or None,
        year=year,
        period=period_date,
        limits=field_limits(),
    )
    return build_plan(tables, filename=filename, options=options)


def run_import(
    *,
    data: bytes,
    filename: str,
    jurisdiction: str | None = None,
    year: int | None = None,
    period: str | None = None,
    dry_run: bool = False,
    withdraw_missing: bool = False,
    confirm_large: bool = False,
    user=None,
) -> ImportOutcome:
    """Parse a file and write it, all or nothing. With dry_run, count what would change.

    What the file leaves out is kept (and listed); with withdraw_missing it is withdrawn. A
    large change (Impact.needs_confirmation) is rolled back unless confirm_large: the outcome
    then says needs_confirmation, and nothing is written.
    """
    with _without_gc_pauses():
        return _run_import(
            data=data,
            filename=filename,
            jurisdiction=jurisdiction,
            year=year,
            period=period,
            dry_run=dry_run,
            withdraw_missing=withdraw_missing,
            confirm_large=confirm_large,
            user=user,
        )


def _run_import(
    *,
    data: bytes,
    filename: str,
    jurisdiction: str | None,
    year: int | None,
    period: str | None,
    dry_run: bool,
    withdraw_missing: bool,
    confirm_large: bool,
    user,
) -> ImportOutcome:
    parsed = parse_file(
        data=data, filename=filename, jurisdiction=jurisdiction, year=year, period=period
    )
    document = to_document(parsed)
    document["not_in_file"] = {"subitems": [], "milestones": [], "indicators": []}
    document["large_change"] = None
    outcome = ImportOutcome(document=document, withdraw_missing=withdraw_missing)
    if parsed.errors:
        return outcome
    try:
        with transaction.atomic():
            writer = _Writer(
                parsed, filename=filename, user=user, withdraw_missing=withdraw_missing
            )
            writer.write()
            outcome.impact = impact = writer.impact()
            outcome.changes = writer.changes()
            outcome.plan_id = writer.plan.pk
            document["not_in_file"] = writer.not_in_file()
            large = impact.needs_confirmation(withdraw_missing)
            document["large_change"] = (
                impact.as_dict(withdraw=withdraw_missing, confirmed=confirm_large)
                if large
                else None
            )
            document["warnings"].extend(w.as_dict() for w in writer.warnings)
            document["updated_rows"] = writer.updated_rows
            if dry_run:
                raise _RollBack
            if large and not confirm_large:
                outcome.needs_confirmation = True
                raise _RollBack
            if writer.wrote():  # an unchanged file leaves the stored statuses as they are
                refresh_statuses(plan_ids=[writer.plan.pk])
    except _RollBack:
        outcome.plan_id = None
        return outcome
    outcome.applied = True
    return outcome


def _subitem_stages(lead_id) -> list[Stage]:
    """From the surest to the loosest; a withdrawn sub-item comes back only on its name."""

    def active(key):
        return lambda s: None if s.withdrawn_at else key(s)

    return [
        Stage(
            lambda s: (s.number, s.name, s.lead_unit_id), lambda p: (p.number, p.name, lead_id(p))
        ),
        Stage(lambda s: (s.name, s.lead_unit_id), lambda p: (p.name, lead_id(p))),
        Stage(lambda s: (s.number, s.name), lambda p: (p.number, p.name)),
        Stage(lambda s: s.name, lambda p: p.name),
        Stage(active(lambda s: s.number), lambda p: p.number),
    ]


def _active_only(key):
    return lambda x: None if x.withdrawn_at else key(x)


MILESTONE_STAGES = [
    Stage(lambda m: (m.due, m.text), lambda p: (p.due, p.text)),
    Stage(_active_only(lambda m: m.due), lambda p: p.due),
    Stage(_active_only(lambda m: m.text), lambda p: p.text),
    # one left on each side: its date and its text changed
    Stage(_active_only(lambda m: True), lambda p: True, single=True),
]
MILESTONE_COLUMNS = ("subitem_id", "order", "due", "text")
INDICATOR_STAGES = [
    Stage(lambda i: (i.name, i.unit), lambda p: (p.name, p.unit)),
    Stage(_active_only(lambda i: i.unit), lambda p: p.unit, single=True),
]


class _Writer:
    """Writes one parsed plan with a fixed number of queries per kind (bulk, not per row)."""

    def __init__(
        self, parsed: ParsedPlan, *, filename: str, user, withdraw_missing: bool = False
    ) -> None:
        self.parsed = parsed
        self.filename = PurePath(filename).name[: Plan._meta.get_field("source_file").max_length]
        self.user = user if getattr(user, "is_authenticated", False) else None
        self.withdraw_missing = withdraw_missing
        self.now = timezone.now()
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.warnings: list[Issue] = []
        self.active_before: set[int] = set()  # sub-items of the plan active before the import
        self.changed: set[int] = set()  # of those, the ones the file changes
        self.left_out: set[int] = set()  # of those, the ones withdrawing would change
        self.missing_subitems: list[SubItem] = []  # active, not in the file
        self.missing_milestones: list[Milestone] = []  # active, of sub-items in the file
        self.missing_indicators: list[Indicator] = []
        self.updated_rows: list[dict] = []  # each row of the file that changes: old -> new
        self._updated_at: dict[tuple, dict] = {}  # (kind, row, sub-item) -> its updated_rows entry
        self._instances: dict[tuple, object] = {}  # (model, id) -> the instance of a Row

    def _update(self, kind: str, row, where: dict, obj, values: dict, shown=None) -> bool:
        """_assign, keeping what the row of the file changes, field by field, old -> new, for
        the preview. `shown` turns an id into a name (a unit, a category)."""
        for name, value in values.items():
            if getattr(obj, name) != value:
                break
        else:
            return False  # the usual re-import: nothing to compare field by field
        changes = [
            {
                "field": name.removesuffix("_id"),
                "old": _shown(shown, name, getattr(obj, name)),
                "new": _shown(shown, name, value),
            }
            for name, value in values.items()
            if getattr(obj, name) != value
        ]
        if changes:
            self._add_changes(kind, row, where, changes)
        return _assign(obj, values)

    def _add_changes(self, kind: str, row, where: dict, changes: list[dict]) -> None:
        """One entry per row and thing of the file: later changes are added to it."""
        key = (kind, row, where.get("subitem"))
        entry = self._updated_at.get(key)
        if entry is not None:
            entry["changes"].extend(changes)
            return
        entry = {"kind": kind, "row": row, **where, "changes": changes}
        self._updated_at[key] = entry
        self.updated_rows.append(entry)

    def changes(self) -> dict[str, dict[str, int]]:
        return {kind: {key: self.counts[kind][key] for key in CHANGE_KEYS} for kind in KINDS}

    def wrote(self) -> bool:
        """Whether the import changed anything in the database: a row created, updated or
        withdrawn, or a link (unit, person, leader) added or removed."""
        written = ("created", "updated", "withdrawn")
        return bool(self.changed) or any(c[w] for c in self.counts.values() for w in written)

    def _count(self, kind: str, what: str, n: int = 1) -> None:
        self.counts[kind][what] += n

    def impact(self) -> Impact:
        return Impact(
            existing=len(self.active_before),
            changed=len(self.changed & self.active_before),
            withdrawn=len(self.missing_subitems),
            changed_or_withdrawn=len((self.changed | self.left_out) & self.active_before),
            limit=settings.IMPORT_LARGE_CHANGE_SHARE,
        )

    def _instance(self, obj):
        """The model instance to change and save for a Row read for the comparison (one per
        row: a row met twice is changed and saved once); a model instance as it is."""
        if not isinstance(obj, Row):
            return obj
        key = (obj.model, obj.id)
        instance = self._instances.get(key)
        if instance is None:
            instance = self._instances[key] = obj.instance()
        return instance

    def _touch(self, subitem_ids) -> None:
        self.changed.update(subitem_ids)

    def _withdraw(self, obj) -> None:
        obj.withdrawn_at = self.now
        obj.withdrawn_by_id = self.user.pk if self.user else None

    @staticmethod
    def _restore(obj) -> bool:
        """Bring back a withdrawn row that the file holds again; True when it was withdrawn."""
        if obj.withdrawn_at is None:
            return False
        obj.withdrawn_at = None
        obj.withdrawn_by_id = None
        return True

    # ------------------------------------------------------------------------------------
    def write(self) -> None:
        p = self.parsed
        self.jurisdiction, created = Jurisdiction.objects.get_or_create(name=p.jurisdiction)
        self._load_units()
        self._load_leaders()
        plan, created = Plan.objects.get_or_create(
            jurisdiction=self.jurisdiction,
            year=p.year,
            title=p.title,
            defaults={
                "kind": p.kind,
                "source_file": self.filename,
                "reporting_cycle": Plan.Cycle.QUARTERLY if p.quarterly else Plan.Cycle.MONTHLY,
            },
        )
        if not created and (plan.kind, plan.source_file) != (p.kind, self.filename):
            plan.kind, plan.source_file = p.kind, self.filename
            plan.save(update_fields=["kind", "source_file", "updated_at"])
            self._count("plans", "updated")
        else:
            self._count("plans", "created" if created else "unchanged")
        self.plan = plan
        self._write_categories()
        self._write_projects()
        self._write_subitems()
        self._write_links()
        self._write_milestones()
        self._write_indicators()
        self._write_reports()
        self._write_values()

    # -- units, persons, leaders ----------------------------------------------------------
    def _load_units(self) -> None:
        self.units: dict[str, Unit] = {
            u.key: u for u in Unit.objects.filter(jurisdiction=self.jurisdiction)
        }
        self.aliases: dict[str, Unit] = {
            a.alias: a.unit
            for a in UnitAlias.objects.filter(jurisdiction=self.jurisdiction).select_related("unit")
        }
        self.alias_names = set(self.aliases)
        wanted = {u for s in self._subitems() for u in [s.lead_unit, *s.co_units, *s.persons] if u}
        new_units, new_aliases = [], []
        for name in sorted(wanted):
            if name in self.aliases:
                continue
            key = unit_key(name)
            unit = self.units.get(key)
            if unit is None:
                unit = Unit(jurisdiction=self.jurisdiction, name=name, key=key)
                self.units[key] = unit
                new_units.append(unit)
            if unit.name != name:
                new_aliases.append(UnitAlias(jurisdiction=self.jurisdiction, unit=unit, alias=name))
            self.aliases[name] = unit
        insert_objects(Unit, new_units, user=self.user, now=self.now)
        self._count("units", "created", len(new_units))
        self._count("units", "unchanged", len(wanted) - len(new_units))
        if new_aliases:
            UnitAlias.objects.bulk_create(new_aliases)
        # persons
        self.persons: dict[tuple[int, str], Person] = {
            (pp.unit_id, pp.name): pp
            for pp in Person.objects.filter(unit__jurisdiction=self.jurisdiction)
        }
        new_persons = []
        for s in self._subitems():
            for unit_name, person_name in s.persons.items():
                unit = self.aliases[unit_name]
                if (unit.pk, person_name) not in self.persons:
                    person = Person(unit=unit, name=person_name)
                    self.persons[(unit.pk, person_name)] = person
                    new_persons.append(person)
        insert_objects(Person, new_persons, user=self.user, now=self.now)
        self._count("persons", "created", len(new_persons))
        self.unit_ids = {name: unit.id for name, unit in self.aliases.items()}

    def _load_leaders(self) -> None:
        self.leaders = {le.name: le for le in Leader.objects.filter(jurisdiction=self.jurisdiction)}
        wanted = {n for s in self._subitems() for n in s.leaders} | {
            n for p in self.parsed.projects for n in p.leaders
        }
        new = [
            Leader(jurisdiction=self.jurisdiction, name=n)
            for n in sorted(wanted)
            if n not in self.leaders
        ]
        insert_objects(Leader, new, user=self.user, now=self.now)
        for le in new:
            self.leaders[le.name] = le
        self._count("leaders", "created", len(new))
        self._count("leaders", "unchanged", len(wanted) - len(new))

    def _subitems(self):
        for p in self.parsed.projects:
            yield from p.subitems

    def lead_id(self, parsed_subitem) -> int | None:
        name = parsed_subitem.lead_unit
        return self.unit_ids.get(name) if name else None

    # -- categories and projects -----------------------------------------------------------
    def _write_categories(self) -> None:
        existing = {c.name: c for c in self.plan.categories.all()}
        self.categories: dict[str, Category] = {}
        new, changed = [], []
        for order, name in enumerate(self.parsed.categories, start=1):
            cat = existing.get(name)
            if cat is None:
                cat = Category(plan=self.plan, name=name, order=order)
                new.append(cat)
            elif cat.order != order:
                cat.order = order
                changed.append(cat)
            self.categories[name] = cat
        insert_objects(Category, new, user=self.user, now=self.now)
        if changed:
            bulk_update_with_history(changed, Category, ["order"], default_user=self.user)
        self._count("categories", "created", len(new))
        self._count("categories", "updated", len(changed))
        self._count("categories", "unchanged", len(self.categories) - len(new) - len(changed))

    def _write_projects(self) -> None:
        """Projects match by 序号. Those the file leaves out keep their place in the list."""
        # plain values (Row), made model instances only when they change: see Row
        existing = {p.number: p for p in _rows(self.plan.projects.order_by("order", "pk"))}
        self.projects: dict[str, Project | Row] = {}
        self.renamed_projects: set[int] = set()
        placed = merged_order(
            list(existing),
            [pp.number if pp.number in existing else None for pp in self.parsed.projects],
        )
        orders = {(where, key): order for order, (where, key) in enumerate(placed, start=1)}
        new, changed = [], []
        names = {c.pk: c.name for c in self.categories.values()}
        for index, pp in enumerate(self.parsed.projects):
            values = {
                "name": pp.name,
                "description": pp.description,
                "category_id": self.categories[pp.category].pk if pp.category else None,
            }
            obj = existing.get(pp.number)
            order = orders["file", index]
            if obj is None:
                obj = Project(plan=self.plan, number=pp.number, order=order, **values)
                new.append(obj)
            elif (obj.name, obj.description, obj.category_id, obj.order) != (
                pp.name,
                pp.description,
                values["category_id"],
                order,
            ):
                obj = self._instance(obj)
                where = {"number": pp.number, "name": pp.name}
                if self._update("project", pp.row, where, obj, values, {"category_id": names}):
                    self.renamed_projects.add(obj.pk)
                if _assign(obj, {"order": order}) or obj.pk in self.renamed_projects:
                    changed.append(obj)
            self.projects[pp.number] = obj
        left_out = [p for number, p in existing.items() if number not in self.projects]
        for obj in left_out:
            if obj.order != orders["kept", obj.number]:
                obj = self._instance(obj)
                obj.order = orders["kept", obj.number]
                changed.append(obj)
        insert_objects(Project, new, user=self.user, now=self.now)
        if changed:
            bulk_update_with_history(
                changed,
                Project,
                ["name", "description", "category", "order"],
                default_user=self.user,
            )
        in_file_changed = len([p for p in changed if p.number in self.projects])
        self._count("projects", "created", len(new))
        self._count("projects", "updated", in_file_changed)
        self._count("projects", "unchanged", len(self.projects) - len(new) - in_file_changed)
        self._count("projects", "not_in_file", len(left_out))  # their sub-items are listed

    def _write_subitems(self) -> None:
        """Sub-items match inside their project (number, name and lead unit, from the surest
        to the loosest: see _subitem_stages); the file's order gives the numbers, and those it
        leaves out keep their place among them."""
        by_project: dict[int, list[Row]] = defaultdict(list)
        for s in _rows(
            SubItem.objects.filter(project__plan=self.plan).order_by("project_id", "number")
        ):
            by_project[s.project_id].append(s)
            if s.withdrawn_at is None:
                self.active_before.add(s.id)
        stages = _subitem_stages(self.lead_id)
        unit_names = {u.pk: u.name for u in self.units.values()}
        self.subitems: list[tuple[SubItem | Row, object]] = []
        new, changed, renumbered = [], [], []
        kept: list[SubItem] = []
        in_file_projects = set()
        for pp in self.parsed.projects:
            project = self.projects[pp.number]
            olds = by_project.get(project.pk, []) if project.pk else []
            in_file_projects.add(project.pk)
            matched = pair(olds, pp.subitems, stages)
            placed = merged_order(
                [o.pk for o in olds],
                [olds[matched[j]].pk if j in matched else None for j in range(len(pp.subitems))],
            )
            numbers = {key: n for n, key in enumerate(placed, start=1)}
            by_pk = {o.pk: o for o in olds}
            renamed = project.pk in self.renamed_projects
            for j, ps in enumerate(pp.subitems):
                values = {
                    "name": ps.name,
                    "description": ps.description,
                    "lead_unit_id": self.lead_id(ps),
                }
                number = numbers["file", j]
                if j not in matched:
                    obj = SubItem(project_id=project.pk, number=number, **values)
                    new.append(obj)
                elif (
                    (obj := olds[matched[j]]).withdrawn_at is None
                    and obj.number == number
                    and (obj.name, obj.description, obj.lead_unit_id)
                    == (ps.name, ps.description, values["lead_unit_id"])
                ):  # the usual re-import: the row as it is, nothing to save
                    if renamed:
                        self._touch([obj.id])
                else:
                    obj = self._instance(obj)
                    where = {"number": pp.number, "subitem": number, "name": ps.name}
                    edited = self._update(
                        "subitem", ps.row, where, obj, values, {"lead_unit_id": unit_names}
                    )
                    restored = self._restore(obj)
                    moved = obj.number != number
                    if moved:
                        renumbered.append((obj, number))
                    if edited or renamed:
                        self._touch([obj.pk])
                    if edited or restored or moved:
                        changed.append(obj)
                self.subitems.append((obj, ps))
            for (where, key), number in numbers.items():
                if where != "kept":
                    continue
                obj = by_pk[key]
                if obj.number != number:
                    obj = self._instance(obj)
                    renumbered.append((obj, number))
                    changed.append(obj)
                kept.append(obj)
        for project_id, olds in by_project.items():
            if project_id not in in_file_projects:
                kept.extend(olds)
        missing = [s for s in kept if s.withdrawn_at is None]
        if self.withdraw_missing:
            missing = [self._instance(obj) for obj in missing]
            listed = {id(obj) for obj in changed}
            for obj in missing:
                self._withdraw(obj)
            changed.extend(obj for obj in missing if id(obj) not in listed)
        self.missing_subitems = missing
        self.left_out.update(s.pk for s in missing)
        self._renumber(renumbered, by_project)
        if changed:  # before the new ones: the moved sub-items leave their parking numbers
            bulk_update_with_history(
                changed,
                SubItem,
                ["number", "name", "description", "lead_unit", "withdrawn_at", "withdrawn_by"],
                default_user=self.user,
            )
        insert_objects(SubItem, new, user=self.user, now=self.now)
        in_file = {obj.pk for obj, _ in self.subitems}
        updated = len([s for s in changed if s.pk in in_file])
        self._count_rows("subitems", len(self.subitems), new, updated, missing)

    @staticmethod
    def _renumber(moves: list[tuple[SubItem, int]], by_project: dict[int, list[SubItem]]) -> None:
        """Numbers are unique in a project: park the sub-items that move above every number
        the project has, then give them their numbers (saved with the other changes, before
        the new sub-items are inserted)."""
        if not moves:
            return
        top: dict[int, int] = {}
        for obj, number in moves:
            numbers = [s.number for s in by_project[obj.project_id]]
            top[obj.project_id] = max(top.get(obj.project_id, 0), number, *numbers)
        for obj, _number in moves:
            top[obj.project_id] += 1
            obj.number = top[obj.project_id]
        SubItem.objects.bulk_update([obj for obj, _ in moves], ["number"])
        for obj, number in moves:
            obj.number = number

    # -- many-to-many links: co-units, persons, leaders -------------------------------------
    def _diff_links(
        self,
        co_links: list[tuple[int, int, int]],
        leader_links: list[tuple[int, int, int]],
        unit_id: dict[str, int],
        leader_id: dict[str, int],
        changed: set[int],
    ) -> None:
        """For the preview: the co-operating units and the leaders of the sub-items that were
        there before and whose links `changed`, old -> new, from the links _write_links read
        (id, sub-item, unit or leader; the co-units in their order)."""
        before = [
            (s, ps) for s, ps in self.subitems if s.id in changed and s.id in self.active_before
        ]
        if not before:
            return
        old_co: dict[int, list[int]] = defaultdict(list)
        for _pk, sub_id, unit in co_links:
            old_co[sub_id].append(unit)
        old_leaders: dict[int, set[int]] = defaultdict(set)
        for _pk, sub_id, leader in leader_links:
            old_leaders[sub_id].add(leader)
        unit_names = {u.pk: u.name for u in self.units.values()}
        leader_names = {le.pk: le.name for le in self.leaders.values()}
        numbers = {p.pk: n for n, p in self.projects.items()}
        for sub, ps in before:
            sid = sub.id
            new_co = [unit_id[u] for u in ps.co_units if u and u in unit_id]
            new_leaders = {leader_id[n] for n in ps.leaders}
            changes = []
            if set(new_co) != set(old_co[sid]):
                changes.append(
                    {
                        "field": "co_units",
                        "old": "、".join(unit_names.get(i, "") for i in old_co[sid]),
                        "new": "、".join(unit_names[i] for i in new_co),
                    }
                )
            if new_leaders != old_leaders[sid]:
                changes.append(
                    {
                        "field": "leaders",
                        "old": "、".join(sorted(leader_names.get(i, "") for i in old_leaders[sid])),
                        "new": "、".join(sorted(leader_names[i] for i in new_leaders)),
                    }
                )
            if changes:
                where = {"number": numbers[sub.project_id], "subitem": sub.number, "name": ps.name}
                self._add_changes("subitem", ps.row, where, changes)

    def _write_links(self) -> None:
        # one query per link table for the whole plan, narrowed in memory to the rows in the
        # file (a long list of ids in the query would cost more than the rows it leaves out);
        # the co-units and the leaders read once, for the preview's diff and for the sync
        # ids read once: a model's .pk is a property, and these loops run 50,000 times
        subs = [(s.id, ps) for s, ps in self.subitems]
        sub_ids = {sid for sid, _ in subs}
        project_ids = {p.id for p in self.projects.values()}
        unit_id = self.unit_ids
        leader_id = {name: le.id for name, le in self.leaders.items()}
        person_id = {key: p.id for key, p in self.persons.items()}
        in_plan = {"subitem__project__plan": self.plan}
        co_links = _links(
            CoUnit.objects.filter(**in_plan).order_by("subitem_id", "order", "pk"),
            "subitem_id",
            "unit_id",
        )
        leader_through = SubItem.leaders.through
        leader_links = _links(
            leader_through.objects.filter(**in_plan).order_by(), "subitem_id", "leader_id"
        )
        co_changed = _sync_links(
            CoUnit,
            co_links,
            sub_ids,
            {
                (sid, unit_id[u], i)
                for sid, ps in subs
                for i, u in enumerate(ps.co_units)
                if u and u in unit_id
            },
            ("subitem_id", "unit_id", "order"),
        )
        through = SubItem.persons.through
        self._touch(
            _sync_links(
                through,
                _links(through.objects.filter(**in_plan).order_by(), "subitem_id", "person_id"),
                sub_ids,
                {
                    (sid, person_id[(unit_id[u], n)], 0)
                    for sid, ps in subs
                    for u, n in ps.persons.items()
                },
                ("subitem_id", "person_id"),
            )
        )
        leaders_changed = _sync_links(
            leader_through,
            leader_links,
            sub_ids,
            {(sid, leader_id[n], 0) for sid, ps in subs for n in ps.leaders},
            ("subitem_id", "leader_id"),
        )
        self._touch(co_changed)
        self._touch(leaders_changed)
        # a sub-item's co-units or leaders differ exactly when their links changed
        self._diff_links(co_links, leader_links, unit_id, leader_id, co_changed | leaders_changed)
        through = Project.leaders.through
        _sync_links(
            through,
            _links(
                through.objects.filter(project__plan=self.plan).order_by(),
                "project_id",
                "leader_id",
            ),
            project_ids,
            {
                (self.projects[pp.number].id, leader_id[n], 0)
                for pp in self.parsed.projects
                for n in pp.leaders
            },
            ("project_id", "leader_id"),
        )

    # -- milestones and indicators ------------------------------------------------------------
    def _write_milestones(self) -> None:
        """Milestones match by date and text, then by either, then the one left on each side;
        a matched one keeps its order (and its achieved marks), new ones go after it."""
        # plain tuples, led by (sub-item, due, text, withdrawn): a sub-item whose milestones
        # are those of the file, in their order and active, is passed over; the others'
        # become Rows to be matched
        in_plan = Milestone.objects.filter(subitem__project__plan=self.plan)
        names, stored = _values(
            in_plan.order_by("subitem_id", "due", "order", "pk"),
            ("subitem_id", "due", "text", "withdrawn_at"),
        )
        existing: dict[int, list[tuple]] = defaultdict(list)
        for values in stored:
            existing[values[0]].append(values)
        row = _row_class(Milestone)
        new, changed, missing = [], [], []
        numbers = {p.pk: n for n, p in self.projects.items()}
        for sub, ps in self.subitems:
            pms = ps.milestones
            held = existing.get(sub.id)
            if held is None:
                if not pms:
                    continue
                olds = []
            elif len(held) == len(pms) and all(
                h[1] == pm.due and h[2] == pm.text and h[3] is None
                for h, pm in zip(held, pms, strict=True)
            ):
                continue  # what pair and the loop below would find: nothing to do
            else:
                olds = [row(**dict(zip(names, values, strict=True))) for values in held]
            matched = pair(olds, pms, MILESTONE_STAGES)
            next_order = max((m.order for m in olds), default=0) + 1
            for j, pm in enumerate(ps.milestones):
                if j not in matched:
                    new.append((sub.pk, next_order, pm.due, pm.text))
                    next_order += 1
                    self._touch([sub.pk])
                    continue
                obj = olds[matched[j]]
                if obj.due == pm.due and obj.text == pm.text and obj.withdrawn_at is None:
                    continue  # unchanged (what _update and _restore would find)
                where = {"number": numbers[sub.project_id], "subitem": sub.number, "name": sub.name}
                edited = self._update(
                    "milestone", ps.row, where, obj, {"due": pm.due, "text": pm.text}
                )
                if edited:
                    self._touch([sub.pk])
                if self._restore(obj) or edited:
                    changed.append(obj)
            missing += self._unmatched(sub, olds, matched)
        self.missing_milestones = missing
        self._save_rows(Milestone, new, changed, missing, ["due", "text"])  # new: tuples of
        # MILESTONE_COLUMNS; 20,000 milestones as model instances would take a second
        total = sum(len(ps.milestones) for _, ps in self.subitems)
        self._count_rows("milestones", total, new, len(changed), missing)

    def _write_indicators(self) -> None:
        """Indicators match by name and measure (or, one left on each side, by measure); their
        targets follow the file, their reported values stay."""
        existing: dict[int, list[Row]] = defaultdict(list)
        for i in _rows(Indicator.objects.filter(subitem__project__plan=self.plan).order_by("pk")):
            existing[i.subitem_id].append(i)
        new, changed, missing = [], [], []
        keep: list[tuple[Indicator | Row, object]] = []
        for sub, ps in self.subitems:
            olds = existing.get(sub.id, [])
            if not olds and not ps.indicators:
                continue  # most sub-items: no indicator, in the file or stored
            matched = pair(olds, ps.indicators, INDICATOR_STAGES)
            for j, pi in enumerate(ps.indicators):
                if j not in matched:
                    obj = Indicator(subitem_id=sub.id, name=pi.name, unit=pi.unit)
                    new.append(obj)
                    self._touch([sub.pk])
                else:
                    obj = olds[matched[j]]
                    edited = _assign(obj, {"name": pi.name, "unit": pi.unit})
                    if edited:
                        self._touch([sub.pk])
                    if self._restore(obj) or edited:
                        changed.append(obj)
                keep.append((obj, pi))
            missing += self._unmatched(sub, olds, matched)
        self.missing_indicators = missing
        self._save_rows(Indicator, new, changed, missing, ["name", "unit"])

        # targets of the indicators in the file follow the file
        kept_ids = {obj.pk for obj, _ in keep}
        in_plan = IndicatorTarget.objects.filter(indicator__subitem__project__plan=self.plan)
        names, stored = _values(in_plan, ("indicator_id", "due", "value"))
        targets = {(t[0], t[1]): t for t in stored if t[0] in kept_ids}
        row = _row_class(IndicatorTarget)

        def target(values: tuple) -> Row:
            return row(**dict(zip(names, values, strict=True)))

        new_t, changed_t, wanted = [], [], set()
        for obj, pi in keep:
            pk = obj.pk
            for due, value in pi.targets.items():
                wanted.add((pk, due))
                t = targets.get((pk, due))
                if t is None:
                    new_t.append((pk, due, value))
                elif t[2] != value:
                    t = target(t)
                    t.value = value
                    changed_t.append(t)
        stale_t = [target(t) for key, t in targets.items() if key not in wanted]
        for t in stale_t:  # a due date the file no longer gives: kept in the target's history
            t = t.instance()
            t._history_user = self.user
            t.delete()
        insert_rows(IndicatorTarget, ("indicator_id", "due", "value"), new_t, now=self.now)
        if changed_t:
            bulk_update_with_history(
                [t.instance() for t in changed_t],
                IndicatorTarget,
                ["value"],
                default_user=self.user,
            )
        created = {o.pk for o in new}
        retargeted = {t.indicator_id for t in [*changed_t, *stale_t]} | {t[0] for t in new_t}
        retargeted -= created
        by_pk = {obj.pk: obj for obj, _ in keep}
        self._touch(by_pk[i].subitem_id for i in retargeted)
        updated = {o.pk for o in changed} | retargeted
        self._count_rows("indicators", len(keep), new, len(updated), missing)

    def _unmatched(self, sub: SubItem, olds: list, matched: dict[int, int]) -> list:
        """The active rows of a sub-item in the file that the file does not hold."""
        taken = set(matched.values())
        missing = [obj for i, obj in enumerate(olds) if i not in taken and obj.withdrawn_at is None]
        if missing:
            self.left_out.add(sub.pk)
        return missing

    def _save_rows(self, model, new: list, changed: list, missing: list, fields: list[str]):
        """Create the new milestones or indicators, save the changed ones and, when asked, the
        withdrawn ones, with history. Rows derived from the plan text are created without
        per-row history (the import itself is the record: ImportBatch keeps who, when and the
        file); later changes are tracked."""
        withdrawn = missing if self.withdraw_missing else []
        for obj in withdrawn:
            self._withdraw(obj)
        if model is Milestone:
            insert_rows(Milestone, MILESTONE_COLUMNS, new, now=self.now)
        else:
            insert_objects(model, new, history=False, now=self.now)
        if changed or withdrawn:
            bulk_update_with_history(
                [obj.instance() for obj in changed + withdrawn],
                model,
                [*fields, "withdrawn_at", "withdrawn_by"],
                default_user=self.user,
            )

    def _count_rows(self, kind: str, total: int, new: list, updated: int, missing: list) -> None:
        self._count(kind, "created", len(new))
        self._count(kind, "updated", updated)
        self._count(kind, "unchanged", total - len(new) - updated)
        self._count(kind, "not_in_file", len(missing))
        if self.withdraw_missing:
            self._count(kind, "withdrawn", len(missing))

    # -- reports ------------------------------------------------------------------------------
    def _write_reports(self) -> None:
        with_reports = [(s, ps) for s, ps in self.subitems if ps.report]
        if not with_reports:
            return
        periods = {ps.report.period for _, ps in with_reports}
        existing = {
            (r.subitem_id, r.period): r
            for r in ProgressReport.objects.filter(
                subitem__project__plan=self.plan, period__in=periods
            )
        }
        new, changed = [], []
        numbers = {p.pk: n for n, p in self.projects.items()}
        fields = ["status", "completion", "explanation", "problems", "next_steps"]
        for sub, ps in with_reports:
            pr = ps.report
            values = {f: (getattr(pr, f) or "") for f in fields}
            obj = existing.get((sub.pk, pr.period))
            if obj is None:
                new.append(
                    ProgressReport(
                        subitem_id=sub.id,
                        period=pr.period,
                        source=ProgressReport.Source.IMPORT,
                        state=ProgressReport.State.APPROVED,
                        **values,
                    )
                )
            elif obj.source != ProgressReport.Source.IMPORT:
                self._count("reports", "unchanged")
                self.warnings.append(
                    Issue(
                        ps.row,
                        None,
                        _("The report for %(period)s was entered by the unit and is kept as it is.")
                        % {"period": pr.period.strftime("%Y-%m")},
                    )
                )
            elif self._update(
                "report",
                ps.row,
                {"number": numbers[sub.project_id], "subitem": sub.number, "name": sub.name},
                obj,
                values,
            ):
                obj.version += 1
                changed.append(obj)
            else:
                self._count("reports", "unchanged")
        insert_objects(ProgressReport, new, user=self.user, now=self.now)
        if changed:
            bulk_update_with_history(
                changed, ProgressReport, [*fields, "version"], default_user=self.user
            )
        self._count("reports", "created", len(new))
        self._count("reports", "updated", len(changed))

    def _write_values(self) -> None:
        """The values a file reports for its indicators (a 完成比例 column), on the period's
        imported report; a report the unit entered keeps its own values. No query without
        such a column."""
        wanted = [
            (sub, ps, pi)
            for sub, ps in self.subitems
            if ps.report
            for pi in ps.indicators
            if pi.value is not None
        ]
        if not wanted:
            return
        sub_ids = {sub.pk for sub, _ps, _pi in wanted}
        reports = {
            (r.subitem_id, r.period): r
            for r in ProgressReport.objects.filter(
                subitem_id__in=sub_ids, period__in={ps.report.period for _s, ps, _i in wanted}
            )
        }
        indicators = {
            (i.subitem_id, i.name, i.unit): i
            for i in Indicator.objects.filter(subitem_id__in=sub_ids, withdrawn_at__isnull=True)
        }
        values = {
            (v.report_id, v.indicator_id): v
            for v in IndicatorValue.objects.filter(report__in=list(reports.values()))
        }
        new, changed = [], []
        for sub, ps, pi in wanted:
            report = reports.get((sub.pk, ps.report.period))
            indicator = indicators.get((sub.pk, pi.name, pi.unit))
            if report is None or indicator is None:
                continue
            if report.source != ProgressReport.Source.IMPORT:
                continue  # the unit's own report, values and all, is kept (a warning says so)
            value = values.get((report.pk, indicator.pk))
            if value is None:
                new.append(IndicatorValue(report=report, indicator=indicator, value=pi.value))
            elif value.value != pi.value:
                value.value = pi.value
                changed.append(value)
        insert_objects(IndicatorValue, new, user=self.user, now=self.now)
        if changed:
            bulk_update_with_history(changed, IndicatorValue, ["value"], default_user=self.user)
        # counted so that wrote() sees them (the statuses are refreshed); not one of KINDS
        self._count("values", "created", len(new))
        self._count("values", "updated", len(changed))

    # -- what the file leaves out ---------------------------------------------------------------
    def not_in_file(self) -> dict[str, list[dict]]:
        """The active sub-items, milestones and indicators of the plan that the file does not
        hold, with what hangs on them (reports, achieved marks, values): three queries."""
        subs = self.missing_subitems
        reports = _counts(ProgressReport.objects, "subitem_id", [s.pk for s in subs])
        marks = _counts(
            ProgressReport.milestones_achieved.through.objects,
            "milestone_id",
            [m.pk for m in self.missing_milestones],
        )
        values = _counts(
            IndicatorValue.objects, "indicator_id", [i.pk for i in self.missing_indicators]
        )
        projects = {p.pk: p for p in self.plan.projects.all()} if subs else {}
        units = {u.pk: u.name for u in self.units.values()}
        numbers = {p.pk: p.number for p in self.projects.values()}
        in_file = {s.pk: s for s, _ in self.subitems}

        def where(subitem_id: int) -> dict:
            sub = in_file[subitem_id]
            return {
                "project": numbers[sub.project_id],
                "subitem": sub.number,
                "subitem_name": sub.name,
            }

        return {
            "subitems": [
                {
                    "project": projects[s.project_id].number,
                    "project_name": projects[s.project_id].name,
                    "number": s.number,
                    "name": s.name,
                    "lead_unit": units.get(s.lead_unit_id),
                    "reports": reports.get(s.pk, 0),
                }
                for s in sorted(subs, key=lambda s: (projects[s.project_id].order, s.number))
            ],
            "milestones": [
                {
                    **where(m.subitem_id),
                    "due": m.due.isoformat(),
                    "text": m.text,
                    "achieved": marks.get(m.pk, 0),
                }
                for m in self.missing_milestones
            ],
            "indicators": [
                {
                    **where(i.subitem_id),
                    "name": i.name,
                    "unit": i.unit,
                    "values": values.get(i.pk, 0),
                }
                for i in self.missing_indicators
            ],
        }


class Row(SimpleNamespace):
    """A row read as plain values (`_rows`): building 20,000 model instances to compare them
    with the file costs more than the rest of a re-import. The few that change become model
    instances (`instance()`) to be saved with their history."""

    model: ClassVar[type]

    @property
    def pk(self):
        return self.id

    def instance(self):
        obj = self.model(**vars(self))
        obj._state.adding = False
        return obj


_ROW_CLASSES: dict[type, type[Row]] = {}


def _row_class(model) -> type[Row]:
    """The Row class of a model (one per model)."""
    row = _ROW_CLASSES.get(model)
    if row is None:
        row = _ROW_CLASSES[model] = type(f"{model.__name__}Row", (Row,), {"model": model})
    return row


def _rows(queryset) -> list[Row]:
    """Every concrete field of the queryset's rows, as Row objects."""
    names, rows = _values(queryset)
    row = _row_class(queryset.model)
    return [row(**dict(zip(names, values, strict=True))) for values in rows]


def _values(queryset, first: tuple[str, ...] = ()) -> tuple[list[str], list[tuple]]:
    """Every concrete field of the queryset's rows as plain tuples, the fields `first` at
    their head in that order (read by position), and the names of the tuples' fields."""
    fields = [f.attname for f in queryset.model._meta.concrete_fields]
    names = [*first, *(name for name in fields if name not in first)]
    return names, list(queryset.values_list(*names))


def _counts(manager, key: str, ids: list[int]) -> dict[int, int]:
    """How many rows point at each of `ids` through `key`; no query for no ids."""
    if not ids:
        return {}
    return dict(
        manager.filter(**{f"{key}__in": ids})
        .values_list(key)
        .annotate(n=Count("pk"))
        .values_list(key, "n")
        .order_by()
    )


def _shown(shown: dict | None, name: str, value):
    """A value as the preview shows it: a name for an id, dates as YYYY-MM-DD."""
    if shown and name in shown:
        return shown[name].get(value) if value is not None else None
    return value.isoformat() if hasattr(value, "isoformat") else value


def _assign(obj, values: dict) -> bool:
    """Set the fields that differ; True when something changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _links(queryset, left: str, right: str) -> list[tuple[int, int, int]]:
    """(id, left id, right id) of every row of a link table's queryset."""
    return list(queryset.values_list("pk", left, right))


def _sync_links(
    model,
    rows: list[tuple[int, int, int]],
    scope: set[int],
    wanted: set[tuple[int, int, int]],
    columns: tuple[str, ...],
) -> set[int]:
    """Make a link table hold exactly the wanted (left, right) pairs, given the (id, left,
    right) rows it holds (_links); `columns` name the left, right and (when the table has
    one) order columns. Returns the left ids whose links changed. Only the links of the
    `scope` left ids take part."""
    have = {(a, b): pk for pk, a, b in rows if a in scope}
    want_pairs = {(a, b): i for a, b, i in wanted}
    if have.keys() == want_pairs.keys():
        return set()  # the usual re-import: the links are those of the file
    stale = [(pair_, pk) for pair_, pk in have.items() if pair_ not in want_pairs]
    if stale:
        model.objects.filter(pk__in=[pk for _, pk in stale]).delete()
    new = [(a, b, i)[: len(columns)] for (a, b), i in want_pairs.items() if (a, b) not in have]
    insert_rows(model, columns, new)
    return {a for (a, _b), _pk in stale} | {a for (a, _b) in want_pairs if (a, _b) not in have}
