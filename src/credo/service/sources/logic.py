"""Sources: registered by an operator; they push records over HTTP.

Pushed records go through ``credo.data.ingest.ingest_path``, the very function behind
``credo ingest``: the records are written as one JSON Lines file and ingested, so the
validation, idempotency (re-sending is a no-op) and quarantine are the file path's.

A push never holds the service up: while another process writes the lake (an ingest, a
simulation, a compaction) it waits at most ``LAKE_WAIT_SECONDS`` for the lake, and at
most ``MAX_CONCURRENT_PUSHES`` pushes wait at all; any other answers 503 with
Retry-After at once. The worker threads that serve partner reads and health checks
are never all taken by pushes waiting on the lake, and nothing a partner reads comes
from the lake. A source re-sends after a 503: a push is idempotent.
"""

from __future__ import annotations

import json
import tempfile
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from credo.data.ingest import IngestReport, ingest_path
from credo.data.lake import Lake, LakeBusyError
from credo.service.errors import ConflictError, UnavailableError
from credo.service.ids import check_id
from credo.service.keys import issue_key, revoke_keys
from credo.store import audit
from credo.store.models import Source


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


MAX_CONCURRENT_PUSHES = 4
LAKE_WAIT_SECONDS = 2.0
RETRY_AFTER_SECONDS = 5
_PUSHES = threading.BoundedSemaphore(MAX_CONCURRENT_PUSHES)


def _busy(why: str) -> UnavailableError:
    return UnavailableError(
        f"{why}; nothing was written: send the same records again after the Retry-After "
        "seconds (a push is idempotent)",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def push_records(session: Session, lake: Lake, source_id: str, kind: str,
                 records: list[dict[str, Any]], tmp_dir: Path | None = None,
                 lake_wait: float = LAKE_WAIT_SECONDS) -> IngestReport:
    if not _PUSHES.acquire(blocking=False):
        raise _busy(f"{MAX_CONCURRENT_PUSHES} pushes are being written already")
    try:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        with tempfile.TemporaryDirectory(dir=tmp_dir) as tmp:
            path = Path(tmp) / f"api-{stamp}-{uuid.uuid4().hex[:8]}.jsonl"
            with path.open("w") as fh:
                for r in records:
                    fh.write(json.dumps(r, ensure_ascii=True, allow_nan=False) + "\n")
            try:
                report = ingest_path(path, source=source_id, kind=kind, lake=lake,
                                     lake_wait=lake_wait)
            except LakeBusyError:
                raise _busy("another process is writing the event lake") from None
    finally:
        _PUSHES.release()
    audit.record(session, actor_role="source", actor_id=source_id, action="records.push",
                 kind=kind, accepted=report.accepted, duplicate=report.duplicate,
                 superseded=report.superseded, quarantined=report.quarantined)
    session.commit()
    return report
