"""Reading the audit log: the person's view of who looked at their score."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credo.store.models import AuditEvent

PARTNER_ACTIONS = ("score.read", "score.threshold")


def access_log(session: Session, person_id: str, limit: int = 200) -> list[AuditEvent]:
    stmt = (select(AuditEvent)
            .where(AuditEvent.person_id == person_id, AuditEvent.actor_role == "partner",
                   AuditEvent.action.in_(PARTNER_ACTIONS))
            .order_by(AuditEvent.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def events(session: Session, *, person_id: str | None = None, limit: int = 200
           ) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if person_id is not None:
        stmt = stmt.where(AuditEvent.person_id == person_id)
    return list(session.scalars(stmt))


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
