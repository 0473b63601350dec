"""Import batches: the dry run that makes a preview, and the confirmed run that writes.

The uploaded bytes are kept in the batch's file so that whichever app server receives the
confirmation can apply exactly what the admin saw in the preview.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import PurePath
from typing import Any
from uuid import uuid4

from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from importers.models import ImportBatch
from importers.services import ImportOutcome, run_import
from importers.types import ImportFileError
from projects.models import Jurisdiction

SAMPLE_PROJECTS = 5
SAMPLE_SUBITEMS = 10
NOT_IN_FILE_SHOWN = 200  # rows of each kind kept for the preview; the totals are kept too


class ConfirmationNeeded(Exception):
    """The confirmed import changes so much of the plan that it needs the second confirmation;
    nothing was written and the batch waits for confirmation still. The message names the
    numbers, in the user's language."""


def _plain(value: Any) -> Any:
    """Whatever the service put in its document, as plain JSON (dates and decimals as text)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _sample(projects: list[dict]) -> list[dict]:
    """The first few projects, cut down to what the preview shows."""
    sample = []
    for project in projects[:SAMPLE_PROJECTS]:
        subitems = project.get("subitems") or []
        sample.append(
            {
                "number": project.get("number"),
                "category": project.get("category"),
                "name": project.get("name"),
                "leaders": project.get("leaders") or [],
                "page": project.get("page"),
                "subitem_total": len(subitems),
                "subitems": [
                    {
                        "number": sub.get("number"),
                        "name": sub.get("name"),
                        "lead_unit": sub.get("lead_unit"),
                        "co_units": sub.get("co_units") or [],
                        "milestones": len(sub.get("milestones") or []),
                        "indicators": sub.get("indicators") or [],
                        "status": (sub.get("report") or {}).get("status"),
                        "page": sub.get("page"),
                    }
                    for sub in subitems[:SAMPLE_SUBITEMS]
                ],
            }
        )
    return sample


def _left_out(outcome: ImportOutcome) -> dict[str, Any]:
    """What the file leaves out (the first rows of each kind, and how many) and the impact on
    the plan, for the preview's "not in this file" list and its second confirmation."""
    left_out = _plain(outcome.document.get("not_in_file") or {})
    return {
        "not_in_file": {kind: rows[:NOT_IN_FILE_SHOWN] for kind, rows in left_out.items()},
        "not_in_file_total": {kind: len(rows) for kind, rows in left_out.items()},
        "impact": asdict(outcome.impact) if outcome.impact else None,
    }


def _options(batch: ImportBatch) -> dict[str, Any]:
    return {
        "jurisdiction": batch.jurisdiction_name or None,
        "year": batch.year,
        "period": batch.period or None,
    }


def batch_create(
    *,
    data: bytes,
    filename: str,
    jurisdiction: str | None = None,
    year: int | None = None,
    period: str | None = None,
    user=None,
) -> ImportBatch:
    """Dry-run the import and keep the file and what it would do. Writes no plan data.

    Raises ImportFileError (nothing stored) when the file cannot be read at all.
    """
    summary = _preview(
        data=data,
        filename=filename,
        jurisdiction=jurisdiction or None,
        year=year,
        period=period or None,
        user=user,
    )
    batch = ImportBatch(
        original_name=PurePath(filename).name[:255],
        jurisdiction_name=jurisdiction or "",
        year=year,
        period=period or "",
        summary=summary,
        created_by=user if user is not None and user.is_authenticated else None,
        jurisdiction=Jurisdiction.objects.filter(name=summary["jurisdiction"]).first()
        if summary["jurisdiction"]
        else None,
    )
    ext = PurePath(filename).suffix.lower()
    batch.file.save(f"{uuid4().hex}{ext}", ContentFile(data), save=False)
    batch.full_clean()
    batch.save()
    return batch


def _preview(*, data: bytes, filename: str, user=None, **options) -> dict[str, Any]:
    """The dry run of a file and what its preview shows."""
    outcome = run_import(data=data, filename=filename, dry_run=True, user=user, **options)
    document = _plain(outcome.document)
    projects = document.get("projects") or []
    return {
        "title": document.get("title") or "",
        "jurisdiction": document.get("jurisdiction") or "",
        "year": document.get("year"),
        "period": document.get("period") or "",
        "sources": document.get("sources") or {},
        "counts": document.get("summary") or {},
        "changes": _plain(outcome.changes),
        "updated_rows": document.get("updated_rows") or [],
        "errors": document.get("errors") or [],
        "warnings": document.get("warnings") or [],
        "skipped": document.get("skipped") or [],
        "unread_columns": document.get("unread_columns") or [],
        "project_total": len(projects),
        "sample": _sample(projects),
        **_left_out(outcome),
    }


def batch_set_options(
    *,
    batch: ImportBatch,
    jurisdiction: str | None = None,
    year: int | None = None,
    period: str | None = None,
    user=None,
) -> bool:
    """Give a previewed batch the jurisdiction, year or period its title does not say, and
    preview the stored file again with them: no second upload. False, doing nothing, when the
    batch is no longer waiting for confirmation. Raises ImportFileError when the stored file
    cannot be read (it could be when it was uploaded: only a lost file fails here)."""
    if batch.state != ImportBatch.State.PREVIEWED:
        return False
    try:
        with batch.file.open("rb") as fh:
            data = fh.read()
    except (OSError, ValueError) as exc:
        raise ImportFileError(_("The uploaded file is no longer stored; upload it again.")) from exc
    options = {
        "jurisdiction": jurisdiction or batch.jurisdiction_name or None,
        "year": year or batch.year,
        "period": period or batch.period or None,
    }
    summary = _preview(data=data, filename=batch.original_name, user=user, **options)
    batch.jurisdiction_name = options["jurisdiction"] or ""
    batch.year = options["year"]
    batch.period = options["period"] or ""
    batch.summary = summary
    batch.jurisdiction = (
        Jurisdiction.objects.filter(name=summary["jurisdiction"]).first()
        if summary["jurisdiction"]
        else None
    )
    batch.full_clean(exclude=["file"])
    batch.save()
    return True


def batch_apply(
    *,
    batch: ImportBatch,
    user=None,
    withdraw_missing: bool = False,
    confirm_large: bool = False,
) -> bool:
    """Run the confirmed import once. Returns False, doing nothing, when the batch was not
    waiting for confirmation (already applied or failed, perhaps by a parallel request).

    withdraw_missing withdraws (撤销) what the file leaves out. A large change without
    confirm_large raises ConfirmationNeeded and leaves the batch waiting, nothing written.

    The batch is claimed with a conditional UPDATE inside the transaction, so a second
    confirmation blocks until the first commits and then finds nothing to claim.
    """
    with transaction.atomic():
        claimed = ImportBatch.objects.filter(pk=batch.pk, state=ImportBatch.State.PREVIEWED).update(
            state=ImportBatch.State.APPLIED, applied_at=timezone.now()
        )
        batch.refresh_from_db()
        if not claimed:
            return False
        summary = dict(batch.summary)
        try:
            with batch.file.open("rb") as fh:
                data = fh.read()
        except (OSError, ValueError):
            _fail(batch, summary, _("The uploaded file is no longer stored; upload it again."))
            return True
        try:
            outcome = run_import(
                data=data,
                filename=batch.original_name,
                dry_run=False,
                withdraw_missing=withdraw_missing,
                confirm_large=confirm_large,
                user=user,
                **_options(batch),
            )
        except ImportFileError as exc:
            _fail(batch, summary, str(exc))
            return True
        if outcome.needs_confirmation:  # rolls the claim back with the transaction
            raise ConfirmationNeeded(outcome.confirmation_message())
        document = _plain(outcome.document)
        summary["result"] = {"changes": _plain(outcome.changes)}
        if not outcome.applied:
            summary["errors"] = document.get("errors") or []
            summary["warnings"] = document.get("warnings") or []
            _fail(batch, summary, _("The file has errors; nothing was imported."))
            return True
        batch.plan_id = outcome.plan_id
        if batch.plan_id and batch.jurisdiction_id is None:
            batch.jurisdiction = Jurisdiction.objects.filter(plans__id=batch.plan_id).first()
        batch.summary = summary
        batch.save(update_fields=["plan", "jurisdiction", "summary"])
    return True


def _fail(batch: ImportBatch, summary: dict, message: str) -> None:
    summary["failure"] = message
    batch.state = ImportBatch.State.FAILED
    batch.applied_at = None
    batch.summary = summary
    batch.save(update_fields=["state", "applied_at", "summary"])


def batch_record(
    *, data: bytes, filename: str, outcome, options: dict[str, Any], user=None
) -> ImportBatch:
    """Keep an import applied outside the web page (the command line) with its file, so every
    import is on record with who, when and what was read."""
    document = _plain(outcome.document)
    batch = ImportBatch(
        original_name=PurePath(filename).name[:255],
        jurisdiction_name=options.get("jurisdiction") or "",
        year=options.get("year"),
        period=options.get("period") or "",
        state=ImportBatch.State.APPLIED,
        applied_at=timezone.now(),
        plan_id=outcome.plan_id,
        jurisdiction=Jurisdiction.objects.filter(plans__id=outcome.plan_id).first(),
        created_by=user if user is not None and user.is_authenticated else None,
        summary={
            "title": document.get("title") or "",
            "jurisdiction": document.get("jurisdiction") or "",
            "year": document.get("year"),
            "period": document.get("period") or "",
            "counts": document.get("summary") or {},
            "changes": _plain(outcome.changes),
            "errors": [],
            "warnings": document.get("warnings") or [],
            "project_total": len(document.get("projects") or []),
            "sample": [],
            **_left_out(outcome),
            "result": {"changes": _plain(outcome.changes)},
        },
    )
    batch.file.save(
        f"{uuid4().hex}{PurePath(filename).suffix.lower()}", ContentFile(data), save=False
    )
    batch.save()
    return batch
