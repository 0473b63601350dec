"""The background task that delivers one message (django.tasks: the default ImmediateBackend
runs it at once; a worker backend runs it later), and `deliver_later`, which enqueues it once
the current transaction commits."""

from __future__ import annotations

from django.db import transaction
from django.tasks import task

from progress.channels.messages import Message
from projects.models import Jurisdiction, Unit


@task
def deliver(
    *,
    unit_id: int | None = None,
    jurisdiction_id: int | None = None,
    kind: str,
    title: str,
    markdown: str,
    item_ids: list[int],
    link: str,
) -> dict[str, int]:
    """channels_deliver for ids (a task's arguments are JSON); how many sent and failed."""
    from progress.channels.services import channels_deliver

    unit = Unit.objects.filter(pk=unit_id).first() if unit_id else None
    jurisdiction = (
        Jurisdiction.objects.filter(pk=jurisdiction_id).first() if jurisdiction_id else None
    )
    if unit is None and jurisdiction is None:
        return {"sent": 0, "failed": 0}
    records = channels_deliver(
        unit=unit,
        jurisdiction=jurisdiction,
        kind=kind,
        title=title,
        markdown=markdown,
        items=item_ids,
        link=link,
    )
    sent = sum(1 for r in records if r.outcome == "sent")
    return {"sent": sent, "failed": len(records) - sent}


def deliver_later(
    message: Message, *, unit: Unit | None = None, jurisdiction: Jurisdiction | None = None
) -> None:
    """Enqueue the delivery when the current transaction commits (at once outside one)."""
    kwargs = {
        "unit_id": unit.pk if unit else None,
        "jurisdiction_id": jurisdiction.pk if jurisdiction else None,
        "kind": str(message.kind),
        "title": message.title,
        "markdown": message.markdown,
        "item_ids": list(message.item_ids),
        "link": message.link,
    }
    transaction.on_commit(lambda: deliver.enqueue(**kwargs))
