"""Delivering the e-mail outbox through an SMTP server, so that a crash never loses or
doubles a notice.

Each message is first *claimed*: one conditional update (only while unsent and not
claimed by a live sender) committed before anything is sent, so two senders never send
the same row. It is then sent, and marked sent in a second commit. A sender that dies
before that mark leaves the row claimed; once the claim's lease ends, a sender sends it
again, with the same ``Message-ID`` (``<credo-notice-N@...>``, from the notification's
id): a mail system sees one message, however often the server was handed it. A failure
the server calls temporary is retried with a growing wait; one it calls permanent (a
refused recipient) is given up and kept with its error.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from credo.config import SmtpSettings
from credo.store.models import OutboxMessage, now

log = logging.getLogger("credo.notify")
MAX_WAIT = timedelta(hours=6)


@dataclass
class Delivery:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def message_id(notification_id: int, sender: str) -> str:
    return f"<credo-notice-{notification_id}@{sender.rpartition('@')[2]}>"


def wait_after(attempts: int) -> timedelta:
    """The wait before the next try: 1, 2, 4, ... minutes, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_WAIT)


def connect(smtp: SmtpSettings) -> smtplib.SMTP:
    """An open, logged-in connection to the configured server."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if smtp.security == "tls":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        if smtp.security == "starttls":
            client.starttls(context=context)
    if smtp.username is not None and smtp.password is not None:
        client.login(smtp.username, smtp.password)
    return client


def _due(session: Session, at: datetime, limit: int) -> list[int]:
    return list(session.scalars(
        select(OutboxMessage.id).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= at,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < at))
        .order_by(OutboxMessage.id).limit(limit)))


def _claim(session: Session, outbox_id: int, lease: timedelta) -> OutboxMessage | None:
    """Take one message for this sender (None: another sender has it, or it is sent)."""
    at = now()
    taken = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.sent_at.is_(None),
               OutboxMessage.failed_at.is_(None),
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < at))
        .values(claimed_until=at + lease, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    session.commit()
    if taken != 1:
        return None
    return session.get(OutboxMessage, outbox_id, populate_existing=True)


def _settle(session: Session, outbox_id: int, **values: object) -> None:
    session.execute(update(OutboxMessage)
                    .where(OutboxMessage.id == outbox_id, OutboxMessage.sent_at.is_(None))
                    .values(claimed_until=None, **values)
                    .execution_options(synchronize_session=False))
    session.commit()


def email(row: OutboxMessage, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = message_id(row.notification_id, sender)
    message.set_content(row.body)
    return message


def deliver(sessions: sessionmaker[Session], smtp: SmtpSettings, *, limit: int = 100,
            lease: timedelta = timedelta(minutes=2),
            open_connection: Callable[[SmtpSettings], smtplib.SMTP] = connect) -> Delivery:
    """Send the due messages (at most ``limit``) over one connection."""
    result = Delivery()
    with sessions() as session:
        due = _due(session, now(), limit)
        session.rollback()
        if not due:
            return result
        try:
            client = open_connection(smtp)
        except (OSError, smtplib.SMTPException) as error:
            result.errors.append(f"cannot reach the mail server {smtp.host}:{smtp.port} "
                                 f"({error}); the messages wait")
            return result
        try:
            for outbox_id in due:
                row = _claim(session, outbox_id, lease)
                if row is None:
                    continue
                _send_one(session, client, row, smtp.sender, result)
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                client.quit()
    return result


def _send_one(session: Session, client: smtplib.SMTP, row: OutboxMessage, sender: str,
              result: Delivery) -> None:
    try:
        client.send_message(email(row, sender))
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
        _settle(session, row.id, failed_at=now(), last_error=str(error)[:1000])
        result.failed += 1
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:  # the server says it will never take it
            _settle(session, row.id, failed_at=now(), last_error=str(error)[:1000])
            result.failed += 1
        else:
            _retry_later(session, row, error, result)
    except (OSError, smtplib.SMTPException) as error:
        _retry_later(session, row, error, result)
    else:
        _settle(session, row.id, sent_at=now(), last_error=None)
        result.sent += 1


def _retry_later(session: Session, row: OutboxMessage, error: Exception,
                 result: Delivery) -> None:
    _settle(session, row.id, next_attempt_at=now() + wait_after(row.attempts),
            last_error=f"{type(error).__name__}: {error}"[:1000])
    result.retried += 1
    result.errors.append(f"message {row.id}: {type(error).__name__}; retried later")


def run(sessions: sessionmaker[Session], smtp: SmtpSettings | None, *, once: bool = False,
        interval: float = 10.0, lease: timedelta = timedelta(minutes=2),
        report: Callable[[str], None] = log.info) -> None:
    """The sender's loop: write the notices of authorizations about to expire, then send
    the due e-mail (when a server is configured); sleep; again (or once)."""
    from credo.service.notifications.logic import notice_expiring

    while True:
        with sessions() as session:
            written = notice_expiring(session)
        line = f"{written} expiry notice(s) written"
        if smtp is not None:
            done = deliver(sessions, smtp, lease=lease)
            line += f"; e-mail: {done.sent} sent, {done.retried} to retry, {done.failed} failed"
            for error in done.errors[:5]:
                report(error)
        report(line)
        if once:
            return
        time.sleep(interval)
