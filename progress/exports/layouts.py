"""The office's own layouts: the rows, columns, titles and cell values of each table, shared by
the .xlsx (progress.exports.xlsx), the .docx ledger (progress.exports.docx) and the public HTML
tables (progress.public).

- the monthly progress table (seed 002): 序号 / 重点工作 / 主要内容 / 区领导 / 牵头单位 / 配合单位 /
  四季度计划目标 / 10月完成情况 / 进度状态 / 情况说明, with the 填报说明 under it;
- the quarterly ledger (seed 003): 序号 / 目标任务 / 项目内容 / 责任单位 / 进展情况 / 存在问题 / 下步打算;
- the yearly plan list (seed 000): 大项 / 序号 / 子项名称 / 任务明细 / 实施单位（首位牵头） / 责任人 /
  第一季度…第四季度 / 分管区领导, which the importer reads back into the same plan.

No ORM here: plain rows (the dataclasses below), which progress.exports.selectors yields. The
status of a row is its shown status (progress.statuses.shown), the same as on every page;
an item completed in an earlier period reads 办结 with "/" (the 填报说明's rule). Layouts are
described in docs/exports.md.

The headers, titles, status words and 填报说明 are the office's layout, in Chinese, whatever the
UI language: they are data of the table, not interface text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from django.utils import translation

from progress.statuses.shown import LABELS, MISSING

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


@cache
def status_words() -> dict[str, str]:
    """Each shown status in the office's words (正常, 办结, 未报送, 待审核…): the Chinese labels of
    progress.statuses.shown, whatever the language of the request."""
    with translation.override("zh-hans"):
        return {code: str(label) for code, label in LABELS.items()}


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
    shown: str = MISSING  # the shown status (progress.statuses.shown)


@dataclass(frozen=True)
class LedgerRow:
    project_id: int
    number: str
    project: str
    name: str
    units: Sequence[str]  # the lead unit first
    report: Report | None
    shown: str = MISSING


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


def join(names: Iterable[str], sep: str = "、") -> str:
    return sep.join(n for n in names if n)


def quarter_of(period: date) -> int:
    return (period.month - 1) // 3 + 1


def completed_earlier(row: MonthlyRow | LedgerRow) -> bool:
    """办结 in an earlier period: no report of its own, not reported again ("/")."""
    return row.report is None and row.shown == "completed"


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
    """The status column is the shown status in the office's words; 办结 earlier reads "/"."""
    report = row.report
    if report is not None:
        completion, explanation = report.completion, report.explanation
    else:
        completion, explanation = (NOT_AGAIN if completed_earlier(row) else ""), ""
    return {
        "number": row.number,
        "project": row.project,
        "name": row.name,
        "leaders": join(row.leaders),
        "lead_unit": row.lead_unit,
        "co_units": join(row.co_units) or NO_UNIT,
        "target": row.target or NO_PLAN,
        "completion": completion,
        "status": status_words().get(row.shown, ""),
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
    elif completed_earlier(row):
        completion, problems, next_steps = NOT_AGAIN, NOT_AGAIN, NOT_AGAIN
    else:  # 未报送, 待审核, 未到期: the shown status in place of the progress
        completion, problems, next_steps = status_words().get(row.shown, ""), "", ""
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
