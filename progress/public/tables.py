"""A published table as HTML: the cells of the office's layout (progress.exports.layouts) with
the merged header and the project cells spanning their rows, as in the printed file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from progress.exports.layouts import Column

MERGED = ("number", "project")


@dataclass
class HtmlCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    css: str = ""
    label: str = ""  # the column's header (工作进度 · 本月), shown before the cell on a phone


@dataclass
class HtmlRow:
    cells: list[HtmlCell] = field(default_factory=list)


def header(columns: list[Column]) -> list[list[HtmlCell]]:
    """The one or two header rows of a layout: a column without a second label spans both rows,
    columns under one first label (工作进度) share its cell."""
    two = any(c.bottom for c in columns)
    if not two:
        return [[HtmlCell(c.top) for c in columns]]
    top: list[HtmlCell] = []
    bottom: list[HtmlCell] = []
    for i, col in enumerate(columns):
        if col.bottom is None:
            top.append(HtmlCell(col.top, rowspan=2))
        else:
            if i == 0 or columns[i - 1].top != col.top or columns[i - 1].bottom is None:
                span = 1
                while i + span < len(columns) and columns[i + span].top == col.top:
                    span += 1
                top.append(HtmlCell(col.top, colspan=span))
            bottom.append(HtmlCell(col.bottom))
    return [top, bottom]


def widths(columns: list[Column]) -> list[int]:
    """Each column's share of the table in percent, after the widths of the printed sheet, so
    that short columns (区领导, 牵头单位) are not squeezed to one character by the long texts."""
    total = sum(c.width for c in columns)
    return [max(5, round(100 * c.width / total)) for c in columns]


def label(col: Column) -> str:
    """A body cell's column as one text: the header's one or two rows joined."""
    return f"{col.top} · {col.bottom}" if col.bottom else col.top


def body(
    columns: list[Column], rows: Iterable[tuple[object, dict[str, str], str]]
) -> list[HtmlRow]:
    """Rows of cells from (project id, cell values, shown status); 序号 and the project name
        once per project, spanning its rows; the status cell as a badge of its shown status; each
    cell labelled with its column, for the cards the table becomes on a phone (.table--cards)."""
    out: list[HtmlRow] = []
    firsts: dict[str, HtmlCell] = {}
    previous = None
    for project_id, values, shown in rows:
        html_row = HtmlRow()
        for col in columns:
            value = values.get(col.key, "")
            if col.key in MERGED:
                if project_id == previous:
                    firsts[col.key].rowspan += 1
                    continue
                cell = HtmlCell(value, label=label(col))
                firsts[col.key] = cell
            else:
                badge = col.key == "status" and value
                css = f"status status-{shown}" if badge else ""
                cell = HtmlCell(value, css=css, label=label(col))
            html_row.cells.append(cell)
        out.append(html_row)
        previous = project_id
    return out
