"""Writing to the append-only audit log (reading is in ``credo.service.audit``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from credo.store.models import AuditEvent


def record(
    session: Session,
    *,
    actor_role: str,
    actor_id: str,
    action: str,
    outcome: str = "ok",
    person_id: str | None = None,
    partner_id: str | None = None,
    purpose: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add one event to the session; it is written with the caller's commit, so an
    action and its audit row succeed or fail together."""
    event = AuditEvent(
        actor_role=actor_role, actor_id=actor_id, action=action, outcome=outcome,
        person_id=person_id, partner_id=partner_id, purpose=purpose, detail=detail,
    )
    session.add(event)
    return event
