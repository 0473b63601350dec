"""Find the table by its headers, not by position.

A header block is one or two rows whose cells name known columns (with synonyms). Each column
gets a role; schedule columns also get the date they stand for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from importers.cells import _memo, clean_name, parse_due_label, parse_quarter
from importers.types import Cell, Table

# Roles, in the order they are tried: the first synonym found in a label wins.
ROLE_SYNONYMS: list[tuple[str, tuple[str, ...]]] = [
    ("number", ("序号", "编号", "项目编号")),
    ("category", ("大项", "类别", "领域", "板块", "分类")),
    ("co_units", ("配合单位", "协办单位", "协同单位", "参与单位", "配合部门", "协办部门")),
    (
        "lead_units",
        ("实施单位", "牵头单位", "责任单位", "主责单位", "承办单位", "牵头部门", "责任部门"),
    ),
    ("persons", ("责任人", "联系人", "具体负责人")),
    (
        "leaders",
        (
            "分管区领导",
            "责任区领导",
            "区领导",
            "分管领导",
            "牵头领导",
            "责任领导",
            "市领导",
            "县领导",
            "分管市领导",
            "分管县领导",
        ),
    ),
    ("status", ("进度状态", "进展状态", "完成状态", "状态")),
    ("explanation", ("情况说明", "说明")),
    ("problems", ("存在问题", "存在的问题", "困难问题")),
    ("next_steps", ("下步打算", "下一步打算", "下步计划", "下一步计划", "下步工作", "下一步工作")),
    (
        "deadline",
        (
            "完成时限",
            "计划完成时间",
            "完成时间",
            "完成期限",
            "办结时限",
            "时限要求",
            "时间要求",
            "计划完成时限",
        ),
    ),
    ("percent", ("完成比例", "完成进度", "完成率", "进度比例", "完成百分比")),
    ("completion", ("完成情况", "进展情况", "工作进展", "推进情况", "进展")),
    ("subitem", ("主要内容", "项目内容", "具体内容", "子项内容", "工作内容")),
    ("description", ("任务明细", "任务内容", "具体任务", "建设内容", "项目简介")),
    (
        "project",
        (
            "子项名称",
            "目标任务",
            "重点工作",
            "实施内容",
            "项目名称",
            "工作任务",
            "任务名称",
            "民生实事",
            "项目",
            "任务",
        ),
    ),
    (
        "schedule_text",
        (
            "实施计划",
            "进度安排",
            "时间节点",
            "进度计划",
            "计划安排",
            "工作计划",
            "计划目标",
            "目标",
        ),
    ),
]

REQUIRED_ANY = ("project", "subitem")  # some column must name the work
REPORT_ROLES = ("completion", "status", "explanation", "problems", "next_steps", "percent")


@dataclass
class Column:
    index: int
    label: str
    role: str
    due_label: str = ""  # for schedule columns: 第一季度 / 3月底前 / 四季度计划目标
    month: int | None = None  # for completion columns: 10月完成情况 -> 10


@dataclass
class Header:
    first_row: int  # index of the first header row in table.rows
    last_row: int
    columns: list[Column] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # labels of columns no role reads

    def by_role(self, role: str) -> list[Column]:
        return list(self._roles.get(role, ()))

    def one(self, role: str) -> Column | None:
        return self._first.get(role)

    @cached_property
    def reports(self) -> bool:
        """Whether the table reports progress: a column of one of the report's roles."""
        return any(r in self._first for r in REPORT_ROLES)

    @cached_property
    def _first(self) -> dict[str, Column]:
        return {role: cols[0] for role, cols in self._roles.items()}

    @cached_property
    def _roles(self) -> dict[str, list[Column]]:
        """The columns of each role, in order: a reader asks for them on every row. The
        columns and their roles are settled when the header is made (find_header)."""
        roles: dict[str, list[Column]] = {}
        for c in self.columns:
            roles.setdefault(c.role, []).append(c)
        return roles

    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.columns]

    @cached_property
    def label_keys(self) -> set[str]:
        """Every label of the header block, normalised, to spot it again at a page break."""
        return {_norm(part) for c in self.columns for part in c.label.split(" / ")}

    def is_label(self, text: str) -> bool:
        """Whether a (short) cell's text is one of the header's labels; known per text, as
        every row is checked (is_repeated_header)."""
        known = self._label_texts.get(text)
        if known is None:
            known = self._label_texts[text] = (
                self._may_be_label(text) and bool(text.strip()) and _norm(text) in self.label_keys
            )
        return known

    def _may_be_label(self, text: str) -> bool:
        """False when the text holds a Chinese character no label has: cleaning (_norm) never
        removes one outside HTML, so such a text cannot be a label (and is not cleaned)."""
        if "<" in text or "&" in text:
            return True
        return not self._foreign_ideograph.search(text)

    @cached_property
    def _label_chars(self) -> set[str]:
        return set("".join(self.label_keys))

    @cached_property
    def _foreign_ideograph(self) -> re.Pattern:
        """A Chinese character that no label has, found in one pass over the text."""
        known = "".join(sorted(re.escape(ch) for ch in self._label_chars))
        return re.compile(f"(?![{known}])[\u3400-\u9fff]" if known else "[\u3400-\u9fff]")

    @cached_property
    def _label_texts(self) -> dict[str, bool]:
        return {}


_IDEOGRAPH = re.compile("[\u3400-\u9fff]")


@_memo
def _norm(text: str) -> str:
    return re.sub(r"[\s（）()]", "", clean_name(text))


def role_of(label: str) -> tuple[str | None, str]:
    """The role a header label names, and for schedule columns the label that dates it."""
    t = _norm(label)
    if not t:
        return None, ""
    dated = parse_quarter(t) or re.fullmatch(
        r"(1[0-2]|[1-9])月(底前|底|份|前)?(计划|目标|计划目标)?", t
    )
    if dated and "完成" not in t and "进展" not in t:
        return "schedule", t
    if t in ("全年", "全年目标", "年度目标"):
        return "schedule", t
    for role, words in ROLE_SYNONYMS:
        if any(w in t for w in words):
            return role, ""
    return None, ""


def _row_roles(row: list[Cell]) -> list[str | None]:
    seen: set[tuple[int, int]] = set()
    roles = []
    for cell in row:
        if cell.origin in seen:
            roles.append(None)
            continue
        seen.add(cell.origin)
        roles.append(role_of(cell.text)[0])
    return roles


def _looks_like_header(row: list[Cell]) -> bool:
    roles = [r for r in _row_roles(row) if r]
    distinct = set(roles)
    return len(distinct) >= 3 and ("number" in distinct or distinct & set(REQUIRED_ANY) != set())


def find_header(table: Table, *, scan_rows: int = 40) -> Header | None:
    for r, row in enumerate(table.rows[:scan_rows]):
        if not _looks_like_header(row):
            continue
        last = r
        # A second header row: its cells name columns too (第一季度, 重点工作 …) and no 序号 value.
        if r + 1 < len(table.rows):
            nxt = table.rows[r + 1]
            new_cells = [
                c
                for i, c in enumerate(nxt)
                if c.text.strip() and (i >= len(row) or row[i].origin != c.origin)
            ]
            if new_cells and all(role_of(c.text)[0] for c in new_cells):
                last = r + 1
        return _build_header(table, r, last)
    return None


def _build_header(table: Table, first: int, last: int) -> Header:
    width = max(len(row) for row in table.rows[first : last + 1])
    columns: list[Column] = []
    unread: list[str] = []
    for c in range(width):
        labels: list[str] = []
        origins: set[tuple[int, int]] = set()
        for r in range(first, last + 1):
            row = table.rows[r]
            if c < len(row) and row[c].text.strip() and row[c].origin not in origins:
                origins.add(row[c].origin)
                labels.append(clean_name(row[c].text))
        role, due_label = None, ""
        for label in reversed(labels):  # the most specific (lowest) label first
            role, due_label = role_of(label)
            if role:
                break
        if not role:
            if labels and (label := " / ".join(labels)) not in unread:
                unread.append(label)
            continue
        label = " / ".join(labels)
        month = None
        if role == "completion" and (m := re.search(r"(1[0-2]|[1-9])\s*月", label)):
            month = int(m.group(1))
        if role == "schedule_text" and (q := parse_quarter(_norm(label))):
            role, due_label = "schedule", f"第{q}季度"
        columns.append(Column(index=c, label=label, role=role, due_label=due_label, month=month))
    _dedupe_roles(columns)
    return Header(first_row=first, last_row=last, columns=columns, unread=unread)


def _dedupe_roles(columns: list[Column]) -> None:
    """Only schedule columns may repeat; a second 'project' column is the sub-item text."""
    seen: dict[str, Column] = {}
    for col in columns:
        if col.role == "schedule":
            continue
        if col.role in seen:
            if col.role == "project":
                col.role = "subitem"
            elif col.role == "lead_units" and "co_units" not in seen:
                col.role = "co_units"
            else:
                col.role = f"extra_{col.role}"
        seen.setdefault(col.role, col)


def schedule_due(col: Column, year: int) -> date | None:
    return parse_due_label(col.due_label or col.label, year)


def is_repeated_header(row: list[Cell], header: Header) -> bool:
    """A header row repeated at a page break."""
    is_label, known = header.is_label, header._label_texts
    hits = 0
    for cell in row:
        text = cell[0]
        if len(text) <= 30:
            hit = known.get(text)
            if hit is None:
                hit = is_label(text)
            if hit:
                hits += 1
    return hits >= max(2, len(header.columns) // 2)
