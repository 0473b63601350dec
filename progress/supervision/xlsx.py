"""The .xlsx files of supervision: the 督办台账 (notice ledger) and the scorecard (one sheet per
view). Written with openpyxl in write-only mode, every cell through the formula guard."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from progress.exports.files import file_response
from progress.formatting import text_cell
from progress.supervision import scorecard as scorecards
from progress.supervision.models import Notice

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEDGER_COLUMNS = ("序号", "督办事项", "责任单位", "督办要求", "反馈时限", "反馈情况", "办理状态")


def notice_state_words(notice: Notice, today: date) -> str:
    if notice.state == Notice.State.OPEN and notice.reply_due < today:
        return _("Overdue")
    return str(notice.get_state_display())


def ledger_rows(notices: Iterable[Notice], today: date) -> Iterable[list]:
    for i, notice in enumerate(notices, start=1):
        reply = notice.reply
        if notice.expected_completion:
            reply = f"{reply}（{_('expected completion')} {notice.expected_completion:%Y-%m-%d}）"
        yield [
            i,
            f"{notice.subitem.project.name} · {notice.subitem.name}"
            if notice.subitem.name != notice.subitem.project.name
            else notice.subitem.name,
            notice.unit.name,
            f"[{notice.get_level_display()}] {notice.requirement}",
            f"{notice.reply_due:%Y-%m-%d}",
            reply,
            notice_state_words(notice, today),
        ]


def write_ledger(out: BinaryIO, notices: Iterable[Notice], today: date) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("督办台账")
    sheet.append([text_cell(sheet, c) for c in LEDGER_COLUMNS])
    for row in ledger_rows(notices, today):
        sheet.append([text_cell(sheet, v) for v in row])
    book.save(out)


def notices_response(notices: Iterable[Notice], *, today: date):
    return file_response(
        lambda out: write_ledger(out, notices, today), f"督办台账-{today:%Y%m%d}.xlsx", XLSX
    )


def write_scorecard(out: BinaryIO, card: scorecards.Scorecard, title: str) -> None:
    """Sheet 1: the year's summary and ranking; then one sheet per measure (units x months)."""
    book = Workbook(write_only=True)
    labels = dict(scorecards.MEASURES)
    sheet = book.create_sheet(str(_("Summary")))
    sheet.append([text_cell(sheet, f"{title} {card.year}")])
    header = [
        _("Rank"),
        _("Unit"),
        *[str(labels[m]) for m in scorecards.COUNTS],
        str(labels["score"]),
    ]
    sheet.append([text_cell(sheet, h) for h in header])
    for unit_id, row in card.summary.iterrows():
        rank = row["rank"]
        sheet.append(
            [
                None if rank != rank or rank is None else int(rank),
                text_cell(sheet, card.units.get(unit_id, "")),
                *[int(row[m]) for m in scorecards.COUNTS],
                None if row["score"] != row["score"] else float(row["score"]),
            ]
        )
    for measure, label in scorecards.MEASURES:
        pivot = card.pivot(measure)
        sheet = book.create_sheet(str(label)[:31])
        sheet.append([text_cell(sheet, _("Unit")), *[f"{m:%Y-%m}" for m in card.months]])
        for unit_id, values in pivot.iterrows():
            sheet.append(
                [
                    text_cell(sheet, card.units.get(unit_id, "")),
                    *[None if v != v else float(v) for v in values],
                ]
            )
    book.save(out)


def scorecard_response(card: scorecards.Scorecard, title: str):
    return file_response(
        lambda out: write_scorecard(out, card, title), f"单位考核-{title}-{card.year}.xlsx", XLSX
    )
