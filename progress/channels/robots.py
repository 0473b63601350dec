"""The two group robots: each one's markdown dialect and JSON body, DingTalk's signature, one
HTTP post and its answer in words.

企业微信 (WeCom): POST the webhook URL (…/cgi-bin/webhook/send?key=…) with
{"msgtype": "markdown", "markdown": {"content": …}}, content at most 4096 bytes; a single
newline breaks the line. 钉钉 (DingTalk): POST …/robot/send?access_token=… with
{"msgtype": "markdown", "markdown": {"title": …, "text": …}}; a paragraph needs a blank line;
with 加签, `&timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256 of "<ms>\\n<secret>" keyed by
the secret>`. Both answer HTTP 200 with {"errcode": 0, "errmsg": "ok"} or an errcode, and both
allow about 20 messages a minute per robot (WeCom answers 45009; DingTalk 130101 and then
refuses for 10 minutes). Nothing here logs or returns the URL: it carries the robot's key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

WECOM_MAX_BYTES = 4096
DINGTALK_MAX_BYTES = 18000  # well under the robot's limit for one message
RATE_LIMIT_ERRCODES = {"wecom": {45009}, "dingtalk": {130101}}
# Errcodes whose meaning we know, in words for the admin (the robot's own errmsg follows).
KNOWN_ERRCODES = {
    ("wecom", 93000): gettext_noop(
        "The webhook address is not valid: check the key, or the robot was removed from the group."
    ),
    ("wecom", 45009): gettext_noop("Too many messages: the robot takes at most 20 a minute."),
    ("wecom", 40008): gettext_noop("The robot refused the message type."),
    ("wecom", 44004): gettext_noop("The message was empty."),
    ("dingtalk", 310000): gettext_noop(
        "The robot's security settings refused the message: the signing secret is wrong, or a keyword or IP address rule does not match."
    ),
    ("dingtalk", 130101): gettext_noop(
        "Too many messages: the robot takes at most 20 a minute and now refuses for 10 minutes."
    ),
    ("dingtalk", 300001): gettext_noop("The access token is not valid: check the webhook address."),
}
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@dataclass(frozen=True)
class Answer:
    """What one post got back: ok or not, the robot's errcode and errmsg, and whether it is
    worth trying again (timeouts, 429, 5xx, a rate-limit errcode)."""

    ok: bool
    errcode: int | None
    errmsg: str
    retry: bool = False
    retry_after: float | None = None
    words: str = ""


# --- the message, in each dialect ------------------------------------------------------------


def mask_phones(text: str) -> str:
    """Mobile numbers (e.g. typed into a comment) never reach a group."""
    return PHONE.sub(lambda m: m.group(0)[:3] + "********", text)


def _truncate(text: str, max_bytes: int) -> str:
    raw = text.encode()
    if len(raw) <= max_bytes:
        return text
    return raw[: max_bytes - 3].decode(errors="ignore") + "…"


def wecom_body(*, title: str, markdown: str) -> dict:
    content = f"**{title}**\n{markdown.strip()}"
    return {"msgtype": "markdown", "markdown": {"content": _truncate(content, WECOM_MAX_BYTES)}}


def dingtalk_body(*, title: str, markdown: str) -> dict:
    # DingTalk joins single newlines: every line of ours is its own paragraph there
    lines = [line for line in markdown.strip().split("\n") if line.strip()]
    text = "\n\n".join([f"#### {title}", *lines])
    return {
        "msgtype": "markdown",
        "markdown": {"title": title, "text": _truncate(text, DINGTALK_MAX_BYTES)},
    }


def body_for(kind: str, *, title: str, markdown: str) -> dict:
    title, markdown = mask_phones(title), mask_phones(markdown)
    if kind == "wecom":
        return wecom_body(title=title, markdown=markdown)
    return dingtalk_body(title=title, markdown=markdown)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The base64 HMAC-SHA256 of "<timestamp>\\n<secret>", keyed by the secret (not quoted)."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def dingtalk_url(url: str, secret: str, timestamp_ms: int) -> str:
    if not secret:
        return url
    sign = urllib.parse.quote_plus(dingtalk_sign(secret, timestamp_ms))
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={sign}"


# --- one post --------------------------------------------------------------------------------


def post(kind: str, url: str, body: dict, *, timeout: float) -> Answer:
    """POST the JSON body; the answer in words. Never raises for network trouble."""
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
        if exc.code == 429:
            words = _("The robot's server answered HTTP 429: too many requests.")
        else:
            words = _("The robot's server answered HTTP %(code)s.") % {"code": exc.code}
        return Answer(
            ok=False,
            errcode=None,
            errmsg=f"HTTP {exc.code}",
            retry=exc.code == 429 or exc.code >= 500,
            retry_after=retry_after,
            words=words,
        )
    except TimeoutError:
        return _no_answer(_("No answer within %(seconds)s seconds.") % {"seconds": timeout})
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            return _no_answer(_("No answer within %(seconds)s seconds.") % {"seconds": timeout})
        return _no_answer(
            _("Could not reach the robot's server: %(reason)s") % {"reason": _reason(exc)}
        )
    except OSError as exc:
        return _no_answer(
            _("Could not reach the robot's server: %(reason)s") % {"reason": _reason(exc)}
        )
    return read_answer(kind, raw)


def read_answer(kind: str, raw: bytes) -> Answer:
    """The robot's JSON answer: errcode 0 is success; anything else in words."""
    try:
        payload = json.loads(raw.decode("utf-8", errors="replace"))
        errcode = int(payload.get("errcode"))
        errmsg = str(payload.get("errmsg", ""))[:300]
    except (ValueError, TypeError, AttributeError):
        return Answer(
            ok=False,
            errcode=None,
            errmsg="",
            words=_("The robot's answer was not understood: %(text)s")
            % {"text": raw[:200].decode("utf-8", errors="replace")},
        )
    if errcode == 0:
        return Answer(
            ok=True,
            errcode=0,
            errmsg=errmsg,
            words=_("Delivered (errcode 0, %(msg)s).") % {"msg": errmsg},
        )
    known = KNOWN_ERRCODES.get((kind, errcode))
    meaning = _(known) if known else _("The robot refused the message.")
    words = _("%(meaning)s (errcode %(code)s: %(msg)s)") % {
        "meaning": meaning,
        "code": errcode,
        "msg": errmsg,
    }
    return Answer(
        ok=False,
        errcode=errcode,
        errmsg=errmsg,
        retry=errcode in RATE_LIMIT_ERRCODES.get(kind, ()),
        words=words,
    )


def _no_answer(words: str) -> Answer:
    return Answer(ok=False, errcode=None, errmsg="", retry=True, words=words)


def _reason(exc: OSError) -> str:
    reason = (
        getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc.__class__.__name__
    )
    return str(reason)[:200]


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
