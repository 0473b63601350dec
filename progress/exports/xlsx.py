"""Exports in the office's own layouts, written with openpyxl in write-only mode.

- the monthly progress table (seed 002): 序号 / 重点工作 / 主要内容 / 区领导 / 牵头单位 / 配合单位 /
  四季度计划目标 / 10月完成情况 / 进度状态 / 情况说明, with the 填报说明 under it;
- the quarterly ledger (seed 003): 序号 / 目标任务 / 项目内容 / 责任单位 / 进展情况 / 存在问题 / 下步打算;
- the yearly plan list (seed 000): 大项 / 序号 / 子项名称 / 任务明细 / 实施单位（首位牵头） / 责任人 /
  第一季度…第四季度 / 分管区领导, which the importer reads back into the same plan.

No ORM here. The builders take plain rows (the dataclasses below), which
progress.exports.selectors yields one by one, and write them as they come: a write-only
worksheet streams its rows to a temporary file and openpyxl 3.1 writes strings inline, so
memory does not grow with the table. Cells merged over a project's rows (序号, 重点工作) are
recorded as the rows go by and written after the sheet data, where the file format wants them.

Everything is written as text. A value that begins with = + - @ (or a tab or carriage return)
is data, never a formula: every cell is a string cell (data_type "s"), and those cells also get
Excel's quote prefix, so that editing one in Excel keeps it text.

The headers, titles and 填报说明 are the office's layout, in Chinese, whatever the UI language:
they are data of the table, not interface text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.properties import PageSetupProperties

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

STATUS_LABELS = {
    "not_started": "未启动",
    "on_track": "正常",
    "ahead": "超前",
    "lagging": "滞后",
    "completed": "办结",
}
MISSING = "未报送"
NOT_AGAIN = "/"  # 上月办结项目无需再上报完成情况并标注“/” (seed 002)
NO_PLAN = "/"
NO_UNIT = "/"
NO_PROBLEM = "无"
NO_SCHEDULE = "——"

# Under the monthly table, as seed 002 has them.
MONTHLY_NOTES = (
    "填报说明:1.本月完成情况:简要说明本月工作完成情况,主要体现重要节点、重点工作情况,字数控制在100字左右;",
    "2.进度状态:分为正常、超前、滞后、办结,根据本月完成情况对照本月工作目标填报,上月办结项目无需再上报完成情况并标注“/”",
    "3.情况说明:进度状态为滞后、超前的项目填报,超前项目简要说明超前情况,滞后项目简要说明滞后原因和下步计划,其他项目无需填报。",
)

QUARTER_NAMES = ("一", "二", "三", "四")
MAX_CELL_CHARS = 32767  # Excel's limit for one cell
RISKY_START = ("=", "+", "-", "@", "\t", "\r")


# --- rows: what the selectors give the builders ----------------------------------------------


@dataclass(frozen=True)
class Report:
    """The parts of an approved (or imported) report that a published table may show."""

    status: str = ""
    completion: str = ""
    explanation: str = ""
    problems: str = ""
    next_steps: str = ""


@dataclass(frozen=True)
class MonthlyRow:
    project_id: int
    number: str
    project: str
    name: str
    leaders: Sequence[str]
    lead_unit: str
    co_units: Sequence[str]
    target: str  # the plan texts due in the period's quarter, one per line; "" when none
    report: Report | None  # the approved report of the period
    done_before: bool = False  # completed (approved) in an earlier period: not reported again


@dataclass(frozen=True)
class LedgerRow:
    project_id: int
    number: str
    project: str
    name: str
    units: Sequence[str]  # the lead unit first
    report: Report | None
    done_before: bool = False


@dataclass(frozen=True)
class PlanRow:
    category_id: int | None
    category: str  # "一、增加教育资源配置" as the list writes it; "" without a category
    project_id: int
    number: str
    project: str
    details: str  # 任务明细: the project's description, or "(n) …" for one of several sub-items
    units: Sequence[str]  # the lead unit first (首位牵头)
    persons: Sequence[str]  # in the order of the units
    quarters: Sequence[str]  # four texts, 第一季度…第四季度; "" when nothing is due
    leaders: Sequence[str]


@dataclass(frozen=True)
class Column:
    key: str
    top: str  # the first header row; columns with equal `top` side by side share one cell
    bottom: str | None  # the second header row; None: `top` spans both rows
    width: float


@dataclass
class Layout:
    """Where a sheet's parts go: an optional line above the title, the title, the header."""

    columns: list[Column]
    title: str
    above: str = ""  # 附件 / 发布时间:… ; empty: no line above the title
    notes: Sequence[str] = field(default_factory=tuple)
    merged: tuple[str, ...] = ()  # columns merged over the rows of one project
    category_merged: tuple[str, ...] = ()  # columns merged over the rows of one category

    @property
    def two_rows(self) -> bool:
        return any(c.bottom for c in self.columns)


# --- text helpers ------------------------------------------------------------------------------


def text(value: object) -> str:
    """A cell's text: no characters that XML cannot hold, no more than a cell can."""
    if value is None:
        return ""
    s = str(value)
    if ILLEGAL_CHARACTERS_RE.search(s):
        s = ILLEGAL_CHARACTERS_RE.sub("", s)
    return s[:MAX_CELL_CHARS]


def join(names: Iterable[str], sep: str = "、") -> str:
    return sep.join(n for n in names if n)


def quarter_of(period: date) -> int:
    return (period.month - 1) // 3 + 1


def quarter_label(period: date) -> str:
    return f"{QUARTER_NAMES[quarter_of(period) - 1]}季度"


_DOC_WORDS = re.compile(
    r"(工作进展情况台账|进展情况台账|进度和责任清单|进度及责任清单|责任清单|任务清单|"
    r"进度表|一览表|台账|清单)$"
)


def _title_head(*, jurisdiction: str, plan_title: str, year: int) -> str:
    """'2024年区政府民生实事项目进度表' of 北仑区 -> '北仑区政府民生实事项目': the plan's name with the
    jurisdiction in front, without the year and without the kind of document."""
    core = re.sub(r"\s+", "", plan_title)
    core = core.replace(jurisdiction, "")
    core = re.sub(rf"^{year}年(度)?|{year}年(度)?", "", core, count=1)
    core = _DOC_WORDS.sub("", core).strip()
    level = jurisdiction[-1:] if jurisdiction else ""
    if level and core.startswith(level):  # 区政府… of 北仑区 reads 北仑区政府…
        core = core[1:]
    return f"{jurisdiction}{core}"


def monthly_title(*, jurisdiction: str, plan_title: str, year: int, period: date) -> str:
    """'2024年北仑区政府民生实事项目10月进度表', after seed 002's '2024年区政府民生实事项目10月进度表'."""
    head = _title_head(jurisdiction=jurisdiction, plan_title=plan_title, year=year)
    return f"{year}年{head}{period.month}月进度表"


def ledger_title(
    *, jurisdiction: str, plan_title: str, year: int, period: date, quarterly: bool
) -> str:
    """'2024年山亭区民生实事一季度工作进展情况台账', after seed 003's title. A monthly plan's ledger
    names the month unless the period ends a quarter."""
    head = _title_head(jurisdiction=jurisdiction, plan_title=plan_title, year=year)
    when = quarter_label(period) if quarterly or period.month % 3 == 0 else f"{period.month}月"
    return f"{year}年{head}{when}工作进展情况台账"


# --- cells of each layout: shared by the .xlsx, the .docx and the public HTML ------------------


def monthly_columns(period: date, *, show_persons: bool = True) -> list[Column]:
    columns = [
        Column("number", "序号", None, 5),
        Column("project", "目标任务", "重点工作", 11),
        Column("name", "目标任务", "主要内容", 28),
        Column("leaders", "区领导", None, 8),
        Column("lead_unit", "牵头单位", None, 11),
        Column("co_units", "配合单位", None, 18),
        Column("target", f"{quarter_label(period)}计划目标", None, 34),
        Column("completion", "工作进度", f"{period.month}月完成情况", 38),
        Column("status", "工作进度", "进度状态", 8),
        Column("explanation", "工作进度", "情况说明", 24),
    ]
    return [c for c in columns if show_persons or c.key != "leaders"]


def monthly_values(row: MonthlyRow) -> dict[str, str]:
    report = row.report
    if report is not None:
        status = STATUS_LABELS.get(report.status, "")
        completion, explanation = report.completion, report.explanation
    elif row.done_before:
        status, completion, explanation = STATUS_LABELS["completed"], NOT_AGAIN, ""
    else:
        status, completion, explanation = MISSING, "", ""
    return {
        "number": row.number,
        "project": row.project,
        "name": row.name,
        "leaders": join(row.leaders),
        "lead_unit": row.lead_unit,
        "co_units": join(row.co_units) or NO_UNIT,
        "target": row.target or NO_PLAN,
        "completion": completion,
        "status": status,
        "explanation": explanation,
    }


LEDGER_COLUMNS = [
    Column("number", "序号", None, 5),
    Column("project", "目标任务", None, 14),
    Column("name", "项目内容", None, 26),
    Column("units", "责任单位", None, 12),
    Column("completion", "进展情况", None, 48),
    Column("problems", "存在问题", None, 24),
    Column("next_steps", "下步打算", None, 32),
]


def ledger_values(row: LedgerRow) -> dict[str, str]:
    report = row.report
    if report is not None:
        completion = report.completion
        problems, next_steps = report.problems or NO_PROBLEM, report.next_steps
    elif row.done_before:
        completion, problems, next_steps = NOT_AGAIN, NOT_AGAIN, NOT_AGAIN
    else:
        completion, problems, next_steps = MISSING, "", ""
    return {
        "number": row.number,
        "project": row.project,
        "name": row.name,
        "units": join(row.units, "\n"),
        "completion": completion,
        "problems": problems,
        "next_steps": next_steps,
    }


PLAN_COLUMNS = [
    Column("category", "大项", None, 10),
    Column("number", "序号", None, 5),
    Column("project", "子项名称", None, 14),
    Column("details", "任务明细", None, 36),
    Column("units", "实施单位（首位牵头）", None, 14),
    Column("persons", "责任人", None, 10),
    Column("q1", "时间节点计划任务安排", "第一季度", 20),
    Column("q2", "时间节点计划任务安排", "第二季度", 20),
    Column("q3", "时间节点计划任务安排", "第三季度", 20),
    Column("q4", "时间节点计划任务安排", "第四季度", 20),
    Column("leaders", "分管区领导", None, 9),
]


def plan_values(row: PlanRow) -> dict[str, str]:
    values = {
        "category": row.category,
        "number": row.number,
        "project": row.project,
        "details": row.details,
        # 、 between names: the importer never glues two names that a list separator parts
        "units": join(row.units),
        "persons": join(row.persons),
        "leaders": join(row.leaders),
    }
    for i, q in enumerate(row.quarters, start=1):
        values[f"q{i}"] = q or NO_SCHEDULE
    return values


# --- the sheet writer -------------------------------------------------------------------------


class _Styles:
    """The few cell styles of a table, made once; each cell gets a copy of a template cell's
    style (cheap: an array of ids), not six style objects looked up again."""

    def __init__(self, ws) -> None:
        thin = Side(style="thin")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        font = Font(name="宋体", size=10)

        def make(**kw) -> WriteOnlyCell:
            cell = WriteOnlyCell(ws)
            for k, v in kw.items():
                setattr(cell, k, v)
            return cell

        self.title = make(
            font=Font(name="宋体", size=16, bold=True),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        self.above = make(font=font, alignment=Alignment(vertical="center"))
        self.header = make(
            font=Font(name="宋体", size=10, bold=True),
            border=border,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        self.center = make(
            font=font,
            border=border,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        self.left = make(
            font=font,
            border=border,
            alignment=Alignment(horizontal="left", vertical="center", wrap_text=True),
        )
        self.note = make(
            font=font, alignment=Alignment(horizontal="left", vertical="center", wrap_text=True)
        )


CENTERED = {"number", "project", "leaders", "lead_unit", "status", "units", "category", "persons"}
LINE_HEIGHT = 13.5  # points per line of 10-point 宋体


def _width_units(s: str) -> int:
    """Column-width units a line needs: a Chinese character is about two. Counted from the
    UTF-8 length (three bytes for a Chinese character, one for ASCII), which C does for us:
    a loop over the characters is a good part of the time of a 20,000-row table."""
    return (len(s.encode("utf-8")) + len(s)) // 2


def _lines(value: str, width: float) -> int:
    if not value:
        return 1
    per_line = max(1.0, width - 1)
    return sum(max(1, math.ceil(_width_units(line) / per_line)) for line in value.split("\n"))


class SheetWriter:
    """Appends rows to a write-only sheet: text cells only, styles copied from templates, the
    cells of a project (or category) merged down, row heights from the length of the text."""

    def __init__(self, wb: Workbook, layout: Layout, *, title: str = "Sheet1") -> None:
        self.ws = ws = wb.create_sheet(title=title)
        self.layout = layout
        self.columns = layout.columns
        self.width = len(self.columns)
        self.styles = _Styles(ws)
        self.row = 0  # the last row written
        self.data_rows = 0
        self._runs: dict[str, tuple[object, int]] = {}  # column key -> (group, first row)
        self._setup()

    # everything that write-only mode writes before the first row must be set here
    def _setup(self) -> None:
        ws = self.ws
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        for i, col in enumerate(self.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = col.width
        header_rows = 2 if self.layout.two_rows else 1
        first_header = 3 if self.layout.above else 2
        last_header = first_header + header_rows - 1
        ws.freeze_panes = f"A{last_header + 1}"
        ws.print_title_rows = f"{first_header}:{last_header}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as it takes
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.5
        ws.print_options.horizontalCentered = True

    def cell(self, value: object, style: WriteOnlyCell | None) -> WriteOnlyCell:
        s = text(value)
        cell = WriteOnlyCell(self.ws, value=s if s else None)
        if s:
            cell.data_type = "s"  # never a formula, whatever the text begins with
        if style is not None:
            cell._style = StyleArray(style._style)  # a copy of the template's style ids
        if s.startswith(RISKY_START):
            cell.quotePrefix = True
        return cell

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        # add to the set directly: MultiCellRange.add tests every range already there (O(n²))
        self.ws.merged_cells.ranges.add(
            CellRange(min_col=first_col, min_row=first_row, max_col=last_col, max_row=last_row)
        )

    def _append(self, cells: list, height: float | None = None) -> None:
        self.row += 1
        dims = self.ws.row_dimensions
        if height:
            dims[self.row].height = height
        self.ws.append(cells)  # written to the sheet's file now, with its height
        dims.pop(self.row, None)  # so that nothing is kept per row

    # -- parts of the sheet ------------------------------------------------------------------
    def head(self) -> None:
        layout = self.layout
        if layout.above:
            self._append([self.cell(layout.above, self.styles.above)], 20)
        self._append(
            [self.cell(layout.title, self.styles.title)]
            + [self.cell(None, self.styles.title) for _ in range(self.width - 1)],
            36,
        )
        self.merge(self.row, 1, self.row, self.width)
        top = self.row + 1
        if layout.two_rows:
            self._append(
                [self.cell(c.top if self._starts_top(i) else None, self.styles.header)
                 for i, c in enumerate(self.columns)],
                24,
            )  # fmt: skip
            self._append(
                [self.cell(c.bottom, self.styles.header) for c in self.columns],
                30,
            )
            i = 0
            while i < self.width:
                col = self.columns[i]
                if col.bottom is None:
                    self.merge(top, i + 1, top + 1, i + 1)
                    i += 1
                    continue
                j = i
                while j + 1 < self.width and self.columns[j + 1].top == col.top:
                    j += 1
                if j > i:
                    self.merge(top, i + 1, top, j + 1)
                i = j + 1
        else:
            self._append([self.cell(c.top, self.styles.header) for c in self.columns], 24)

    def _starts_top(self, i: int) -> bool:
        return i == 0 or self.columns[i - 1].top != self.columns[i].top

    def data(self, values: dict[str, str], *, project: object, category: object = None) -> None:
        """One data row; `project` and `category` say which rows belong together (merged)."""
        row = self.row + 1
        cells = []
        lines = 1
        for i, col in enumerate(self.columns, start=1):
            group = None
            if col.key in self.layout.merged:
                group = project
            elif col.key in self.layout.category_merged:
                group = category if category is not None else ("project", project)
            value = values.get(col.key, "")
            if group is not None:
                run = self._runs.get(col.key)
                if run is not None and run[0] == group:
                    value = None  # inside a merged range only the top cell holds the value
                else:
                    self._close_run(col.key, i, row - 1)
                    self._runs[col.key] = (group, row)
            else:
                lines = max(lines, _lines(text(value), col.width))
            style = self.styles.center if col.key in CENTERED else self.styles.left
            cells.append(self.cell(value, style))
        self._append(cells, min(409.0, max(1, lines) * LINE_HEIGHT + 6))
        self.data_rows += 1

    def _close_run(self, key: str, col: int, last_row: int) -> None:
        run = self._runs.pop(key, None)
        if run is not None and last_row > run[1]:
            self.merge(run[1], col, last_row, col)

    def tail(self) -> None:
        for i, col in enumerate(self.columns, start=1):
            self._close_run(col.key, i, self.row)
        for note in self.layout.notes:
            self._append(
                [self.cell(note, self.styles.note)]
                + [self.cell(None, self.styles.note) for _ in range(self.width - 1)],
                max(1, _lines(note, sum(c.width for c in self.columns))) * LINE_HEIGHT + 6,
            )
            self.merge(self.row, 1, self.row, self.width)


def _workbook() -> Workbook:
    return Workbook(write_only=True)


# --- the three exports ----------------------------------------------------------------------


def write_monthly_xlsx(
    out: BinaryIO,
    *,
    title: str,
    period: date,
    rows: Iterable[MonthlyRow],
    above: str = "",
    show_persons: bool = True,
) -> int:
    """The monthly progress table of seed 002; returns the number of data rows written."""
    layout = Layout(
        columns=monthly_columns(period, show_persons=show_persons),
        title=title,
        above=above or " ",
        notes=MONTHLY_NOTES,
        merged=("number", "project"),
    )
    wb = _workbook()
    sheet = SheetWriter(wb, layout)
    sheet.head()
    for row in rows:
        sheet.data(monthly_values(row), project=row.project_id)
    sheet.tail()
    wb.save(out)
    return sheet.data_rows


def write_ledger_xlsx(out: BinaryIO, *, title: str, rows: Iterable[LedgerRow]) -> int:
    """The quarterly ledger of seed 003."""
    layout = Layout(columns=LEDGER_COLUMNS, title=title, merged=("number", "project"))
    wb = _workbook()
    sheet = SheetWriter(wb, layout)
    sheet.head()
    for row in rows:
        sheet.data(ledger_values(row), project=row.project_id)
    sheet.tail()
    wb.save(out)
    return sheet.data_rows


def write_plan_xlsx(out: BinaryIO, *, title: str, rows: Iterable[PlanRow]) -> int:
    """The yearly plan list of seed 000, which imports back into the same plan."""
    layout = Layout(
        columns=PLAN_COLUMNS,
        title=title,
        above="附件",
        merged=("number", "project"),
        category_merged=("category",),
    )
    wb = _workbook()
    sheet = SheetWriter(wb, layout)
    sheet.head()
    for row in rows:
        sheet.data(plan_values(row), project=row.project_id, category=row.category_id)
    sheet.tail()
    wb.save(out)
    return sheet.data_rows
