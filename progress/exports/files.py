"""The downloads as HTTP responses: each file is written by a builder (progress.exports.xlsx,
progress.exports.docx) into a temporary file and streamed back with FileResponse, so neither
the rows nor the file are held in memory. The public pages, the item list and the missing
reports (under the background size) send their files through here; access is checked by the
views before. The exports pages' files are written by a worker (progress.exports.jobs)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from datetime import date
from typing import BinaryIO

from django.http import FileResponse
from django.utils import timezone

from progress.exports import layouts, selectors
from progress.exports.docx import DOCX_CONTENT_TYPE, write_ledger_docx
from progress.exports.xlsx import (
    XLSX_CONTENT_TYPE,
    write_ledger_xlsx,
    write_list_xlsx,
    write_monthly_xlsx,
)
from progress.models import Publication
from projects.models import Plan


def file_response(write: Callable[[BinaryIO], object], filename: str, content_type: str):
    """Write into a temporary file (on disk past a few MB) and stream it back."""
    tmp = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 - the response closes it
    write(tmp)
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename=filename, content_type=content_type)


def stamp(publication: Publication | None) -> str:
    """The line above the title: when it was published, or when this copy was made."""
    if publication is not None:
        return f"发布时间:{timezone.localtime(publication.published_at):%Y-%m-%d %H:%M}"
    return f"导出时间:{timezone.localtime():%Y-%m-%d %H:%M}"


def monthly_title(plan: Plan, period: date) -> str:
    return layouts.monthly_title(
        jurisdiction=plan.jurisdiction.name, plan_title=plan.title, year=plan.year, period=period
    )


def ledger_title(plan: Plan, period: date) -> str:
    return layouts.ledger_title(
        jurisdiction=plan.jurisdiction.name,
        plan_title=plan.title,
        year=plan.year,
        period=period,
        quarterly=plan.is_quarterly,
    )


def monthly_response(
    plan: Plan, period: date, *, publication: Publication | None, show_persons: bool
) -> FileResponse:
    title = monthly_title(plan, period)
    return file_response(
        lambda out: write_monthly_xlsx(
            out,
            title=title,
            period=period,
            rows=selectors.monthly_table_rows(plan, period),
            above=stamp(publication),
            show_persons=show_persons,
        ),
        f"{title}.xlsx",
        XLSX_CONTENT_TYPE,
    )


def ledger_response(plan: Plan, period: date, *, docx: bool = False) -> FileResponse:
    """The quarterly ledger as .xlsx, or as .docx."""
    title = ledger_title(plan, period)
    write, suffix, content_type = (
        (write_ledger_docx, "docx", DOCX_CONTENT_TYPE)
        if docx
        else (write_ledger_xlsx, "xlsx", XLSX_CONTENT_TYPE)
    )
    return file_response(
        lambda out: write(out, title=title, rows=selectors.ledger_rows(plan, period)),
        f"{title}.{suffix}",
        content_type,
    )


def list_response(
    rows: Iterable[Iterable[object]],
    *,
    filename: str,
    title: str,
    subtitle: str = "",
    widths=(),
    sheet_name: str = "",
):
    """A plain table (the item list, the missing reports) as .xlsx, titled as the others."""
    return FileResponse(
        write_list_xlsx(rows, title=title, subtitle=subtitle, widths=widths, sheet_name=sheet_name),
        as_attachment=True,
        filename=filename,
        content_type=XLSX_CONTENT_TYPE,
    )
