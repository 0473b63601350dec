"""Plain data that flows from the readers to the import service. No ORM here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple


class ImportFileError(Exception):
    """The file cannot be read as a table at all (empty, corrupt, too big, not a table).

    The message is translated and meant for the user.
    """


class Cell(NamedTuple):
    """One grid position. `origin` is the (row, col) of the top-left of its merged range, so two
    positions of one merged cell share an origin even when neighbouring cells hold equal text.

    A named tuple, not a frozen dataclass: a sheet makes tens of thousands of cells, and a
    frozen dataclass's __init__ costs several times a tuple's (issue 11)."""

    text: str
    origin: tuple[int, int]


@dataclass
class Table:
    rows: list[list[Cell]]
    title_lines: list[str] = field(default_factory=list)  # prose seen before the table
    source: str = ""  # "Sheet1", "table 2", ...
    row_numbers: list[int] = field(default_factory=list)  # 1-based row in the file, per row
    row_pages: list[int] = field(default_factory=list)  # PDF: the page each row is printed on

    def row_number(self, index: int) -> int:
        return self.row_numbers[index] if index < len(self.row_numbers) else index + 1


@dataclass(frozen=True)
class Limits:
    """The longest text each field of a plan takes (the models' max_length, read by the import
    service), checked while the rows are read: a value that does not fit is an error on its
    row and column, never a database error."""

    jurisdiction: int
    title: int
    category: int
    project_number: int
    project_name: int
    subitem_name: int
    unit: int
    person: int
    leader: int
    subitems_per_project: int


@dataclass
class Issue:
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ParsedMilestone:
    due: date
    text: str


@dataclass
class ParsedIndicator:
    name: str
    unit: str
    targets: dict[date, Decimal] = field(default_factory=dict)
    value: Decimal | None = None  # the value the file reports for its period (完成比例)


@dataclass
class ParsedReport:
    period: date
    status: str | None
    completion: str = ""
    explanation: str = ""
    problems: str = ""
    next_steps: str = ""
    percent: Decimal | None = None  # 完成比例 / 完成进度: 85 for "85%" or 0.85


@dataclass
class ParsedSubItem:
    number: int
    name: str
    description: str = ""
    lead_unit: str | None = None
    co_units: list[str] = field(default_factory=list)
    persons: dict[str, str] = field(default_factory=dict)
    leaders: list[str] = field(default_factory=list)
    milestones: list[ParsedMilestone] = field(default_factory=list)
    indicators: list[ParsedIndicator] = field(default_factory=list)
    report: ParsedReport | None = None
    row: int | None = None


@dataclass
class ParsedProject:
    number: str
    name: str
    category: str | None = None
    description: str = ""
    leaders: list[str] = field(default_factory=list)
    subitems: list[ParsedSubItem] = field(default_factory=list)
    row: int | None = None


@dataclass
class ParsedPlan:
    title: str
    jurisdiction: str | None
    year: int | None
    period: date | None
    kind: str
    quarterly: bool = False  # a quarterly table (一季度…台账): the plan reports each quarter
    categories: list[str] = field(default_factory=list)
    projects: list[ParsedProject] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    row_pages: dict[int, int] = field(default_factory=dict)  # PDF: row number -> page
    skipped: list[Issue] = field(default_factory=list)  # rows that are not data, and why
    unread_columns: list[str] = field(default_factory=list)  # header labels no role reads
    # where jurisdiction, year and period came from: option, title, doc_number, date, ...
    sources: dict[str, str] = field(default_factory=dict)
