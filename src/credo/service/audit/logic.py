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


def answer_given(event: AuditEvent) -> tuple[str | None, list[str]]:
    """A threshold check's answer as the partner received it, and the reasons for a "no"
    in words (the same reason codes the partner received)."""
    detail = event.detail or {}
    reasons = [str(r.get("description", r.get("code", ""))) for r in detail.get("reasons", [])
               if isinstance(r, dict)]
    result = detail.get("result")
    return (None if result is None else str(result)), reasons


def thresholds_not_reached(session: Session, person_id: str, limit: int = 20
                           ) -> list[tuple[str, str, int]]:
    """(partner, purpose, threshold) of the recent threshold checks about the person
    answered "no", newest first, each once: the scores partners asked for."""
    stmt = (select(AuditEvent)
            .where(AuditEvent.person_id == person_id, AuditEvent.actor_role == "partner",
                   AuditEvent.action == "score.threshold", AuditEvent.outcome == "granted")
            .order_by(AuditEvent.id.desc()).limit(200))
    found: dict[tuple[str, str, int], None] = {}
    for e in session.scalars(stmt):
        result, _ = answer_given(e)
        threshold = (e.detail or {}).get("threshold")
        if result == "no" and isinstance(threshold, int):
            found.setdefault((e.partner_id or "", e.purpose or "", threshold), None)
    return list(found)[:limit]


def events(session: Session, *, person_id: str | None = None, limit: int = 200
           ) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if person_id is not None:
        stmt = stmt.where(AuditEvent.person_id == person_id)
    return list(session.scalars(stmt))


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
