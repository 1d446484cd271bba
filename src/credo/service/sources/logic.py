"""Sources: registered by an operator; they push records over HTTP.

A push is kept in the store's inbox (``pushes``) in one transaction with its audit row
(a small one in the partner reads' group commit, see the router) and answered at once
(202, with the batch's id); the inbox worker (``credo.service.sources.inbox``, its own
process) ingests it through
``credo.data.ingest.ingest_path``, the very function behind ``credo ingest``, so the
validation, idempotency (re-sending is a no-op) and quarantine are the file path's, and
then rescores the people it concerns. The service process never touches the lake: a
lake held by a simulation or an ingest delays the worker, never a partner's read.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from credo.service.errors import ConflictError, UnavailableError
from credo.service.ids import check_id
from credo.service.keys import issue_key, revoke_keys
from credo.service.rows import owned
from credo.store import audit
from credo.store.appends import append
from credo.store.models import Push, Source, now


def register_source(session: Session, pepper: bytes, source_id: str, name: str,
                    actor: str = "operator") -> str:
    check_id(source_id, "source id")
    if session.get(Source, source_id) is not None:
        raise ConflictError(f"source {source_id!r} already exists; issue a new key with "
                            "`credo source new-key`")
    session.add(Source(id=source_id, name=name.strip()[:200] or source_id))
    session.flush()
    key = issue_key(session, "source", source_id, pepper)
    audit.record(session, actor_role="operator", actor_id=actor, action="source.register",
                 source_id=source_id)
    session.commit()
    return key


def new_key(session: Session, pepper: bytes, source_id: str, actor: str = "operator") -> str:
    key = issue_key(session, "source", source_id, pepper)
    audit.record(session, actor_role="operator", actor_id=actor, action="source.new_key",
                 source_id=source_id)
    session.commit()
    return key


def revoke_key(session: Session, source_id: str, actor: str = "operator") -> int:
    n = revoke_keys(session, "source", source_id)
    audit.record(session, actor_role="operator", actor_id=actor, action="source.revoke_key",
                 source_id=source_id, keys=n)
    session.commit()
    return n


MAX_WAITING_PER_SOURCE = 1_000
RETRY_AFTER_SECONDS = 5


def accept_push(session: Session, source_id: str, kind: str,
                records: list[dict[str, Any]]) -> Push:
    """Keep a pushed batch for the inbox worker; the answer never waits on the lake.

    The batch and its audit row are one transaction: once the source has its answer,
    the records are durable and will reach the lake (validated, deduplicated and
    quarantined exactly as ``credo ingest`` does). A source far ahead of the worker
    (``MAX_WAITING_PER_SOURCE`` batches waiting) is asked to send again later (batches
    kept in the same group commit are not counted yet: the cap is a brake, not a quota).
    """
    waiting = session.scalar(select(func.count()).select_from(Push).where(
        Push.source_id == source_id, Push.state.in_(("pending", "ingesting"))))
    if (waiting or 0) >= MAX_WAITING_PER_SOURCE:
        raise UnavailableError(
            f"{waiting:,} batches of this source are waiting to be ingested; nothing was "
            "written: send the same records again after the Retry-After seconds",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    values = {"id": str(uuid.uuid4()), "source_id": source_id, "kind": kind,
              "records": records, "record_count": len(records), "state": "pending",
              "attempts": 0, "received_at": now()}
    # Appended, not added to the session: in a group commit the batch writes it with its
    # other rows, under SQLite's write lock, after its units have read.
    append(session, _INSERT_PUSH, values)
    audit.record(session, actor_role="source", actor_id=source_id, action="records.push",
                 kind=kind, push_id=values["id"], records=len(records))
    session.commit()
    return Push(**values)


_INSERT_PUSH = insert(Push)


def push_of(session: Session, source_id: str, push_id: str) -> Push:
    """A batch this source pushed (another source's batch is not found, not forbidden)."""
    return owned(session, Push, push_id, Push.source_id, source_id,
                 f"no push {push_id!r} of this source; use the id the push answered with")
