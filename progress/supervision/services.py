"""Writes of supervision: issue a notice (on one item or several), reply, accept, send back;
dismiss a data-quality flag. Keyword-only typed functions; each checks its own rules and
raises SupervisionError with a message for the user; every step is kept as a NoticeEvent with
who and when, and the notice itself in its history (django-simple-history).

Other areas hook in here (issue 16 sends the events to WeCom/DingTalk): `notice_create`
returns the notices it made; `selectors.notices_due_tomorrow` and `selectors.notices_overdue`
list what a daily job announces.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from progress.supervision.models import (
    Notice,
    NoticeAttachment,
    NoticeEvent,
    ReportFlag,
)
from projects.models import SubItem, Unit

Action = NoticeEvent.Action
State = Notice.State


class SupervisionError(Exception):
    """A rule refused the change; the message is for the user (in the active language)."""


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def notice_create(
    *,
    subitems: Sequence[SubItem],
    user,
    level: str,
    requirement: str,
    reply_due: date,
    today: date | None = None,
) -> list[Notice]:
    """One notice per sub-item (its lead unit answers), all in one batch and one transaction."""
    today = today or timezone.localdate()
    if not subitems:
        raise SupervisionError(_("Choose at least one item."))
    if level not in Notice.Level.values:
        raise SupervisionError(_("Choose the level of the notice."))
    if not requirement.strip():
        raise SupervisionError(_("Write what the unit is required to do."))
    if reply_due < today:
        raise SupervisionError(_("The reply deadline cannot be in the past."))
    without_unit = [s for s in subitems if s.lead_unit_id is None]
    if without_unit:
        raise SupervisionError(
            _("“%(item)s” has no lead unit: nobody could reply to a notice.")
            % {"item": without_unit[0].name}
        )
    notices = []
    with transaction.atomic():
        first = None
        for subitem in subitems:
            notice = Notice(
                subitem=subitem,
                unit_id=subitem.lead_unit_id,
                jurisdiction_id=subitem.project.plan.jurisdiction_id,
                level=level,
                requirement=requirement.strip(),
                reply_due=reply_due,
                created_by=user,
            )
            if first is not None:
                notice.batch = first.batch
            notice.full_clean()
            notice._history_user = user
            notice.save()
            first = first or notice
            NoticeEvent.objects.create(
                notice=notice, action=Action.ISSUE, text=notice.requirement, actor=user
            )
            notices.append(notice)
    _announce_new(notices)
    return notices


def _announce_new(notices: list[Notice]) -> None:
    """Each unit's channels hear of its new notices once they are committed (progress/channels)."""
    from progress.channels.messages import notice_message
    from progress.channels.models import ChannelMessage
    from progress.channels.tasks import deliver_later

    by_unit: dict[int, list[Notice]] = {}
    for notice in notices:
        by_unit.setdefault(notice.unit_id, []).append(notice)
    for unit in Unit.objects.filter(pk__in=by_unit, channels__enabled=True).distinct():
        message = notice_message(
            kind=ChannelMessage.Kind.NOTICE_NEW, unit=unit, notices=by_unit[unit.pk]
        )
        deliver_later(message, unit=unit)


def notice_reply(
    *,
    notice: Notice,
    user,
    text: str,
    expected_completion: date | None,
    files: Iterable[Upload] = (),
) -> NoticeEvent:
    """The lead unit's reply: measures taken and the expected completion date, with material."""
    if notice.state != State.OPEN:
        raise SupervisionError(_("This notice is not waiting for a reply."))
    if user.unit_id != notice.unit_id:
        raise SupervisionError(_("Only the unit the notice is addressed to can reply."))
    if not text.strip():
        raise SupervisionError(_("Write the measures your unit has taken."))
    if expected_completion is None:
        raise SupervisionError(_("Give the expected completion date."))
    checked = [_checked_file(f) for f in files]
    with transaction.atomic():
        now = timezone.now()
        notice.state = State.REPLIED
        notice.reply = text.strip()
        notice.expected_completion = expected_completion
        notice.replied_at = notice.replied_at or now
        notice._history_user = user
        notice.save()
        event = NoticeEvent.objects.create(
            notice=notice,
            action=Action.REPLY,
            text=notice.reply,
            expected_completion=expected_completion,
            actor=user,
        )
        for name, content, content_type, ext in checked:
            attachment = NoticeAttachment(
                event=event, original_name=name, content_type=content_type, size=len(content)
            )
            attachment.file.save(f"upload{ext}", ContentFile(content), save=False)
            attachment.save()
    return event


def notice_accept(*, notice: Notice, user, comment: str = "") -> NoticeEvent:
    """The supervisor accepts the reply: the notice is closed."""
    if notice.state != State.REPLIED:
        raise SupervisionError(_("Only a replied notice can be accepted."))
    with transaction.atomic():
        notice.state = State.CLOSED
        notice.closed_at = timezone.now()
        notice._history_user = user
        notice.save()
        return NoticeEvent.objects.create(
            notice=notice, action=Action.ACCEPT, text=comment.strip(), actor=user
        )


def notice_return(
    *, notice: Notice, user, comment: str, reply_due: date | None = None, today: date | None = None
) -> NoticeEvent:
    """The supervisor sends the reply back (with why); the notice waits for a reply again,
    by a new deadline when one is given."""
    today = today or timezone.localdate()
    if notice.state != State.REPLIED:
        raise SupervisionError(_("Only a replied notice can be sent back."))
    if not comment.strip():
        raise SupervisionError(_("Say why the reply is sent back."))
    if reply_due is not None and reply_due < today:
        raise SupervisionError(_("The reply deadline cannot be in the past."))
    with transaction.atomic():
        notice.state = State.OPEN
        if reply_due is not None:
            notice.reply_due = reply_due
        notice._history_user = user
        notice.save()
        return NoticeEvent.objects.create(
            notice=notice, action=Action.RETURN, text=comment.strip(), actor=user
        )


def flag_dismiss(*, flag: ReportFlag, user, reason: str) -> ReportFlag:
    """A supervisor dismisses a flag with a reason (kept with who and when)."""
    if flag.dismissed_at is not None:
        raise SupervisionError(_("This flag is already dismissed."))
    if not reason.strip():
        raise SupervisionError(_("Say why the flag is dismissed."))
    flag.dismissed_at = timezone.now()
    flag.dismissed_by = user
    flag.dismissed_reason = reason.strip()
    flag._history_user = user
    flag.save()
    return flag


def _checked_file(upload: Upload) -> tuple[str, bytes, str, str]:
    """(name, content, content type, extension) of an accepted file, or SupervisionError: the
    types and checks of the report attachments (photos re-encoded, documents by magic bytes)."""
    from progress.reporting.services import (
        DOCUMENT_TYPES,
        IMAGE_TYPES,
        ReportError,
        _reencode_image,
    )

    name, data = PurePath(upload.name).name[:255], upload.data
    limit = settings.NOTICE_ATTACHMENT_MAX_BYTES
    if not data:
        raise SupervisionError(_("The file “%(name)s” is empty.") % {"name": name})
    if len(data) > limit:
        raise SupervisionError(
            _("The file “%(name)s” is larger than %(mb)d MB.")
            % {"name": name, "mb": limit // (1024 * 1024)}
        )
    ext = PurePath(name).suffix.lower()
    if ext in IMAGE_TYPES:
        try:
            content, content_type = _reencode_image(data, name)
        except ReportError as exc:
            raise SupervisionError(str(exc)) from exc
        return name, content, content_type, ".jpg" if content_type == "image/jpeg" else ".png"
    if ext in DOCUMENT_TYPES:
        content_type, magic = DOCUMENT_TYPES[ext]
        if not data.startswith(magic):
            raise SupervisionError(
                _("The file “%(name)s” is not a real %(ext)s file.") % {"name": name, "ext": ext}
            )
        return name, data, content_type, ext
    raise SupervisionError(
        _(
            "Files of type “%(ext)s” cannot be attached: use photos (.jpg, .png) or .pdf, .docx, .xlsx."
        )
        % {"ext": ext or name}
    )
