"""Reading the audit log: the person's view of who looked at their score."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from credo.store.models import AuditEvent

PARTNER_ACTIONS = ("score.read", "score.threshold")
# The person's own changes to who may read their file, shown beside the reads.
FILE_ACTIONS = ("file.freeze", "file.unfreeze", "fraud_alert.place", "fraud_alert.lift")


def access_log(session: Session, person_id: str, limit: int = 200) -> list[AuditEvent]:
    """Partners' reads and refused reads of the person's file, with the person's own
    freezes and fraud alerts, newest first."""
    stmt = (select(AuditEvent)
            .where(AuditEvent.person_id == person_id,
                   or_(and_(AuditEvent.actor_role == "partner",
                            AuditEvent.action.in_(PARTNER_ACTIONS)),
                       and_(AuditEvent.actor_role == "person",
                            AuditEvent.action.in_(FILE_ACTIONS))))
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
