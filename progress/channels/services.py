"""Writes of the channels: set one up, change it, remove it, send through it, and the one way
to deliver a message to a unit or a jurisdiction (`channels_deliver`).

Each send is recorded as a ChannelMessage (when, channel, kind, items, the answer) and leaves
the channel's health for the admin's page. A failing channel never stops the others: every
channel's trouble ends in its record, not in an exception.
"""

from __future__ import annotations

import logging
import re
import smtplib
import time
import urllib.parse
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, mailers
from django.core.validators import validate_email
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from progress.channels import crypto, robots
from progress.channels.models import Channel, ChannelMessage
from progress.channels.ratelimit import rate_done, rate_wait
from projects import roles
from projects.models import Jurisdiction, SubItem, Unit, User

logger = logging.getLogger(__name__)
MAX_ANSWER = 500


class ChannelError(Exception):
    """A channel that cannot be saved as asked; the message is for the user."""


# --- setting channels up ---------------------------------------------------------------------


def channel_create(
    *,
    user,
    kind: str,
    unit: Unit | None = None,
    jurisdiction: Jurisdiction | None = None,
    name: str = "",
    addresses: str = "",
    webhook: str = "",
    secret: str = "",
    enabled: bool = True,
) -> Channel:
    """A new channel for a unit or (exclusive) a jurisdiction."""
    if (unit is None) == (jurisdiction is None):
        raise ChannelError(_("A channel belongs to one unit or to one jurisdiction."))
    if kind not in Channel.Kind.values:
        raise ChannelError(_("Choose e-mail, WeCom or DingTalk."))
    channel = Channel(unit=unit, jurisdiction=jurisdiction, kind=kind, created_by=user)
    if channel.is_robot and not webhook.strip():
        raise ChannelError(_("Paste the robot's webhook address."))
    return _apply(
        channel, name=name, addresses=addresses, webhook=webhook, secret=secret, enabled=enabled
    )


def channel_update(
    *,
    channel: Channel,
    name: str,
    addresses: str = "",
    webhook: str = "",
    secret: str = "",
    remove_secret: bool = False,
    enabled: bool = True,
) -> Channel:
    """Change a channel. An empty webhook or secret keeps the stored one (it is never shown)."""
    if remove_secret:
        channel.secret_encrypted = ""
    return _apply(
        channel, name=name, addresses=addresses, webhook=webhook, secret=secret, enabled=enabled
    )


def channel_delete(*, channel: Channel) -> None:
    channel.delete()


def _apply(
    channel: Channel, *, name: str, addresses: str, webhook: str, secret: str, enabled: bool
) -> Channel:
    channel.name = name.strip()[:100]
    channel.enabled = enabled
    if channel.kind == Channel.Kind.EMAIL:
        channel.addresses = ", ".join(_clean_addresses(addresses))
    else:
        if webhook.strip():
            url = clean_webhook(channel.kind, webhook)
            channel.webhook_encrypted = crypto.encrypt(url)
            channel.hint = webhook_hint(url)
            channel.health, channel.last_answer = "", ""
        if secret.strip():
            if channel.kind != Channel.Kind.DINGTALK:
                raise ChannelError(_("Only a DingTalk robot has a signing secret."))
            channel.secret_encrypted = crypto.encrypt(secret.strip())
    channel.full_clean(exclude=["created_by"])
    channel.save()
    return channel


def _clean_addresses(text: str) -> list[str]:
    addresses = [a.strip() for a in re.split(r"[,，;；\s]+", text) if a.strip()]
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ChannelError(
                _("“%(address)s” is not an e-mail address.") % {"address": address}
            ) from None
    return addresses


def clean_webhook(kind: str, text: str) -> str:
    """The webhook URL, if it is the robot's own address (no other host is ever posted to)."""
    url = text.strip()
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    allowed = settings.CHANNELS_WEBHOOK_HOSTS.get(kind, ())
    https = parts.scheme == "https" or (
        parts.scheme == "http" and host in settings.CHANNELS_WEBHOOK_HTTP_HOSTS
    )
    query = urllib.parse.parse_qs(parts.query)
    token = "key" if kind == Channel.Kind.WECOM else "access_token"
    if not https or host not in allowed or not query.get(token):
        example = (
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
            if kind == Channel.Kind.WECOM
            else "https://oapi.dingtalk.com/robot/send?access_token=…"
        )
        raise ChannelError(
            _(
                "This is not the robot's webhook address: copy it from the group's robot settings (%(example)s)."
            )
            % {"example": example}
        )
    return url


def webhook_hint(url: str) -> str:
    """What the pages show of a webhook: its host and the last 4 characters of its key."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    key = (query.get("key") or query.get("access_token") or [""])[0]
    return f"{parts.hostname} …{key[-4:]}"


# --- sending ---------------------------------------------------------------------------------


def channels_deliver(
    *,
    unit: Unit | None = None,
    jurisdiction: Jurisdiction | None = None,
    kind: str,
    title: str,
    markdown: str,
    items: Iterable[SubItem | int] = (),
    link: str = "",
) -> list[ChannelMessage]:
    """Send one message through every enabled channel of a unit or of a jurisdiction; one
    record per channel. `markdown` uses the subset both robots read (**bold**, "- " lists,
    [text](url)), one line per line. Items must be the unit's own (led or co-operated) or the
    jurisdiction's: anything else is a programming error and nothing is sent."""
    if (unit is None) == (jurisdiction is None):
        raise ValueError("channels_deliver: give a unit or a jurisdiction")
    item_ids = sorted({i if isinstance(i, int) else i.pk for i in items})
    _check_items(item_ids, unit=unit, jurisdiction=jurisdiction)
    target = Q(unit=unit) if unit is not None else Q(jurisdiction=jurisdiction)
    channels = Channel.objects.filter(target, enabled=True).select_related(
        "unit__jurisdiction", "jurisdiction"
    )
    return [
        channel_send(
            channel=channel,
            kind=kind,
            title=title,
            markdown=markdown,
            item_ids=item_ids,
            link=link,
        )
        for channel in channels
    ]


def deliver_and_report(command, *, owner: Unit | Jurisdiction, message) -> int:
    """For the management commands: send a built Message (progress.channels.messages) to the
    owner's channels, write one line per channel to the command's stdout (sent) or stderr
    (failed), and return how many failed."""
    target = {"unit": owner} if isinstance(owner, Unit) else {"jurisdiction": owner}
    failed = 0
    for record in channels_deliver(
        **target,
        kind=message.kind,
        title=message.title,
        markdown=message.markdown,
        items=message.item_ids,
        link=message.link,
    ):
        if record.outcome == record.Outcome.SENT:
            command.stdout.write(f"{owner.name}: “{message.title}” sent through {record.channel}")
        else:
            failed += 1
            command.stderr.write(f"{owner.name}: {record.channel} failed: {record.answer}")
    return failed


def _check_items(item_ids: list[int], *, unit: Unit | None, jurisdiction: Jurisdiction | None):
    if not item_ids:
        return
    qs = SubItem.objects.filter(pk__in=item_ids)
    if unit is not None:
        qs = qs.filter(Q(lead_unit=unit) | Q(co_unit_links__unit=unit))
    else:
        qs = qs.filter(project__plan__jurisdiction=jurisdiction)
    foreign = set(item_ids) - set(qs.values_list("pk", flat=True))
    if foreign:
        raise ValueError(f"channels_deliver: items {sorted(foreign)} are not the target's")


def channel_test(*, channel: Channel) -> ChannelMessage:
    """A short test message; the record's answer says whether it arrived."""
    with translation.override(settings.LANGUAGE_CODE):
        owner = channel.unit or channel.jurisdiction
        title = _("Test message from Shishi progress")
        markdown = _(
            "This group will receive the reminders and notices of **%(owner)s** from here on."
        ) % {"owner": owner}
    return channel_send(
        channel=channel,
        kind=ChannelMessage.Kind.TEST,
        title=title,
        markdown=markdown,
        link=settings.SITE_URL + "/",
    )


def channel_send(
    *,
    channel: Channel,
    kind: str,
    title: str,
    markdown: str,
    item_ids: Iterable[int] = (),
    link: str = "",
) -> ChannelMessage:
    """Send through one channel, within its rate limit, retrying with back-off; record it."""
    with translation.override(settings.LANGUAGE_CODE):
        if link:
            markdown = f"{markdown.rstrip()}\n[{_('Open in Shishi progress')}]({link})"
        if channel.kind == Channel.Kind.EMAIL:
            outcome = _send_email(channel, title=title, markdown=markdown)
        else:
            outcome = _send_robot(channel, title=title, markdown=markdown)
    answer, attempts, sent_text = outcome
    now = timezone.now()
    message = ChannelMessage.objects.create(
        channel=channel,
        kind=kind,
        title=title[:200],
        body=sent_text,
        item_ids=list(item_ids),
        outcome=ChannelMessage.Outcome.SENT if answer.ok else ChannelMessage.Outcome.FAILED,
        attempts=attempts,
        errcode=answer.errcode,
        answer=answer.words[:MAX_ANSWER],
    )
    channel.health = Channel.Health.OK if answer.ok else Channel.Health.FAILING
    channel.last_answer = answer.words[:MAX_ANSWER]
    channel.last_used_at = now
    Channel.objects.filter(pk=channel.pk).update(
        health=channel.health, last_answer=channel.last_answer, last_used_at=now
    )
    if not answer.ok:
        # the channel's id and the answer in words: never its URL or secret
        logger.warning("channel %s (%s) failed: %s", channel.pk, channel.kind, answer.words)
    return message


def _send_robot(channel: Channel, *, title: str, markdown: str) -> tuple[robots.Answer, int, str]:
    body = robots.body_for(channel.kind, title=title, markdown=markdown)
    sent_text = body["markdown"].get("content") or body["markdown"].get("text", "")
    try:
        url = crypto.decrypt(channel.webhook_encrypted)
        secret = crypto.decrypt(channel.secret_encrypted)
    except crypto.SecretUnreadable:
        words = _(
            "The stored webhook cannot be decrypted with CHANNELS_SECRET_KEY: paste it again."
        )
        return robots.Answer(ok=False, errcode=None, errmsg="", words=words), 0, sent_text
    answer = robots.Answer(ok=False, errcode=None, errmsg="", words="")
    attempts = 0
    for attempt in range(max(settings.CHANNELS_ATTEMPTS, 1)):
        post_id = rate_wait(channel_id=channel.pk)
        if post_id is None:
            words = _(
                "Not sent: the robot's limit of %(limit)s messages in %(window)s seconds stayed "
                "reached."
            ) % {
                "limit": settings.CHANNELS_RATE_LIMIT,
                "window": int(settings.CHANNELS_RATE_WINDOW),
            }
            answer = robots.Answer(ok=False, errcode=None, errmsg="", words=words)
            break
        attempts += 1
        target = url
        if channel.kind == Channel.Kind.DINGTALK:
            target = robots.dingtalk_url(url, secret, int(time.time() * 1000))
        answer = robots.post(channel.kind, target, body, timeout=settings.CHANNELS_TIMEOUT)
        rate_done(post_id=post_id)
        if answer.ok or not answer.retry or attempt == settings.CHANNELS_ATTEMPTS - 1:
            break
        time.sleep(_backoff(attempt, answer.retry_after))
    if attempts > 1:
        answer = robots.Answer(
            ok=answer.ok,
            errcode=answer.errcode,
            errmsg=answer.errmsg,
            words=_("%(answer)s (after %(n)s attempts)") % {"answer": answer.words, "n": attempts},
        )
    return answer, attempts, sent_text


def _backoff(attempt: int, retry_after: float | None) -> float:
    base = settings.CHANNELS_BACKOFF * (2**attempt)
    if retry_after is not None:
        return min(max(retry_after, base), settings.CHANNELS_RATE_MAX_WAIT)
    return base


def _send_email(channel: Channel, *, title: str, markdown: str) -> tuple[robots.Answer, int, str]:
    text = plain_text(robots.mask_phones(markdown))
    to = email_recipients(channel)
    if not to:
        words = _("Nobody to e-mail: no address is set and nobody here has one.")
        return robots.Answer(ok=False, errcode=None, errmsg="", words=words), 0, text
    message = EmailMessage(subject=robots.mask_phones(title), body=text, to=to)
    attempts = 0
    for attempt in range(max(settings.CHANNELS_ATTEMPTS, 1)):
        attempts += 1
        try:
            mailers.default.send_messages([message])
        except (smtplib.SMTPException, OSError) as exc:
            words = _("The mail server refused: %(error)s") % {"error": str(exc)[:200]}
            if attempt < settings.CHANNELS_ATTEMPTS - 1:
                time.sleep(_backoff(attempt, None))
            continue
        words = _("E-mailed to %(count)s address(es).") % {"count": len(to)}
        return robots.Answer(ok=True, errcode=None, errmsg="", words=words), attempts, text
    return robots.Answer(ok=False, errcode=None, errmsg="", words=words), attempts, text


def email_recipients(channel: Channel) -> list[str]:
    """The channel's addresses; without any, the unit's active reporters (the jurisdiction's
    active supervisors) that have an address."""
    if channel.addresses.strip():
        return [a.strip() for a in channel.addresses.split(",") if a.strip()]
    users = User.objects.filter(is_active=True).exclude(email="")
    if channel.unit_id:
        users = users.filter(unit_id=channel.unit_id, groups__name=roles.REPORTER)
    else:
        users = users.filter(jurisdiction_id=channel.jurisdiction_id, groups__name=roles.SUPERVISOR)
    return list(dict.fromkeys(users.order_by("username").values_list("email", flat=True)))


LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def plain_text(markdown: str) -> str:
    """The common markdown as an e-mail's plain text."""
    text = LINK.sub(r"\1: \2", markdown)
    return text.replace("**", "").strip() + "\n"
