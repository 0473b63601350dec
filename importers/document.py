"""The JSON document of an import (docs/sources.md), built from a parsed plan. Pure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from importers.types import ParsedPlan
from projects.naming import unit_key


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral() else float(value)


def summary(plan: ParsedPlan) -> dict[str, int]:
    subitems = [s for p in plan.projects for s in p.subitems]
    units = {unit_key(u) for s in subitems for u in [s.lead_unit, *s.co_units] if u}
    leaders = {name for s in subitems for name in s.leaders} | {
        n for p in plan.projects for n in p.leaders
    }
    return {
        "categories": len(plan.categories),
        "projects": len(plan.projects),
        "subitems": len(subitems),
        "milestones": sum(len(s.milestones) for s in subitems),
        "indicators": sum(len(s.indicators) for s in subitems),
        "reports": sum(1 for s in subitems if s.report),
        "units": len(units),
        "leaders": len(leaders),
    }


def _page(plan: ParsedPlan, row: int | None) -> dict[str, int]:
    """{"page": n} for a row of a PDF (the page it is printed on); nothing for other files."""
    page = plan.row_pages.get(row) if row is not None else None
    return {"page": page} if page is not None else {}


def to_document(plan: ParsedPlan) -> dict:
    # a plan has a dozen due dates for its 20,000 milestones: each written once
    iso: dict[date, str] = {}

    def day(value: date) -> str:
        text = iso.get(value)
        if text is None:
            text = iso[value] = value.isoformat()
        return text

    def page(row: int | None) -> dict[str, int]:
        return _page(plan, row) if plan.row_pages else {}

    return {
        "title": plan.title,
        "jurisdiction": plan.jurisdiction,
        "year": plan.year,
        "period": plan.period.strftime("%Y-%m") if plan.period else None,
        "kind": plan.kind,
        "summary": summary(plan),
        "projects": [
            {
                "number": p.number,
                "category": p.category,
                "name": p.name,
                "description": p.description,
                "leaders": p.leaders,
                **page(p.row),
                "subitems": [
                    {
                        "number": s.number,
                        "name": s.name,
                        "lead_unit": s.lead_unit,
                        "co_units": s.co_units,
                        "persons": s.persons,
                        **page(s.row),
                        "milestones": [{"due": day(m.due), "text": m.text} for m in s.milestones],
                        "indicators": [
                            {
                                "name": i.name,
                                "unit": i.unit,
                                "targets": [
                                    {"due": day(d), "value": _number(v)}
                                    for d, v in i.targets.items()
                                ],
                                **({} if i.value is None else {"value": _number(i.value)}),
                            }
                            for i in s.indicators
                        ],
                        "report": None
                        if s.report is None
                        else {
                            "period": s.report.period.strftime("%Y-%m"),
                            "status": s.report.status,
                            "completion": s.report.completion,
                            "explanation": s.report.explanation,
                            "problems": s.report.problems,
                            "next_steps": s.report.next_steps,
                            "percent": None
                            if s.report.percent is None
                            else _number(s.report.percent),
                        },
                    }
                    for s in p.subitems
                ],
            }
            for p in plan.projects
        ],
        "sources": plan.sources,
        "skipped": [{**x.as_dict(), **_page(plan, x.row)} for x in plan.skipped],
        "unread_columns": plan.unread_columns,
        "errors": [{**e.as_dict(), **_page(plan, e.row)} for e in plan.errors],
        "warnings": [{**w.as_dict(), **_page(plan, w.row)} for w in plan.warnings],
    }
