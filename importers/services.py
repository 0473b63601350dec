"""The import service: the only place where an imported list is written.

Parse (pure) -> validate -> write everything in one transaction, or nothing. Rows are matched
by plan, number and name, so importing the same file again changes nothing and an edited file
updates in place; reports entered through the web are never overwritten.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from importers.document import to_document
from importers.layouts import Options, build_plan, parse_period
from importers.readers import read_tables
from importers.types import ImportFileError, Issue, ParsedPlan
from progress.models import ProgressReport
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


@dataclass
class ImportOutcome:
    document: dict
    changes: dict[str, dict[str, int]] = field(default_factory=dict)
    applied: bool = False
    plan_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.document["errors"]


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back after counting its changes."""


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
        jurisdiction=(jurisdiction or "").strip() or None, year=year, period=period_date
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
    user=None,
) -> ImportOutcome:
    """Parse a file and write it, all or nothing. With dry_run, count what would change."""
    parsed = parse_file(
        data=data, filename=filename, jurisdiction=jurisdiction, year=year, period=period
    )
    document = to_document(parsed)
    outcome = ImportOutcome(document=document)
    if parsed.errors:
        return outcome
    try:
        with transaction.atomic():
            writer = _Writer(parsed, filename=filename, user=user)
            writer.write()
            if not dry_run:
                refresh_statuses(plan_ids=[writer.plan.pk])
            outcome.changes = writer.changes()
            outcome.plan_id = writer.plan.pk
            document["warnings"].extend(w.as_dict() for w in writer.warnings)
            if dry_run:
                raise _DryRun
    except _DryRun:
        outcome.plan_id = None
        return outcome
    outcome.applied = True
    return outcome


class _Writer:
    """Writes one parsed plan with a fixed number of queries per kind (bulk, not per row)."""

    def __init__(self, parsed: ParsedPlan, *, filename: str, user) -> None:
        self.parsed = parsed
        self.filename = filename
        self.user = user if getattr(user, "is_authenticated", False) else None
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.warnings: list[Issue] = []

    def changes(self) -> dict[str, dict[str, int]]:
        return {
            k: {
                "created": c["created"],
                "updated": c["updated"],
                "unchanged": c["unchanged"],
                "deleted": c["deleted"],
            }
            for k, c in ((k, self.counts[k]) for k in KINDS)
        }

    def _count(self, kind: str, what: str, n: int = 1) -> None:
        self.counts[kind][what] += n

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
        bulk_create_with_history(new_units, Unit, default_user=self.user)
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
        bulk_create_with_history(new_persons, Person, default_user=self.user)
        self._count("persons", "created", len(new_persons))

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
        bulk_create_with_history(new, Leader, default_user=self.user)
        for le in new:
            self.leaders[le.name] = le
        self._count("leaders", "created", len(new))
        self._count("leaders", "unchanged", len(wanted) - len(new))

    def _subitems(self):
        for p in self.parsed.projects:
            yield from p.subitems

    def unit(self, name: str | None) -> Unit | None:
        return self.aliases.get(name) if name else None

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
        bulk_create_with_history(new, Category, default_user=self.user)
        if changed:
            bulk_update_with_history(changed, Category, ["order"], default_user=self.user)
        self._count("categories", "created", len(new))
        self._count("categories", "updated", len(changed))
        self._count("categories", "unchanged", len(self.categories) - len(new) - len(changed))

    def _write_projects(self) -> None:
        existing = {p.number: p for p in self.plan.projects.all()}
        self.projects: dict[str, Project] = {}
        new, changed = [], []
        for order, pp in enumerate(self.parsed.projects, start=1):
            values = {
                "name": pp.name[:1000],
                "description": pp.description,
                "category_id": self.categories[pp.category].pk if pp.category else None,
                "order": order,
            }
            obj = existing.get(pp.number)
            if obj is None:
                obj = Project(plan=self.plan, number=pp.number, **values)
                new.append(obj)
            elif _assign(obj, values):
                changed.append(obj)
            self.projects[pp.number] = obj
        bulk_create_with_history(new, Project, default_user=self.user)
        if changed:
            bulk_update_with_history(
                changed,
                Project,
                ["name", "description", "category", "order"],
                default_user=self.user,
            )
        self._count("projects", "created", len(new))
        self._count("projects", "updated", len(changed))
        self._count("projects", "unchanged", len(self.projects) - len(new) - len(changed))

    def _write_subitems(self) -> None:
        existing = {
            (s.project_id, s.number): s for s in SubItem.objects.filter(project__plan=self.plan)
        }
        self.subitems: list[tuple[SubItem, object]] = []
        new, changed = [], []
        for pp in self.parsed.projects:
            project = self.projects[pp.number]
            for ps in pp.subitems:
                values = {
                    "name": ps.name[:1000],
                    "description": ps.description,
                    "lead_unit_id": lead.pk if (lead := self.unit(ps.lead_unit)) else None,
                }
                obj = existing.get((project.pk, ps.number))
                if obj is None:
                    obj = SubItem(project=project, number=ps.number, **values)
                    new.append(obj)
                elif _assign(obj, values):
                    changed.append(obj)
                self.subitems.append((obj, ps))
        bulk_create_with_history(new, SubItem, default_user=self.user)
        if changed:
            bulk_update_with_history(
                changed, SubItem, ["name", "description", "lead_unit"], default_user=self.user
            )
        self._count("subitems", "created", len(new))
        self._count("subitems", "updated", len(changed))
        self._count("subitems", "unchanged", len(self.subitems) - len(new) - len(changed))

    # -- many-to-many links: co-units, persons, leaders -------------------------------------
    def _write_links(self) -> None:
        sub_ids = [s.pk for s, _ in self.subitems]
        project_ids = [p.pk for p in self.projects.values()]
        _sync_links(
            CoUnit.objects.filter(subitem_id__in=sub_ids),
            "subitem_id",
            "unit_id",
            {
                (s.pk, self.unit(u).pk, i)
                for s, ps in self.subitems
                for i, u in enumerate(ps.co_units)
                if self.unit(u)
            },
            lambda a, b, i: CoUnit(subitem_id=a, unit_id=b, order=i),
        )
        through = SubItem.persons.through
        _sync_links(
            through.objects.filter(subitem_id__in=sub_ids),
            "subitem_id",
            "person_id",
            {
                (s.pk, self.persons[(self.unit(u).pk, n)].pk, 0)
                for s, ps in self.subitems
                for u, n in ps.persons.items()
            },
            lambda a, b, i: through(subitem_id=a, person_id=b),
        )
        through = SubItem.leaders.through
        _sync_links(
            through.objects.filter(subitem_id__in=sub_ids),
            "subitem_id",
            "leader_id",
            {(s.pk, self.leaders[n].pk, 0) for s, ps in self.subitems for n in ps.leaders},
            lambda a, b, i: through(subitem_id=a, leader_id=b),
        )
        through = Project.leaders.through
        _sync_links(
            through.objects.filter(project_id__in=project_ids),
            "project_id",
            "leader_id",
            {
                (self.projects[pp.number].pk, self.leaders[n].pk, 0)
                for pp in self.parsed.projects
                for n in pp.leaders
            },
            lambda a, b, i: through(project_id=a, leader_id=b),
        )

    # -- milestones and indicators ------------------------------------------------------------
    def _write_milestones(self) -> None:
        existing = {
            (m.subitem_id, m.order): m
            for m in Milestone.objects.filter(subitem__project__plan=self.plan)
        }
        wanted: set[tuple[int, int]] = set()
        new, changed = [], []
        for sub, ps in self.subitems:
            for order, pm in enumerate(ps.milestones, start=1):
                wanted.add((sub.pk, order))
                obj = existing.get((sub.pk, order))
                if obj is None:
                    new.append(Milestone(subitem=sub, order=order, due=pm.due, text=pm.text))
                elif _assign(obj, {"due": pm.due, "text": pm.text}):
                    changed.append(obj)
        stale = [m.pk for key, m in existing.items() if key not in wanted]
        if stale:
            Milestone.objects.filter(pk__in=stale).delete()
        # Rows derived from the plan text are created without per-row history (the import itself
        # is the record: ImportBatch keeps who, when and the file); later changes are tracked.
        Milestone.objects.bulk_create(new)
        if changed:
            bulk_update_with_history(changed, Milestone, ["due", "text"], default_user=self.user)
        total = sum(len(ps.milestones) for _, ps in self.subitems)
        self._count("milestones", "created", len(new))
        self._count("milestones", "updated", len(changed))
        self._count("milestones", "deleted", len(stale))
        self._count("milestones", "unchanged", total - len(new) - len(changed))

    def _write_indicators(self) -> None:
        existing = {
            (i.subitem_id, i.name, i.unit): i
            for i in Indicator.objects.filter(subitem__project__plan=self.plan)
        }
        new, keep = [], {}
        for sub, ps in self.subitems:
            for pi in ps.indicators:
                key = (sub.pk, pi.name, pi.unit)
                obj = existing.get(key)
                if obj is None:
                    obj = Indicator(subitem=sub, name=pi.name, unit=pi.unit)
                    new.append(obj)
                keep[key] = (obj, pi)
        Indicator.objects.bulk_create(new)
        stale = [i.pk for key, i in existing.items() if key not in keep]
        if stale:
            Indicator.objects.filter(pk__in=stale).delete()
        self._count("indicators", "created", len(new))
        self._count("indicators", "deleted", len(stale))
        self._count("indicators", "unchanged", len(keep) - len(new))

        targets = {
            (t.indicator_id, t.due): t
            for t in IndicatorTarget.objects.filter(indicator__subitem__project__plan=self.plan)
        }
        new_t, changed_t, wanted = [], [], set()
        for obj, pi in keep.values():
            for due, value in pi.targets.items():
                wanted.add((obj.pk, due))
                t = targets.get((obj.pk, due))
                if t is None:
                    new_t.append(IndicatorTarget(indicator=obj, due=due, value=value))
                elif t.value != value:
                    t.value = value
                    changed_t.append(t)
        stale_t = [t.pk for key, t in targets.items() if key not in wanted and key[0] not in stale]
        if stale_t:
            IndicatorTarget.objects.filter(pk__in=stale_t).delete()
        IndicatorTarget.objects.bulk_create(new_t)
        if changed_t:
            bulk_update_with_history(changed_t, IndicatorTarget, ["value"], default_user=self.user)
        if changed_t or stale_t:
            self._count("indicators", "updated", len({t.indicator_id for t in changed_t}))

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
        fields = ["status", "completion", "explanation", "problems", "next_steps"]
        for sub, ps in with_reports:
            pr = ps.report
            values = {f: (getattr(pr, f) or "") for f in fields}
            obj = existing.get((sub.pk, pr.period))
            if obj is None:
                new.append(
                    ProgressReport(
                        subitem=sub,
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
            elif _assign(obj, values):
                obj.version += 1
                changed.append(obj)
            else:
                self._count("reports", "unchanged")
        bulk_create_with_history(new, ProgressReport, default_user=self.user)
        if changed:
            bulk_update_with_history(
                changed, ProgressReport, [*fields, "version"], default_user=self.user
            )
        self._count("reports", "created", len(new))
        self._count("reports", "updated", len(changed))


def _assign(obj, values: dict) -> bool:
    """Set the fields that differ; True when something changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _sync_links(queryset, left: str, right: str, wanted: set[tuple[int, int, int]], make) -> None:
    """Make a link table hold exactly the wanted (left, right) pairs."""
    have = {(getattr(x, left), getattr(x, right)): x.pk for x in queryset}
    want_pairs = {(a, b): i for a, b, i in wanted}
    stale = [pk for pair, pk in have.items() if pair not in want_pairs]
    if stale:
        queryset.model.objects.filter(pk__in=stale).delete()
    new = [make(a, b, i) for (a, b), i in want_pairs.items() if (a, b) not in have]
    if new:
        queryset.model.objects.bulk_create(new)
