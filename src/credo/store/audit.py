"""Writing to the append-only audit log (reading is in ``credo.service.audit``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from credo.store.appends import append
from credo.store.models import AuditEvent, now


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
) -> None:
    """Write one event in the caller's transaction: it is committed with the caller's
    commit, so an action and its audit row succeed or fail together. (One INSERT
    compiled once, not an ORM object: this runs on every partner request, whose batch
    writes its reads' rows together; see ``credo.store.appends``.)"""
    append(session, _INSERT, {
        "at": now(), "actor_role": actor_role, "actor_id": actor_id, "action": action,
        "outcome": outcome, "person_id": person_id, "partner_id": partner_id,
        "purpose": purpose, "detail": detail,
    })


_INSERT = insert(AuditEvent)
