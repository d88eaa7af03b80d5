"""The sender: delivers the outbox's due rows by e-mail (SMTP) and to the office robots (webhook).

``deliver_due(limit)`` is the whole job, a plain function: ``flask --app wsgi notify send`` runs it from cron,
and an RQ worker can run it the same way. It is safe to run often and twice at once:

- **Claiming.** Rows are taken a few at a time by one conditional UPDATE that sets a claim token and a lease
  (``WHERE status = 'pending' AND next_attempt_at <= now AND (no lease OR lease expired)``; on PostgreSQL the
  candidate rows are locked first ``FOR UPDATE SKIP LOCKED``, on SQLite the database lock serialises the UPDATE).
  Two senders never hold the same row; a sender killed mid-batch leaves leases that expire (``LEASE``), and a
  later run takes those rows again.
- **Each row is finished on its own commit**, right after its message was accepted: a crash loses at most the
  "sent" mark of the one message in flight.
- **Exactly once, honestly.** Between the SMTP server's (or webhook's) "accepted" and that commit there is a
  window no sender can close: if the process dies there, the row is sent again after its lease. Every message
  therefore carries a stable identity derived from the delivery id — the e-mail's ``Message-ID``
  (``<notification-delivery-<id>@<domain>>``) and the webhook's ``Idempotency-Key`` header — so the receiver
  (a mail store, a deduplicating gateway) can drop that duplicate.
- **Retries.** A temporary failure (no connection, time-out, SMTP 4xx, HTTP 5xx/429) is tried again after an
  exponential back-off (``BACKOFF_BASE`` × 2^(attempt−1), at most ``BACKOFF_MAX``); a permanent one (SMTP 5xx,
  HTTP 4xx, a robot's own error code) or the ``MAX_ATTEMPTS``-th failure marks the row failed, which the
  office administrator sees (with the error) and can send again.

Without ``SMTP_URL`` (development) e-mails are written to ``MAIL_DIR`` as ``.eml`` files, one per delivery
(named by its id, so a repeat overwrites rather than doubles).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import smtplib
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from ..extensions import db
from ..models import Notification, NotificationDelivery, Office, User
from ..models.base import utcnow
from ..models.notify import CHANNEL_EMAIL, CHANNEL_WEBHOOK, DELIVERY_FAILED, DELIVERY_PENDING, DELIVERY_SENT
from .outbox import active_robot

CHUNK = 10  # rows claimed at once: with SMTP_TIMEOUT each, a chunk ends well inside its lease
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
SMTP_TIMEOUT = 20
WEBHOOK_TIMEOUT = 10
MAX_ERROR = 1000
# Robot error codes that mean "later" (DingTalk 130101: sending too fast; WeCom 45009: over the limit; -1: busy)
ROBOT_RETRY_CODES = {130101, 45009, -1}


class TemporaryFailure(Exception):
    """Try again later."""


class PermanentFailure(Exception):
    """Trying again will not help (the office sees it and may send it again after fixing the cause)."""


@dataclass
class Outgoing:
    """One claimed row and everything needed to send it, read before the claim's commit (no ORM object is
    touched while sending)."""

    delivery_id: int
    office_id: int
    channel: str
    token: str
    attempts: int
    message: EmailMessage | None = None
    url: str = ""
    secret: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    problem: str = ""  # a reason it cannot be sent at all (no address any more, no robot)


def message_id(delivery_id: int, domain: str) -> str:
    """The stable Message-ID of a delivery: the same on every attempt, unique per delivery."""
    return f"<notification-delivery-{delivery_id}@{domain}>"


def idempotency_key(delivery_id: int) -> str:
    return f"notification-delivery-{delivery_id}"


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4, … minutes, at most ``BACKOFF_MAX``."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


# --- the job ---------------------------------------------------------------------------------------------------


def deliver_due(limit: int = 100, *, now: datetime | None = None) -> dict[str, int]:
    """Deliver up to ``limit`` due rows; returns how many were sent, rescheduled and failed for good.

    Commits (it is a job, not a service of a request): the claim of each chunk, then each row's outcome."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    done = 0
    while done < limit:
        batch = claim(min(CHUNK, limit - done), now=now)
        if not batch:
            break
        done += len(batch)
        for item in batch:
            counts[_deliver_one(item, now=now)] += 1
    return counts


def claim(n: int, *, now: datetime | None = None) -> list[Outgoing]:
    """Claim up to ``n`` due rows for this sender (one conditional UPDATE), read what sending them needs, and
    commit the claim."""
    now = now or utcnow()
    token = secrets.token_hex(16)
    D = NotificationDelivery
    free = (D.status == DELIVERY_PENDING, or_(D.lease_until.is_(None), D.lease_until < now))
    candidates = (select(D.id).where(*free, D.next_attempt_at <= now).order_by(D.next_attempt_at, D.id).limit(n)
                  .execution_options(unscoped=True))
    if db.session.get_bind().dialect.name == "postgresql":
        # the candidates locked first, skipping rows another sender holds (inside one UPDATE … IN (SELECT …
        # FOR UPDATE SKIP LOCKED LIMIT n) PostgreSQL may rescan the sub-select and take more than n rows)
        picked = list(db.session.scalars(candidates.with_for_update(skip_locked=True)))
        if not picked:
            db.session.commit()
            return []
        which = D.id.in_(picked)
    else:
        # SQLite: one statement, so the write lock is taken before anything is read (no stale snapshot)
        which = D.id.in_(candidates.scalar_subquery())
    # the conditions again on the UPDATE itself: a row another sender claimed meanwhile is left alone
    db.session.execute(update(D).where(which, *free)
                       .values(claim_token=token, lease_until=now + LEASE, attempts=D.attempts + 1)
                       .execution_options(synchronize_session=False))
    rows = db.session.execute(
        select(D, Notification, User).join(Notification, Notification.id == D.notification_id)
        .join(User, User.id == Notification.user_id)
        .where(D.claim_token == token).order_by(D.id).execution_options(unscoped=True, populate_existing=True)).all()
    batch = [_prepare(d, n_, u) for d, n_, u in rows]
    db.session.commit()
    return batch


def _deliver_one(item: Outgoing, *, now: datetime | None) -> str:
    try:
        if item.problem:
            raise PermanentFailure(item.problem)
        if item.channel == CHANNEL_EMAIL:
            send_email(item.message)
        else:
            post_webhook(item.url, item.secret, item.payload, key=idempotency_key(item.delivery_id))
    except TemporaryFailure as exc:
        if item.attempts >= _max_attempts():
            return _finish(item, DELIVERY_FAILED, error=_("已尝试%(n)s次：%(e)s", n=item.attempts, e=str(exc)), now=now)
        return _finish(item, "retry", error=str(exc), now=now)
    except PermanentFailure as exc:
        return _finish(item, DELIVERY_FAILED, error=str(exc), now=now)
    return _finish(item, DELIVERY_SENT, now=now)


def _max_attempts() -> int:
    return int(current_app.config.get("NOTIFY_MAX_ATTEMPTS") or MAX_ATTEMPTS)


def _finish(item: Outgoing, outcome: str, *, error: str = "", now: datetime | None) -> str:
    """Record one row's outcome, only while this sender still holds it (its claim token), and commit."""
    D = NotificationDelivery
    at = now or utcnow()
    values: dict[str, Any] = {"claim_token": None, "lease_until": None}
    if outcome == DELIVERY_SENT:
        values.update(status=DELIVERY_SENT, sent_at=at)
    elif outcome == DELIVERY_FAILED:
        values.update(status=DELIVERY_FAILED, failed_at=at, last_error=error[:MAX_ERROR])
    else:
        values.update(next_attempt_at=at + backoff(item.attempts), last_error=error[:MAX_ERROR])
    db.session.execute(update(D).where(D.id == item.delivery_id, D.claim_token == item.token).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return {DELIVERY_SENT: "sent", DELIVERY_FAILED: "failed"}.get(outcome, "retry")


# --- composing -------------------------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}{path}" if path.startswith("/") and not path.startswith("//") else base + "/notifications"


def _locale_of(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _prepare(delivery: NotificationDelivery, notification: Notification, user: User) -> Outgoing:
    item = Outgoing(delivery.id, delivery.office_id, delivery.channel, delivery.claim_token or "", delivery.attempts)
    office = db.session.get(Office, delivery.office_id)
    if delivery.channel == CHANNEL_EMAIL:
        if not (user.email or "").strip() or not user.active:
            item.problem = _("收件人没有电子邮箱地址或已停用。")
        else:
            item.message = compose_email(delivery.id, notification, user, office)
    elif delivery.channel == CHANNEL_WEBHOOK:
        robot = active_robot(delivery.office_id)
        if robot is None:
            item.problem = _("本单位的群机器人已关闭或未设置。")
        else:
            item.url, item.secret = robot.url, robot.secret
            item.payload = compose_webhook(notification, office)
    else:
        item.problem = f"unknown channel {delivery.channel!r}"
    return item


def mail_from() -> str:
    configured = current_app.config.get("MAIL_FROM")
    if configured:
        return configured
    host = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "").hostname or "localhost"
    return formataddr(("政务公开绩效考核平台", f"noreply@{host}"))


def compose_email(delivery_id: int, notification: Notification, user: User, office: Office | None) -> EmailMessage:
    """The e-mail of one notification: subject = its title, a text and an HTML part, worded in the recipient's
    language (the title and body were worded for them when written), links absolute (``PUBLIC_BASE_URL``)."""
    sender = mail_from()
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    link = _absolute(notification.link or "/notifications")
    settings = _absolute("/notifications/settings")
    with force_locale(_locale_of(user)):
        context = {"notification": notification, "user": user, "office": office, "link": link,
                   "settings_link": settings}
        text = render_template("notify/email.txt", **context)
        html = render_template("notify/email.html", **context)
        lang = "en" if _locale_of(user) == "en" else "zh-CN"
    msg = EmailMessage()
    msg["Subject"] = notification.title
    msg["From"] = sender
    msg["To"] = formataddr((user.display_name, user.email.strip()))
    msg["Message-ID"] = message_id(delivery_id, domain)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Assess-Delivery"] = str(delivery_id)
    msg.set_content(text, charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    msg["Content-Language"] = lang  # after the parts: making the alternative moves Content-* headers into them
    return msg


def compose_webhook(notification: Notification, office: Office | None) -> dict[str, Any]:
    """One post for the whole event, in the office's language: its title, body, whom it reached (department
    and number of people) and the page when every recipient shares it. The ``{"msgtype": "text", "text":
    {"content": …}}`` shape is the one DingTalk and WeCom group robots both accept."""
    same_event = db.session.execute(
        select(Notification, User).join(User, User.id == Notification.user_id)
        .where(Notification.office_id == notification.office_id, Notification.kind == notification.kind,
               Notification.event_key == notification.event_key).order_by(Notification.id)
        .execution_options(unscoped=True)).all()
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    anchor = next((n for n, u in same_event if _locale_of(u) == default), notification)
    with force_locale(default):
        reached: dict[str, int] = {}
        for _n, u in same_event:
            name = u.department.name if u.department is not None else (office.name if office else "")
            reached[name] = reached.get(name, 0) + 1
        links = {n.link for n, _u in same_event}
        lines = [f"【{office.name}】{anchor.title}" if office else anchor.title]
        if anchor.body:
            lines.append(anchor.body)
        lines.append(_("通知对象：%(who)s", who="、".join(_("%(d)s（%(n)s人）", d=d, n=n) for d, n in reached.items())))
        if len(links) == 1 and anchor.link:
            lines.append(_absolute(anchor.link))
    return {"msgtype": "text", "text": {"content": "\n".join(lines)}}


# --- the channels ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: bool  # smtps: TLS from the first byte
    starttls: bool
    username: str
    password: str


def smtp_settings(url: str) -> SmtpSettings:
    """``smtp://user:pass@host:port`` (``?starttls=1`` to upgrade), ``smtps://…`` for TLS from the start."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise PermanentFailure(f"SMTP_URL must be smtp://… or smtps://… (got {parts.scheme or 'nothing'})")
    query = parse_qs(parts.query)
    starttls = (query.get("starttls") or ["0"])[0].lower() in ("1", "true", "yes")
    tls = parts.scheme == "smtps"
    return SmtpSettings(parts.hostname, parts.port or (465 if tls else 587 if starttls else 25), tls, starttls,
                        unquote(parts.username or ""), unquote(parts.password or ""))


def send_email(msg: EmailMessage) -> None:
    """Hand the message to the SMTP server (``SMTP_URL``), or write it to ``MAIL_DIR`` when there is none."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        _write_eml(msg)
        return
    s = smtp_settings(url)
    try:
        if s.tls:
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=SMTP_TIMEOUT)
        with client:
            if s.starttls:
                client.starttls(context=ssl.create_default_context())
            if s.username:
                client.login(s.username, s.password)
            refused = client.send_message(msg)
        if refused:  # some recipients refused (there is one: the message did not reach it)
            raise _smtp_refused(refused)
    except smtplib.SMTPRecipientsRefused as exc:
        raise _smtp_refused(exc.recipients) from None
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        error = f"SMTP {exc.smtp_code} {text}".strip()
        raise (PermanentFailure(error) if exc.smtp_code >= 500 else TemporaryFailure(error)) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise PermanentFailure(f"SMTP: {exc}") from None
    except (smtplib.SMTPException, OSError) as exc:  # no connection, time-out, TLS, dropped connection
        raise TemporaryFailure(f"SMTP {s.host}:{s.port}: {exc.__class__.__name__}: {exc}") from None


def _smtp_refused(recipients: dict) -> Exception:
    codes = [code for code, _msg in recipients.values()]
    text = "; ".join(f"{rcpt}: {code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
                     for rcpt, (code, msg) in recipients.items())
    return PermanentFailure(f"SMTP {text}") if all(c >= 500 for c in codes) else TemporaryFailure(f"SMTP {text}")


def mail_dir() -> Path:
    return Path(current_app.config.get("MAIL_DIR") or Path(current_app.instance_path) / "mail")


def _write_eml(msg: EmailMessage) -> None:
    folder = mail_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = msg["X-Assess-Delivery"] or secrets.token_hex(8)
    tmp = folder / f".delivery-{name}.eml.tmp"
    tmp.write_bytes(bytes(msg))
    tmp.replace(folder / f"delivery-{name}.eml")  # whole or not at all


def sign(secret: str, timestamp_ms: int) -> str:
    """The DingTalk robot signature: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")), sent with
    the timestamp (milliseconds) as the query parameters ``timestamp`` and ``sign`` (URL-encoded there)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def post_webhook(url: str, secret: str, payload: dict[str, Any], *, key: str) -> None:
    """POST the JSON to the robot (signed when the office set a secret); classify what comes back."""
    params = {}
    if secret:
        ts = int(time.time() * 1000)
        params = {"timestamp": str(ts), "sign": sign(secret, ts)}
    try:
        resp = requests.post(url, params=params, json=payload, timeout=WEBHOOK_TIMEOUT, allow_redirects=False,
                             headers={"Idempotency-Key": key, "User-Agent": "assess-notify/1"})
    except requests.RequestException as exc:
        raise TemporaryFailure(f"webhook: {exc.__class__.__name__}: {exc}"[:MAX_ERROR]) from None
    snippet = resp.text[:300]
    if resp.status_code >= 500 or resp.status_code == 429:
        raise TemporaryFailure(f"webhook HTTP {resp.status_code}: {snippet}")
    if resp.status_code >= 300:
        raise PermanentFailure(f"webhook HTTP {resp.status_code}: {snippet}")
    try:
        body = resp.json()
    except ValueError:
        return  # a plain 2xx receiver
    code = body.get("errcode", 0) if isinstance(body, dict) else 0
    if code not in (0, None, "0"):
        error = f"webhook errcode {code}: {body.get('errmsg', '')}"
        try:
            retry = int(code) in ROBOT_RETRY_CODES
        except (TypeError, ValueError):
            retry = False
        raise TemporaryFailure(error) if retry else PermanentFailure(error)
