"""Writes of the reporting workflow: save, submit, approve, return, reopen, contribute, attach.

Keyword-only typed functions; each checks its own rules and raises ReportError with a message
for the user. Every change of a report goes through save() so django-simple-history keeps it
with who and when. Two people saving from the same version: the second is refused (StaleReport).
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from progress.formatting import size_text
from progress.models import (
    Attachment,
    Contribution,
    IndicatorValue,
    ProgressReport,
    ReviewEvent,
    Status,
)
from progress.statuses import completed_among, completed_report, refresh_statuses
from projects.models import SubItem

State = ProgressReport.State
EDITABLE = (State.DRAFT, State.RETURNED)
NEEDS_EXPLANATION = (Status.AHEAD, Status.LAGGING)


def still_to_submit(state: str | None) -> bool:
    """This period's report is still to be submitted: none yet, a draft or returned (what
    我的填报 counts as 待填 and what makes the deadline 逾期 once passed)."""
    return state is None or state in EDITABLE


class ReportError(Exception):
    """A rule of the workflow refused the change; the message is for the user."""


class StaleReport(ReportError):
    """Someone else saved the report since this form was opened."""

    def __init__(self, current: ProgressReport | None) -> None:
        super().__init__(
            _(
                "Someone else saved this report while you were editing it. Your changes were not saved: "
                "their version is shown below; copy what you need and save again."
            )
        )
        self.current = current


@dataclass
class ReportData:
    status: str = ""
    completion: str = ""
    explanation: str = ""
    problems: str = ""
    next_steps: str = ""
    values: dict[int, Decimal | None] = field(default_factory=dict)  # indicator id -> value
    milestones_achieved: set[int] = field(default_factory=set)


def check_period(
    subitem: SubItem, period: date, *, reports: Iterable[ProgressReport] | None = None
) -> None:
    """A report or contribution is for one of the plan's reporting periods, and not for an item
    completed in an earlier period (it is not reported again). `reports`: the item's reports
    up to the period, when they were read already."""
    plan = subitem.project.plan
    if not plan.reports_on(period):
        if plan.is_quarterly and period.year == plan.year:
            raise ReportError(_("This plan is reported quarterly: choose a quarter-end month."))
        raise ReportError(
            _("%(period)s is not a reporting period of this plan.") % {"period": f"{period:%Y-%m}"}
        )
    done = (
        completed_report(subitem.pk, period)
        if reports is None
        else completed_among(reports, period)
    )
    if done is not None:
        raise ReportError(
            _("This item was completed in an earlier period and is not reported again.")
        )


def validate_report(*, data: ReportData, submit: bool) -> None:
    if submit and not data.status:
        raise ReportError(_("Choose a status before submitting."))
    if submit:
        _check_explanation(data)
    if submit and not data.completion.strip():
        raise ReportError(_("Describe what was done this period before submitting."))


def _check_explanation(data: ReportData) -> None:
    if data.status in NEEDS_EXPLANATION and not data.explanation.strip():
        raise ReportError(
            _(
                "An explanation (情况说明) is required when the item is ahead or lagging: say why and what happens next."
            )
        )


def report_save(
    *,
    subitem: SubItem,
    period: date,
    user,
    data: ReportData,
    expected_version: int | None,
    submit: bool = False,
    reports: Iterable[ProgressReport] | None = None,
    active_milestones: Iterable[int] | None = None,
) -> ProgressReport:
    """Create or update the report of one sub-item and period, as a draft or submitted.

    `expected_version` is the version the form was opened with (None for a new report).
    `reports` (the item's reports up to the period) and `active_milestones` (the pks of its
    active milestones): as the caller read them in this request (the form's view), not read
    again; the version check still refuses a report saved by someone else since.
    """
    # the item's reports up to the period, read once: whether an earlier one completed it,
    # and this period's (the one saved; the model's ordering would join up to the plans)
    if reports is None:
        reports = ProgressReport.objects.filter(subitem=subitem, period__lte=period).order_by()
    reports = {r.period: r for r in reports}
    check_period(subitem, period, reports=reports.values())
    validate_report(data=data, submit=submit)
    try:
        with transaction.atomic():
            report = _claim(
                subitem=subitem,
                period=period,
                existing=reports.get(period),
                expected_version=expected_version,
            )
            if report.state not in EDITABLE:
                raise ReportError(
                    _("This report is %(state)s and cannot be changed.")
                    % {"state": report.get_state_display()}
                )
            if report.state != State.DRAFT:
                # A returned report stays returned when saved: like a submitted one, it needs
                # its explanation (the database refuses it otherwise, which read as stale).
                _check_explanation(data)
            report.status = data.status
            report.completion = data.completion.strip()
            report.explanation = data.explanation.strip()
            report.problems = data.problems.strip()
            report.next_steps = data.next_steps.strip()
            report.source = ProgressReport.Source.WEB
            if submit:
                report.state = State.SUBMITTED
                report.submitted_by = user
                report.submitted_at = timezone.now()
            report._history_user = user
            created = report.pk is None  # a new report has no numbers nor marks to compare
            report.save()
            _save_values(report, subitem, data.values, created=created)
            # the form offers the active milestones; the marks on withdrawn ones are kept
            # (order_by(): the models' orderings, by sub-item, join up to the plans)
            if active_milestones is not None:
                active = set(active_milestones)
            else:
                active = set(subitem.milestones.active().order_by().values_list("pk", flat=True))
            marks = data.milestones_achieved & active
            if created:  # a new report has no marks to keep nor to compare
                if marks:
                    report.milestones_achieved.add(*marks)
            else:
                # what set() does, with the marks read once for both: kept and compared
                old = set(report.milestones_achieved.values_list("pk", flat=True))
                achieved = marks | (old - active)
                report.milestones_achieved.remove(*(old - achieved))
                report.milestones_achieved.add(*(achieved - old))
            if submit:
                ReviewEvent.objects.create(
                    report=report, action=ReviewEvent.Action.SUBMIT, actor=user
                )
            refresh_statuses(subitem_ids=[subitem.pk])
    except IntegrityError as exc:  # two first saves of one report at the same moment
        raise StaleReport(
            ProgressReport.objects.filter(subitem=subitem, period=period).first()
        ) from exc
    return report


def _claim(
    *,
    subitem: SubItem,
    period: date,
    existing: ProgressReport | None,
    expected_version: int | None,
) -> ProgressReport:
    """Take the report for this save (`existing`: as read before), or refuse when its version
    moved on.

    The conditional UPDATE both checks and bumps the version; on PostgreSQL a concurrent save
    waits for the row lock and then finds the version changed. A report first saved by
    someone else since it was read fails the insert (IntegrityError: stale too).
    """
    if existing is None:
        if expected_version:
            raise StaleReport(None)
        return ProgressReport(
            subitem=subitem, period=period, version=1
        )  # inserted by the caller's save()
    if expected_version is None or expected_version != existing.version:
        raise StaleReport(existing)
    # a copy: the caller's report stays as it was read when the save fails and rolls back
    existing = copy.copy(existing)
    claimed = ProgressReport.objects.filter(pk=existing.pk, version=expected_version).update(
        version=expected_version + 1
    )
    if not claimed:
        raise StaleReport(ProgressReport.objects.get(pk=existing.pk))
    existing.version = expected_version + 1
    return existing


def _save_values(
    report: ProgressReport, subitem: SubItem, values: dict[int, Decimal | None], *, created: bool
) -> None:
    if not any(value is not None for value in values.values()) and created:
        return  # nothing to write, nothing written before
    allowed = set(subitem.indicators.order_by().values_list("pk", flat=True))
    # read after the claim (not a caller's prefetched numbers): what the saved version holds
    current = (
        {} if created else {v.indicator_id: v for v in IndicatorValue.objects.filter(report=report)}
    )
    for indicator_id, value in values.items():
        if indicator_id not in allowed:
            continue
        row = current.get(indicator_id)
        if value is None:
            if row:
                row.delete()
        elif row is None:
            IndicatorValue.objects.create(report=report, indicator_id=indicator_id, value=value)
        elif row.value != value:
            row.value = value
            row.save(update_fields=["value"])


def contribution_save(*, subitem: SubItem, period: date, user, text: str) -> Contribution:
    """A co-operating unit's own account of what it did for the sub-item in the period."""
    if not text.strip():
        raise ReportError(_("Write what your unit did."))
    check_period(subitem, period)
    contribution, _created = Contribution.objects.get_or_create(
        subitem=subitem,
        period=period,
        unit_id=user.unit_id,
        defaults={"text": text.strip(), "author": user},
    )
    if not _created:
        contribution.text = text.strip()
        contribution.author = user
        contribution._history_user = user
        contribution.save()
    return contribution


# -- attachments ---------------------------------------------------------------------------

IMAGE_TYPES = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
DOCUMENT_TYPES = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
}
MAX_IMAGE_SIDE = 2560


def attachments_check_request(sizes: Sequence[int]) -> None:
    """The files of one save together: at most ATTACHMENT_REQUEST_MAX_BYTES."""

    total, limit = sum(sizes), settings.ATTACHMENT_REQUEST_MAX_BYTES
    if total > limit:
        raise ReportError(
            _(
                "The files sent together are %(size)s; at most %(limit)s can be sent at once. "
                "Send them in several saves."
            )
            % {"size": size_text(total), "limit": size_text(limit)}
        )


def attachment_add(*, report: ProgressReport, user, name: str, data: bytes) -> Attachment:
    """Check an upload's type and size; photos are re-encoded (no EXIF, no hidden payload)."""

    limit = settings.ATTACHMENT_MAX_BYTES
    if not data:
        raise ReportError(_("The file “%(name)s” is empty.") % {"name": name})
    if len(data) > limit:
        raise ReportError(
            _("The file “%(name)s” is larger than %(mb)d MB.")
            % {"name": name, "mb": limit // (1024 * 1024)}
        )
    held = report.attachments.aggregate(total=Sum("size"))["total"] or 0
    report_limit = settings.ATTACHMENT_REPORT_MAX_BYTES
    if held + len(data) > report_limit:
        raise ReportError(
            _(
                "The attachments of one report may total %(limit)s; this report holds "
                "%(held)s and “%(name)s” is %(size)s."
            )
            % {
                "limit": size_text(report_limit),
                "held": size_text(held),
                "name": name,
                "size": size_text(len(data)),
            }
        )
    ext = PurePath(name).suffix.lower()
    if ext in IMAGE_TYPES:
        content, content_type = _reencode_image(data, name)
        kind = Attachment.Kind.IMAGE
        ext = ".jpg" if content_type == "image/jpeg" else ".png"
    elif ext in DOCUMENT_TYPES:
        content_type, magic = DOCUMENT_TYPES[ext]
        if not data.startswith(magic):
            raise ReportError(
                _("The file “%(name)s” is not a real %(ext)s file.") % {"name": name, "ext": ext}
            )
        content, kind = data, Attachment.Kind.DOCUMENT
    else:
        raise ReportError(
            _(
                "Files of type “%(ext)s” cannot be attached: use photos (.jpg, .png) or .pdf, .docx, .xlsx."
            )
            % {"ext": ext or name}
        )
    attachment = Attachment(
        report=report,
        original_name=PurePath(name).name[:255],
        kind=kind,
        content_type=content_type,
        size=len(content),
        uploaded_by=user,
    )
    attachment.file.save(f"upload{ext}", ContentFile(content), save=False)
    attachment._history_user = user
    attachment.save()
    return attachment


def _reencode_image(data: bytes, name: str) -> tuple[bytes, str]:
    """The pixels are counted from the header (Image.open decodes nothing) and refused above
    IMAGE_MAX_PIXELS before any decoding: Pillow's own guard refuses only above twice its
    MAX_IMAGE_PIXELS (and merely warns between), which is set to the same limit besides."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = settings.IMAGE_MAX_PIXELS
    Image.MAX_IMAGE_PIXELS = limit
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            if width * height > limit:
                raise ReportError(
                    _(
                        "The photo “%(name)s” is %(width)d × %(height)d = %(pixels)s pixels; "
                        "photos may have at most %(limit)s pixels. Save it smaller and attach "
                        "it again."
                    )
                    % {
                        "name": name,
                        "width": width,
                        "height": height,
                        "pixels": f"{width * height:,}",
                        "limit": f"{limit:,}",
                    }
                )
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            img = ImageOps.exif_transpose(img)
            img.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            out = io.BytesIO()
            if img.mode in ("RGBA", "LA", "P"):
                img.convert("RGBA").save(out, "PNG", optimize=True)
                return out.getvalue(), "image/png"
            img.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            return out.getvalue(), "image/jpeg"
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ReportError(
            _("The file “%(name)s” is not a readable image.") % {"name": name}
        ) from exc
