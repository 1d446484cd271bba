"""Writing to the append-only audit log (reading is in ``credo.service.audit``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

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
    commit, so an action and its audit row succeed or fail together. (A plain INSERT,
    not an ORM object: this runs on every partner request.)"""
    session.execute(insert(AuditEvent).values(
        at=now(), actor_role=actor_role, actor_id=actor_id, action=action, outcome=outcome,
        person_id=person_id, partner_id=partner_id, purpose=purpose, detail=detail,
    ))


# What a request writes besides its audit row (e.g. the person's notification), in the
# same transaction as that row.
Writes = Callable[[Session], object]


def record_durably(
    session: Session,
    *,
    actor_role: str,
    actor_id: str,
    action: str,
    outcome: str = "ok",
    person_id: str | None = None,
    partner_id: str | None = None,
    purpose: str | None = None,
    also: Writes | None = None,
    **detail: Any,
) -> None:
    """Write one event that, with ``also``, is the whole of a request's change (a read's
    audit row and its notification), and commit them together before returning: a
    partner's answer never leaves before its audit row is durable."""
    values = dict(at=now(), actor_role=actor_role, actor_id=actor_id, action=action,
                  outcome=outcome, person_id=person_id, partner_id=partner_id,
                  purpose=purpose, detail=detail)

    def work(s: Session) -> None:
        s.execute(insert(AuditEvent).values(**values))
        if also is not None:
            also(s)

    work(session)
    session.commit()
