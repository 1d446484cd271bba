"""A person's notification list, and the notices no single request writes: an
authorization about to expire.

Every other notice is written by the event itself, in its transaction
(``credo.store.notify``): a partner's read or refused read, a band change, a dispute or
review decision, a freeze or fraud alert.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credo.service.errors import NotFoundError
from credo.store import audit, notify
from credo.store.models import Authorization, Notification, OutboxMessage, now

EXPIRY_NOTICE_DAYS = 7
LIMIT = 200


def expiring_key(authorization_id: str, expires_at_iso: str) -> str:
    # One notice per authorization and expiry: extending it earns a new notice later.
    return f"authorization-expiring:{authorization_id}:{expires_at_iso[:19]}"


def notice_expiring(session: Session, person_id: str | None = None,
                    within_days: int = EXPIRY_NOTICE_DAYS) -> int:
    """Write a notice for every live authorization that expires within ``within_days``
    and has none yet (for one person, or everyone); how many were written. Idempotent:
    a unique key per authorization and expiry; a sweep that loses a race to another
    writes nothing and the other's notices stand."""
    at = now()
    stmt = select(Authorization).where(
        Authorization.revoked_at.is_(None), Authorization.expires_at > at,
        Authorization.expires_at <= at + timedelta(days=within_days))
    if person_id is not None:
        stmt = stmt.where(Authorization.person_id == person_id)
    due = {expiring_key(a.id, a.expires_at.isoformat()): a for a in session.scalars(stmt)}
    if not due:
        return 0
    seen = set(session.scalars(select(Notification.key).where(Notification.key.in_(due))))
    written = 0
    for key, a in due.items():
        if key in seen:
            continue
        days = max(1, round((a.expires_at - at).total_seconds() / 86400))
        done = notify.notify(
            session, a.person_id, "authorization_expiring",
            f"Your authorization for {notify.PARTNER} ends in {days} day"
            f"{'' if days == 1 else 's'}",
            f"{notify.PARTNER} can read your score for the purpose "
            f"{a.purpose.replace('_', ' ')} until {a.expires_at.date().isoformat()}. Do "
            "nothing to let it end; authorize again on your Sharing page to extend it.",
            key=key, partner_id=a.partner_id)
        written += done is not None
    try:
        session.commit()
    except IntegrityError:  # another sweep wrote them first
        session.rollback()
        return 0
    return written


def list_for_person(session: Session, person_id: str, unread_only: bool = False,
                    limit: int = LIMIT) -> list[Notification]:
    """The person's notices, newest first (an expiring authorization's notice is written
    here too, so the list is complete without the sender running)."""
    notice_expiring(session, person_id)
    stmt = (select(Notification).where(Notification.person_id == person_id)
            .order_by(Notification.id.desc()).limit(limit))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return list(session.scalars(stmt))


def unread_count(session: Session, person_id: str) -> int:
    return int(session.scalar(select(func.count()).select_from(Notification).where(
        Notification.person_id == person_id, Notification.read_at.is_(None))) or 0)


def mark_read(session: Session, person_id: str, notification_id: int | None = None) -> int:
    """Mark one notice (or all) read; how many changed. Only unread ones change, so a
    repeat changes nothing and writes no second audit row."""
    stmt = update(Notification).where(Notification.person_id == person_id,
                                      Notification.read_at.is_(None))
    if notification_id is not None:
        exists = session.scalar(select(Notification.id).where(
            Notification.id == notification_id, Notification.person_id == person_id))
        if exists is None:
            raise NotFoundError(f"you have no notification {notification_id}; list yours "
                                "with GET /v1/me/notifications")
        stmt = stmt.where(Notification.id == notification_id)
    changed = int(session.execute(stmt.values(read_at=now())
                                  .execution_options(synchronize_session=False)).rowcount)  # type: ignore[attr-defined]
    if changed:
        audit.record(session, actor_role="person", actor_id=person_id,
                     action="notifications.read", person_id=person_id, rows=changed)
    session.commit()
    return changed


def outbox_counts(session: Session) -> dict[str, int]:
    """E-mails queued, sent and given up, for the operator."""
    rows = session.execute(select(
        func.count().filter(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)),
        func.count().filter(OutboxMessage.sent_at.is_not(None)),
        func.count().filter(OutboxMessage.failed_at.is_not(None)))).one()
    return {"queued": int(rows[0]), "sent": int(rows[1]), "failed": int(rows[2])}


def emails_of(session: Session, notification_ids: list[int]) -> dict[int, OutboxMessage]:
    """The e-mail of each of these notices that has one, by notification id."""
    if not notification_ids:
        return {}
    return {m.notification_id: m for m in session.scalars(select(OutboxMessage).where(
        OutboxMessage.notification_id.in_(notification_ids)))}
