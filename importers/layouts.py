"""From tables of cells to a parsed plan. Pure: no ORM, no I/O.

One code path serves every layout: the header tells which columns are there, and the rows are
read by role (project, sub-item, units, schedule, report columns), whatever their position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from importers import cells
from importers.headers import Column, Header, find_header, is_repeated_header, schedule_due
from importers.types import (
    Cell,
    ImportFileError,
    Issue,
    Limits,
    ParsedIndicator,
    ParsedMilestone,
    ParsedPlan,
    ParsedProject,
    ParsedReport,
    ParsedSubItem,
    Table,
)
from progress import periods

_TITLE_WORDS = re.compile(r"清单|进度表|台账|一览表|计划|实事|工程|任务|项目|进展")
_NOTE = re.compile(r"^\s*(注|备注|说明|填报说明|附注)\s*[:：]|^\s*\d+\s*[.、．]\s*\S{2,}[:：]")
_GENERIC_WORDS = ("工程", "项目", "建设", "改造", "设施", "工作", "提升", "实施")
_HEADING_ORDINAL = re.compile(r"^[一二三四五六七八九十]+、")
_NOTE_START = re.compile(r"^\s*(注|备注|说明|填报说明|附注|填表说明)\s*[:：\d]")
FORMULA_STARTS = ("=", "+", "-", "@")  # what a spreadsheet reads as the start of a formula


@dataclass
class Options:
    jurisdiction: str | None = None
    year: int | None = None
    period: date | None = None
    limits: Limits | None = None  # None: lengths are not checked (the service always gives them)


def too_long(text: str, limit: int) -> str:
    """The message for a text that does not fit its field."""
    return _(
        "“%(start)s…” is %(n)d characters long; this field takes at most %(limit)d characters."
    ) % {"start": text[:20], "n": len(text), "limit": limit}


def parse_period(text: str | None) -> date | None:
    """'2024-10' (also 2024/10, 2024.10, 2024年10月) -> 2024-10-01. Raises ValueError otherwise."""
    if not text:
        return None
    period = periods.parse_period(re.sub(r"(\d{4})\s*[/.年]\s*(\d{1,2})\s*月?", r"\1-\2", text))
    if period is None:
        raise ValueError(text)
    return period


_NOTICE_HEADING = re.compile(r"^关于.{2,80}的(?:通报|通知|报告|意见|函|请示|批复|决定)$")
_SALUTATION = re.compile(r"[:：]$")


def _is_caption(line: str) -> bool:
    """A line that can name a table: not prose (no 。, not long), not a notice's heading
    (关于…的通报), its 文号 (〔2024〕56号), its salutation (各…：) or its date."""
    return not (
        "。" in line
        or len(line) > 60
        or _NOTICE_HEADING.match(line)
        or cells.DOC_NUMBER.search(line)
        or _SALUTATION.search(line)
        or re.fullmatch(r"20\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日", line)
    )


def pick_title(lines: list[str]) -> str:
    """The table's own caption: of the lines above it that can name a table, the longest that
    says a year and what it lists; else the nearest that says what it lists (a notice's table
    captioned 民生实事项目10月进度表 under paragraphs of prose); else the first line."""
    candidates = [cells.clean_name(x) for x in lines if x and x.strip()]
    candidates = [c for c in candidates if c and not c.startswith(("附件", "发布时间", "来源"))]
    captions = [c for c in candidates if _is_caption(c)]
    titled = [c for c in captions if "年" in c and _TITLE_WORDS.search(c)]
    if titled:
        return max(titled, key=len)
    named = [c for c in captions if _TITLE_WORDS.search(c)]
    if named:
        return named[-1]
    return (captions or candidates or [""])[0]


def build_plan(tables: list[Table], *, filename: str, options: Options) -> ParsedPlan:
    """Read every table that has (or continues) a header into one plan."""
    located: list[tuple[Table, Header, int]] = []  # table, header, first data row
    header: Header | None = None
    title_lines: list[str] = []
    for table in tables:
        found = find_header(table)
        if found:
            if header is None:
                title_lines = table.title_lines + [
                    c.text for row in table.rows[: found.first_row] for c in row if c.text.strip()
                ]
            header = found
            located.append((table, found, found.last_row + 1))
        elif header is not None and table.rows and abs(len(table.rows[0]) - _width(header)) <= 1:
            located.append((table, header, 0))  # one table split into several
    if header is None:
        raise ImportFileError(
            _(
                "No table with the needed columns was found. The importer looks for a header row "
                "naming at least 序号, the work (目标任务/项目名称/实施内容/主要内容) and the "
                "responsible unit (牵头单位/责任单位/实施单位)."
            )
        )
    first_header = located[0][1]
    missing = []
    if not (first_header.one("project") or first_header.one("subitem")):
        missing.append(_("the work (目标任务 / 项目名称 / 实施内容 / 主要内容)"))
    if not first_header.one("lead_units"):
        missing.append(_("the responsible unit (牵头单位 / 责任单位 / 实施单位)"))
    if missing:
        raise ImportFileError(
            _("The table has no column for %(missing)s. Found columns: %(found)s.")
            % {"missing": _("; ").join(missing), "found": "、".join(first_header.labels) or "—"}
        )

    title = pick_title(title_lines) or filename.rsplit(".", 1)[0]
    info = cells.parse_title(title, title_lines)
    plan = ParsedPlan(
        title=cells.plan_title(title),
        jurisdiction=options.jurisdiction or info.jurisdiction,
        year=options.year or info.year,
        period=options.period,
        kind=info.kind,
        quarterly=info.quarterly,
    )
    plan.sources = {k: v for k, v in info.sources.items() if k != "period"}
    if plan.period is None and plan.year and info.month:
        plan.period = date(plan.year, info.month, 1)
        plan.sources["period"] = "title"
    if plan.period and not plan.year:
        plan.year = plan.period.year
        plan.sources["year"] = "period"
    for name in ("jurisdiction", "year", "period"):
        if getattr(options, name):
            plan.sources[name] = "option"
    if not plan.jurisdiction:
        plan.errors.append(
            Issue(
                None,
                None,
                _(
                    "The title does not name the jurisdiction (区/县/市): give it in the jurisdiction field (--jurisdiction on the command line)."
                ),
            )
        )
    if not plan.year:
        plan.errors.append(
            Issue(
                None,
                None,
                _(
                    "The title does not say the year: give it in the year field (--year on the command line)."
                ),
            )
        )
    limits = options.limits
    if limits and len(plan.title) > limits.title:
        plan.errors.append(
            Issue(
                None,
                None,
                _("The title is too long for a plan title: %(why)s Shorten the title line.")
                % {"why": too_long(plan.title, limits.title)},
            )
        )
    if limits and plan.jurisdiction and len(plan.jurisdiction) > limits.jurisdiction:
        plan.errors.append(
            Issue(
                None,
                None,
                _("The jurisdiction name is too long: %(why)s")
                % {"why": too_long(plan.jurisdiction, limits.jurisdiction)},
            )
        )

    plan.unread_columns = list(first_header.unread)
    plan.row_pages = {t.row_number(i): p for t, _, _ in located for i, p in enumerate(t.row_pages)}
    reader = _RowReader(plan, limits)
    for table, hdr, start in located:
        reader.read(table, hdr, start)
    reader.finish()
    if not plan.projects:
        plan.errors.append(
            Issue(None, None, _("The table has a header but no data rows: nothing to import."))
        )
    return plan


def _width(header: Header) -> int:
    return max((c.index for c in header.columns), default=0) + 1


class _RowReader:
    """Walks data rows and groups them into projects and sub-items."""

    def __init__(self, plan: ParsedPlan, limits: Limits | None = None) -> None:
        self.plan = plan
        self.limits = limits
        self.project: ParsedProject | None = None
        self.prev_row: list[Cell] | None = None
        self.category: str | None = None
        self.numbers: dict[str, ParsedProject] = {}
        self.needs_period = False
        self.seen_rows: dict[tuple[str, ...], tuple[int, list[Cell]]] = {}
        self.warned: set[tuple[int, int]] = set()  # cells already warned about
        self.labels: dict[int, str] = {}  # the header's text by column, for total rows
        self.in_notes = False  # after a 注： line, single-cell rows are notes too
        # the sub-items a project's own row made, until a (1) row says they were its total
        self.row_subs: dict[int, list[ParsedSubItem]] = {}
        # sums of the number cells of data rows, by column: all rows, and since the last 小计
        self.sums: dict[int, list[Decimal]] = {}
        self.section: dict[int, list[Decimal]] = {}
        # the date each schedule column stands for, by (id of the column, year)
        self.dues: dict[tuple[int, int], tuple[Column, date | None]] = {}

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _cell(row: list[Cell], col: Column | None) -> Cell | None:
        if col is None or col.index >= len(row):
            return None
        return row[col.index]

    @staticmethod
    def _text(row: list[Cell], col: Column | None) -> str:
        if col is None or col.index >= len(row):
            return ""
        return row[col.index].text

    def skip(self, row: int, reason: str) -> None:
        """A row that is not data, listed with its reason in the preview and in --json."""
        self.plan.skipped.append(Issue(row, None, reason))

    def warn(self, row: int, col: Column | None, message: str) -> None:
        self.plan.warnings.append(Issue(row, col.label if col else None, message))

    def error(self, row: int, col: Column | None, message: str) -> None:
        self.plan.errors.append(Issue(row, col.label if col else None, message))

    def fits(self, row: int, col: Column | None, text: str, field: str) -> bool:
        """Whether the text fits its field; an error on the row and column when it does not."""
        limit = getattr(self.limits, field) if self.limits else None
        if limit is None or len(text) <= limit:
            return True
        self.error(row, col, too_long(text, limit))
        return False

    def names_fit(self, row: int, col: Column | None, names: list[str], field: str) -> bool:
        """Unit, person or leader names of one cell: each must fit its field, and one that a
        spreadsheet would read as a formula is a warning."""
        limit = getattr(self.limits, field) if self.limits else None
        for name in names:
            if (limit is not None and len(name) > limit) or name.startswith(FORMULA_STARTS):
                break
        else:
            return True  # every name fits and none reads as a formula: the usual cell
        ok = True
        for name in names:
            ok = self.fits(row, col, name, field) and ok
            if name.startswith(FORMULA_STARTS):
                self.warn(
                    row,
                    col,
                    _(
                        "“%(name)s” begins with “%(char)s”, which a spreadsheet reads as a "
                        "formula. It is kept as text: check the name."
                    )
                    % {"name": name[:30], "char": name[0]},
                )
        return ok

    # -- rows ------------------------------------------------------------------------------
    def read(self, table: Table, header: Header, start: int) -> None:
        self.labels = {
            c: cells.clean_name(cell.text)
            for r in range(header.first_row, header.last_row + 1)
            if start  # a table that continues another has no header rows of its own
            for c, cell in enumerate(table.rows[r])
            if cell.text.strip()
        } or self.labels
        for i in range(start, len(table.rows)):
            row = table.rows[i]
            rownum = table.row_number(i)
            if is_repeated_header(row, header):
                self.skip(rownum, _("The header repeated (at a page break)."))
                continue
            if self._not_data(row, rownum, header):
                continue
            if self._is_prose(row, rownum, header):
                continue
            if self._is_repeated_row(row, rownum):
                continue
            self._read_row(row, rownum, header)
            self.prev_row = row

    def _is_repeated_row(self, row: list[Cell], rownum: int) -> bool:
        """Empty rows, and rows that repeat an earlier row cell for cell: those are skipped (a
        warning names both rows), so a row pasted twice is not a second sub-item. A row whose
        every cell belongs to the cells merged over the row before it adds nothing either."""
        key = tuple([c.text.strip() for c in row])
        if not any(key):
            return True
        seen = self.seen_rows.get(key)
        if seen is None:
            self.seen_rows[key] = (rownum, row)
            return False
        first, first_row = seen
        if [c.origin for c in row] != [c.origin for c in first_row]:
            self.skip(rownum, _("A repetition of row %(first)d.") % {"first": first})
            self.warn(
                rownum,
                None,
                _("Row %(row)d repeats row %(first)d exactly; it was skipped.")
                % {"row": rownum, "first": first},
            )
        return True

    def _not_data(self, row: list[Cell], rownum: int, header: Header) -> bool:
        """Rows a person reads as not part of the list: totals (合计, 小计, 总计), notes (注：1. …
        and the lines after it), signature and stamp lines (审核人：…, 填报单位：（盖章）) and
        the unit line (单位：万元). Each is listed as skipped with its reason."""
        texts: list[str] = []  # the first three texts, one per merged range: all it needs
        seen: set[tuple[int, int]] = set()
        for text, origin in row:
            if origin not in seen and (text := text.strip()):
                seen.add(origin)
                texts.append(text)
                if len(texts) == 3:
                    break
        if not texts:
            return False
        if word := next((t for t in texts[:3] if cells.is_total(t)), None):
            self.skip(rownum, _("A total row (%(word)s).") % {"word": word[:10]})
            self._check_totals(row, rownum, subtotal=word.replace(" ", "").startswith("小计"))
            return True
        if cells.is_not_data_line(texts[0]):
            self.skip(
                rownum, _("A signature, stamp or unit line: “%(text)s”") % {"text": texts[0][:30]}
            )
            return True
        if _NOTE_START.match(texts[0]) or (self.in_notes and len(texts) == 1):
            self.in_notes = True
            self.skip(rownum, _("A note under the table: “%(text)s”") % {"text": texts[0][:30]})
            return True
        return False

    def _count_numbers(self, row: list[Cell], header: Header) -> None:
        """Add a data row's number cells to the sums the total rows are checked against."""
        number_col = header.one("number")
        skip = number_col.index if number_col else -1
        # the cells that can hold a number (parse_plain_number's own first test): most rows
        # have none besides their 序号
        maybe = [
            c
            for c, (text, _origin) in enumerate(row)
            if text and (text[0].isdigit() or text[0] in "-－" or text[0].isspace()) and c != skip
        ]
        for c in maybe:
            origin = row[c].origin
            if any(row[j].origin == origin for j in range(c) if j != skip):
                continue  # the same merged cell, counted once
            value = cells.parse_plain_number(row[c].text)
            if value is not None:
                self.sums.setdefault(c, []).append(value)
                self.section.setdefault(c, []).append(value)

    def _check_totals(self, row: list[Cell], rownum: int, *, subtotal: bool) -> None:
        """A 小计 is the sum of the rows since the last total row or heading; a 合计 (总计) the
        sum of all the rows above it, or of those since the last one. Another figure is a
        warning naming the column, the figure and the sum."""
        for c, cell in enumerate(row):
            total = cells.parse_plain_number(cell.text)
            values = self.section.get(c) if subtotal else self.sums.get(c)
            if total is None or not values:
                continue
            overall, section = sum(values), sum(self.section.get(c, []))
            if total not in (overall, section):
                self.plan.warnings.append(
                    Issue(
                        rownum,
                        self.labels.get(c) or None,
                        _(
                            "The total %(total)s does not agree with the rows above it, which "
                            "add up to %(sum)s."
                        )
                        % {"total": _plain(total), "sum": _plain(overall)},
                    )
                )
        self.section = {}

    def _is_prose(self, row: list[Cell], rownum: int, header: Header) -> bool:
        """Notes under the table (注:, 填报说明) and full-width rows; a full-width 一、… row is a
        category heading when the table has no category column."""
        filled = [c for c in row if c.text.strip()]
        origins = {c.origin for c in filled}
        text = filled[0].text.strip() if filled else ""
        if len(origins) == 1 and (
            len(row) > 2 and sum(1 for c in row if c.origin in origins) > len(row) // 2
        ):
            if not header.one("category") and _HEADING_ORDINAL.match(text):
                self._set_category(cells.clean_category(text))
                self.in_notes = False
            else:
                self.skip(rownum, _("A line across the table: “%(text)s”") % {"text": text[:30]})
            return True
        if len(origins) == 1 and _NOTE.match(text):
            self.skip(rownum, _("A note under the table: “%(text)s”") % {"text": text[:30]})
            return True
        return False

    def _set_category(self, name: str) -> None:
        self.category = name
        self.section = {}
        if name not in self.plan.categories:
            self.plan.categories.append(name)

    def _read_row(self, row: list[Cell], rownum: int, h: Header) -> None:
        number_col, project_col = h.one("number"), h.one("project")
        raw_number = self._text(row, number_col)
        level = cells.number_level(raw_number)
        number = level[1] if level else cells.clean_name(raw_number).rstrip(".、．")
        project_name = cells.clean_name(self._text(row, project_col))
        if level and level[0] == "category" and not self._heading_only(row, number_col):
            level = None  # 一、 numbering the projects themselves: their units are on the row
        if level and level[0] == "category":
            name = project_name or self._first_text(row, h, skip=number_col)
            if name:
                if self.fits(rownum, number_col, name, "category"):
                    self._set_category(cells.clean_category(name))
            else:
                self.skip(rownum, _("A heading number (%(n)s) without a name.") % {"n": number})
            return
        self._count_numbers(row, h)
        if level and level[0] == "sub" and self.project is not None:
            self._read_sub_row(row, rownum, h, project_name)
            return

        if not self.fits(rownum, number_col, number, "project_number"):
            return
        if not self.fits(rownum, project_col, project_name, "project_name"):
            return
        if h.one("category"):
            cat = cells.clean_category(self._text(row, h.one("category")))
            if cat and not self.fits(rownum, h.one("category"), cat, "category"):
                return
            if cat:
                self.category = cat
                if cat not in self.plan.categories:
                    self.plan.categories.append(cat)

        continues = self.project is not None and (
            (
                not number
                and (not project_name or project_name == self.project.name or not number_col)
            )
            or number == self.project.number
        )
        if (
            number
            and self.project is not None
            and number == self.project.number
            and project_name
            and project_name != self.project.name
        ):
            self.error(
                rownum,
                number_col,
                _("序号 %(n)s is used again for another project (“%(name)s”).")
                % {"n": number, "name": project_name[:30]},
            )
            return
        if not continues and number in self.numbers:
            previous = self.numbers[number]
            if project_name and previous.name != project_name:
                self.error(
                    rownum,
                    number_col,
                    _("序号 %(n)s is used again for another project (“%(name)s”).")
                    % {"n": number, "name": project_name[:30]},
                )
                return
            self.project = previous  # the same 序号 and name after a page break
            continues = True
        if not continues:
            if not project_name and not h.one("subitem"):
                self.warn(rownum, project_col, _("A row without a project name was skipped."))
                return
            number = number or str(len(self.plan.projects) + 1)
            self.project = ParsedProject(
                number=number,
                name=project_name,
                category=self.category if h.one("category") or self.category else None,
                row=rownum,
            )
            self.plan.projects.append(self.project)
            self.numbers[number] = self.project
            created = True
        else:
            created = False
        assert self.project is not None
        subs = self._subitems(row, rownum, h)
        self._add_subitems(subs)
        if created:
            self.row_subs[id(self.project)] = subs
        else:
            self.row_subs.pop(id(self.project), None)

    def _add_subitems(self, subs: list[ParsedSubItem]) -> None:
        project = self.project
        assert project is not None
        for sub in subs:
            project.subitems.append(sub)
            for leader in sub.leaders:
                if leader not in project.leaders:
                    project.leaders.append(leader)

    @staticmethod
    def _heading_only(row: list[Cell], number_col: Column | None) -> bool:
        """A heading row holds its number and at most one text (its name), nothing else."""
        skipped = (
            row[number_col.index].origin if number_col and number_col.index < len(row) else None
        )
        texts = {c.origin for c in row if c.text.strip() and c.origin != skipped}
        return len(texts) <= 1

    def _first_text(self, row: list[Cell], h: Header, *, skip: Column | None) -> str:
        """The first text of a row other than the one in column `skip` (a heading's name)."""
        skipped = row[skip.index].origin if skip is not None and skip.index < len(row) else None
        for cell in row:
            if cell.text.strip() and cell.origin != skipped:
                return cells.clean_name(cell.text)
        return ""

    def _read_sub_row(self, row: list[Cell], rownum: int, h: Header, project_name: str) -> None:
        """A (1) / （1） / ① row is a sub-item of the project above it. Its name is its own
        (sub-item column, then the project column), or else the first clause of its task text.
        The sub-items the project's own row made were its total: the numbered rows replace
        them (keeping their units, leaders and description as the project's)."""
        project = self.project
        assert project is not None
        own = self.row_subs.pop(id(project), None)
        description = cells.clean_text(self._text(row, h.one("description")))
        if h.one("description"):
            _n, description = cells.split_sub_number(description)
        name = (
            cells.clean_name(self._text(row, h.one("subitem")))
            or project_name
            or cells.first_clause(description)
            or project.name
        )
        if name == description:
            description = ""
        subs = self._subitems(row, rownum, h, names=(name, description))
        if not subs:
            return
        if own:
            for sub in own:
                if sub in project.subitems:
                    project.subitems.remove(sub)
            if not project.description:
                project.description = own[0].description
        self._add_subitems(subs)
        for k, sub in enumerate(project.subitems, start=1):
            sub.number = k

    def _subitems(
        self, row: list[Cell], rownum: int, h: Header, names: tuple[str, str] | None = None
    ) -> list[ParsedSubItem]:
        project = self.project
        assert project is not None
        previous = project.subitems[-1] if project.subitems else None
        lead_col, co_col = h.one("lead_units"), h.one("co_units")
        persons_col, leaders_col = h.one("persons"), h.one("leaders")
        lead_refs = cells.split_units(self._text(row, lead_col))
        co_text = self._text(row, co_col)
        co_refs = cells.split_units(co_text)
        persons_text = self._text(row, persons_col)
        leaders = cells.split_leaders(self._text(row, leaders_col))
        names_fit = [
            self.names_fit(rownum, lead_col, [r.name for r in lead_refs], "unit"),
            self.names_fit(rownum, co_col, [u.name for u in co_refs], "unit"),
            self.names_fit(rownum, persons_col, cells.split_persons(persons_text), "person"),
            self.names_fit(rownum, leaders_col, leaders, "leader"),
        ]
        if not all(names_fit):
            return []
        leaders_given = bool(leaders)
        leaders_sentence = any(map(cells.is_sentence, leaders))
        if leaders_sentence and self._first_time(row, leaders_col):
            self.warn(
                rownum,
                leaders_col,
                _(
                    "“%(text)s” reads as a sentence, not as the names of leaders: no leader "
                    "was taken from this cell."
                )
                % {"text": cells.clean_name(self._text(row, leaders_col))[:30]},
            )
        if leaders_sentence:
            leaders = []
        if any(cells.is_sentence(r.name, unit=True) for r in lead_refs):
            if self._first_time(row, lead_col):
                self._unit_sentence(rownum, lead_col, self._text(row, lead_col))
            lead_refs = []
        if any(cells.is_sentence(u.name, unit=True) for u in co_refs):
            if self._first_time(row, co_col):
                self._unit_sentence(rownum, co_col, co_text)
            co_text = ""
        if not leaders and not leaders_given and previous:
            leaders = list(previous.leaders)

        scoped = [r for r in lead_refs if r.scope]
        if len(scoped) >= 2:
            groups = cells.split_groups(co_text)
            plans = []
            for k, ref in enumerate(scoped):
                co_src = groups[k] if len(groups) == len(scoped) else co_text
                co = [u.name for u in cells.split_units(co_src)]
                plans.append((ref.name, co, ref.scope))
        elif lead_refs:
            lead = lead_refs[0].name
            co = [r.name for r in lead_refs[1:]] + [u.name for u in cells.split_units(co_text)]
            plans = [(lead, _unique(co), lead_refs[0].scope)]
        elif previous is not None:
            plans = [(previous.lead_unit, list(previous.co_units), None)]
        else:
            self.warn(rownum, lead_col, _("No responsible unit is given for this item."))
            plans = [(None, [u.name for u in cells.split_units(co_text)], None)]

        milestones_all = self._milestones(row, rownum, h)
        report = self._report(row, rownum, h)
        name, description = names or self._names(row, h)
        if not self.fits(rownum, h.one("subitem"), name, "subitem_name"):
            return []
        scopes = [p[2] for p in plans if p[2]]
        subs = []
        for lead, co, scope in plans:
            number = len(project.subitems) + len(subs) + 1
            if self.limits and number > self.limits.subitems_per_project:
                self.error(
                    rownum,
                    None,
                    _("A project takes at most %(limit)d sub-items; this row would be one more.")
                    % {"limit": self.limits.subitems_per_project},
                )
                return []
            unit_names = (
                [lead] + [r.name for r in lead_refs[1:]] if lead and len(plans) == 1 else [lead]
            )
            persons: dict[str, str] = {}
            if persons_text.strip():
                names = cells.split_persons(persons_text)
                units = [u for u in unit_names if u]
                if len(plans) == 1 and len(names) > len(
                    [u for u in units if not cells.is_placeholder_unit(u)]
                ):
                    # more persons than lead units: they go on with the co-operating units, in order
                    units += [c for c in co if c not in units]
                persons, matched = cells.pair_persons(units, names)
                if not matched:
                    self.warn(
                        rownum,
                        persons_col,
                        _("%(p)d persons for %(u)d units: paired in order as far as they go.")
                        % {"p": len(names), "u": len(unit_names)},
                    )
            elif previous is not None and lead == previous.lead_unit:
                persons = dict(previous.persons)
            ms = milestones_all
            if scope and len(scopes) >= 2:
                ms = _filter_for_scope(milestones_all, scope, scopes)
            sub_name = scope if (scope and len(scopes) >= 2) else name
            context = " ".join(x for x in (description, project.description, project.name) if x)
            sub = ParsedSubItem(
                number=number,
                name=sub_name or project.name,
                description=description if sub_name != description else "",
                lead_unit=lead,
                co_units=[c for c in co if c != lead],
                persons=persons,
                leaders=leaders,
                milestones=ms,
                indicators=[
                    ParsedIndicator(name=n, unit=m, targets=t)
                    for n, m, t in cells.build_indicators([(x.due, x.text) for x in ms], context)
                ],
                report=report,
                row=rownum,
            )
            if report is not None and report.percent is not None:
                # 完成比例 / 完成进度: the period's value of a percent indicator of its own
                label = cells.clean_name(h.one("percent").label.split(" / ")[-1])  # type: ignore[union-attr]
                sub.indicators.append(ParsedIndicator(name=label, unit="%", value=report.percent))
            subs.append(sub)
        return subs

    def _first_time(self, row: list[Cell], col: Column | None) -> bool:
        """Whether this cell is met for the first time (not again on the rows it is merged over)."""
        cell = self._cell(row, col)
        if cell is None or cell.origin in self.warned:
            return False
        self.warned.add(cell.origin)
        return True

    def _unit_sentence(self, rownum: int, col: Column | None, text: str) -> None:
        self.warn(
            rownum,
            col,
            _(
                "“%(text)s” reads as a sentence, not as the names of units: no unit was taken "
                "from this cell."
            )
            % {"text": cells.clean_name(text)[:30]},
        )

    def _names(self, row: list[Cell], h: Header) -> tuple[str, str]:
        project = self.project
        assert project is not None
        sub_col, desc_col = h.one("subitem"), h.one("description")
        if sub_col:
            text = (
                cells.clean_name(self._text(row, sub_col))
                if "\n" not in self._text(row, sub_col)
                else cells.clean_text(self._text(row, sub_col))
            )
            if not project.name:
                project.name = text
            return text or project.name, ""
        if desc_col:
            text = cells.clean_text(self._text(row, desc_col))
            n, rest = cells.split_sub_number(text)
            if n is not None:
                return cells.first_clause(rest), rest
            if not project.subitems and not project.description:
                project.description = text
            return project.name, text
        return project.name, ""

    def _milestones(self, row: list[Cell], rownum: int, h: Header) -> list[ParsedMilestone]:
        year = self.plan.year
        out: list[ParsedMilestone] = []
        if not year:
            return out
        groups: dict[tuple[int, int], list[Column]] = {}
        width = len(row)
        for col in h.by_role("schedule"):
            if col.index < width:
                groups.setdefault(row[col.index].origin, []).append(col)
        dues_of = self.dues
        for cols in groups.values():
            text = cells.clean_text(row[cols[0].index].text)
            if cells.is_no_plan(text):
                continue
            dues = []
            for c in cols:
                key = (id(c), year)
                if key not in dues_of:
                    dues_of[key] = (c, schedule_due(c, year))  # the column kept alive with its id
                if due := dues_of[key][1]:
                    dues.append(due)
            if not dues:
                self.warn(rownum, cols[0], _("The date of this schedule column is not understood."))
                continue
            out.append(ParsedMilestone(due=max(dues), text=text))
        col = h.one("schedule_text")
        text = cells.clean_text(self._text(row, col)) if col else ""
        if col and not cells.is_no_plan(text):
            segments = cells.split_schedule(text, year)
            if segments:
                out.extend(ParsedMilestone(due=d, text=t) for d, t in segments)
            else:
                due = cells.parse_deadline(text, year) or cells.month_end(year, 12)
                out.append(ParsedMilestone(due=due, text=text))
        for col in h.by_role("deadline"):
            text = cells.clean_name(self._text(row, col))
            if cells.is_no_plan(text):
                continue
            due = cells.parse_deadline(text, year)
            label = col.label.split(" / ")[-1]
            if due is None:
                self.warn(
                    rownum,
                    col,
                    _(
                        "The %(column)s “%(text)s” is not a date (such as 2024-06-30, 2024.6, "
                        "2024年8月, 9月底前 or 年底前): no milestone was made from it."
                    )
                    % {"column": label, "text": text[:30]},
                )
                continue
            out.append(ParsedMilestone(due=due, text=f"{label}：{text}"))
        return out

    def _report(self, row: list[Cell], rownum: int, h: Header) -> ParsedReport | None:
        if not h.reports:
            return None
        completion_col = h.one("completion")
        period = self.plan.period
        if period is None and completion_col and completion_col.month and self.plan.year:
            period = self.plan.period = date(self.plan.year, completion_col.month, 1)
            self.plan.sources["period"] = "column"
        if period is None:
            if not self.needs_period:
                self.error(
                    rownum,
                    completion_col,
                    _(
                        "The table reports progress but does not say for which month: give it in the period field as YYYY-MM (--period on the command line)."
                    ),
                )
                self.needs_period = True
            return None
        status_col = h.one("status")
        status_text = self._text(row, status_col)
        status = cells.parse_status(status_text)
        if status_text.strip() and status is None:
            self.warn(
                rownum,
                status_col,
                _("The status “%(s)s” is not one of 未启动/正常/超前/滞后/办结; it was left empty.")
                % {"s": status_text.strip()[:20]},
            )

        def text(role: str) -> str:
            value = cells.clean_text(self._text(row, h.one(role)))
            return "" if cells.is_no_plan(value) else value

        fields = {r: text(r) for r in ("completion", "explanation", "problems", "next_steps")}
        for role in ("completion", "explanation"):
            # one cell holding 进展情况：… 存在问题：… 下步打算：… under their own headings
            parts = cells.split_progress(fields[role])
            if parts:
                fields[role] = parts.pop("completion", "")
                for other, value in parts.items():
                    fields[other] = "\n".join(x for x in (fields[other], value) if x)
        return ParsedReport(
            period=period, status=status, percent=self._percent(row, rownum, h), **fields
        )

    def _percent(self, row: list[Cell], rownum: int, h: Header) -> Decimal | None:
        """完成比例 / 完成进度: "85%", "85" or 0.85 (a cell formatted as a percentage) -> 85."""
        col = h.one("percent")
        text = cells.clean_name(self._text(row, col)).replace(" ", "")
        if not col or cells.is_no_plan(text):
            return None
        value = cells.parse_plain_number(text.rstrip("%"))
        if value is not None and not text.endswith("%") and 0 < value <= 1 and "." in text:
            value *= 100
        if value is None or not 0 <= value <= 100:
            self.warn(
                rownum,
                col,
                _("The share “%(text)s” is not a percentage from 0 to 100; it was left empty.")
                % {"text": text[:20]},
            )
            return None
        return value.normalize() if value != value.to_integral() else value.quantize(Decimal(1))

    def finish(self) -> None:
        for project in self.plan.projects:
            if not project.subitems:
                continue
            if len(project.subitems) == 1 and not project.description:
                project.description = project.subitems[0].description


def _unique(items: list[str]) -> list[str]:
    seen: list[str] = []
    for x in items:
        if x and x not in seen:
            seen.append(x)
    return seen


def _keywords(scope: str) -> list[str]:
    parts = [p for p in re.split(r"[、，,和及与]", scope) if p]
    out = []
    for p in parts:
        for w in _GENERIC_WORDS:
            p = p.replace(w, " ")
        out.extend(x for x in p.split() if len(x) >= 2)
    return out or [scope]


def _mentions(text: str, keywords: list[str]) -> bool:
    """A clause mentions a keyword when it shares three characters in a row with it
    (过街通道设施 mentions 立体人行过街通道), or the whole keyword when it is shorter."""
    for k in keywords:
        if len(k) < 3:
            if k in text:
                return True
        elif any(k[i : i + 3] in text for i in range(len(k) - 2)):
            return True
    return False


def _filter_for_scope(
    milestones: list[ParsedMilestone], scope: str, scopes: list[str]
) -> list[ParsedMilestone]:
    """A plan text shared by several scoped lead units: keep the clauses that name this scope,
    and the clauses that name no scope at all (全面完成目标任务)."""
    mine = _keywords(scope)
    others = [k for s in scopes if s != scope for k in _keywords(s)]
    out = []
    for m in milestones:
        body = re.sub(r"^[^，,：:]{1,8}[，,：:]", "", m.text, count=1)
        head = m.text[: len(m.text) - len(body)]
        clauses = [c for c in re.split(r"(?<=[；;。])", body) if c.strip()]
        parts = []
        for clause in clauses:
            sub = [s for s in re.split(r"(?<=[，,])", clause) if s.strip()]
            owner = None
            for s in sub:
                if _mentions(s, mine):
                    owner = "mine"
                elif _mentions(s, others):
                    owner = "other"
                if owner == "mine" or (owner is None and not _mentions(clause, others)):
                    parts.append(s)
        if parts:
            out.append(ParsedMilestone(due=m.due, text=(head + "".join(parts)).strip()))
    return out


def _plain(value: Decimal) -> str:
    """1200.50 -> "1200.5", 35.0 -> "35"."""
    text = format(value.normalize(), "f")
    return text
