"""Writing to the append-only audit log (reading is in ``credo.service.audit``)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, insert
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


GROUP_COMMIT = "credo.audit.group_commit"  # the Session.info key of a GroupCommit

# What a request writes besides its audit row (e.g. the person's notification), run in
# the same transaction as that row.
Writes = Callable[[Session], object]


class GroupCommit:
    """The writes of many requests made durable together, by one writer thread.

    A partner's read writes only its audit row (and the person's notification), and must
    not answer before they are committed. Committing each on its own request thread makes
    the threads race for the database's write lock: SQLite's busy handler then sleeps in
    growing steps (tens of milliseconds), and PostgreSQL flushes its log once per read.
    Here a request hands its writes to one thread and waits; that thread runs every
    request's writes waiting, in one transaction, and wakes them once it is committed.
    If that transaction fails, each request's writes are tried again alone, so one bad
    request fails alone. The answer still waits for its own commit.
    """

    def __init__(self, engine: Engine, max_batch: int = 500) -> None:
        self._engine, self._max_batch = engine, max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="audit-group-commit",
                                        daemon=True)
        self._closed = False
        self._thread.start()

    def write(self, work: Writes, timeout: float = 30.0) -> None:
        """Run ``work`` in a transaction with other requests'; returns once committed."""
        if self._closed:
            raise RuntimeError("the audit writer is closed")
        pending = _Pending(work)
        self._queue.put(pending)
        if not pending.done.wait(timeout):
            raise TimeoutError("the audit row was not committed in time")
        if pending.error is not None:
            raise pending.error

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join(timeout=30)

    def _commit(self, batch: list[_Pending]) -> None:
        with Session(self._engine) as session, session.begin():
            for p in batch:
                p.work(session)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(item)
            try:
                self._commit(batch)
            except BaseException:
                for p in batch:  # one at a time: only the request at fault fails
                    try:
                        self._commit([p])
                    except BaseException as exc:
                        p.error = exc
            for p in batch:
                p.done.set()


@dataclass
class _Pending:
    work: Writes
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


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
    audit row and its notification), and return once it is committed: through the
    session's ``GroupCommit`` when it has one (the service's), else in the session's
    own transaction, committed here."""
    values = dict(at=now(), actor_role=actor_role, actor_id=actor_id, action=action,
                  outcome=outcome, person_id=person_id, partner_id=partner_id,
                  purpose=purpose, detail=detail)

    def work(s: Session) -> None:
        s.execute(insert(AuditEvent).values(**values))
        if also is not None:
            also(s)

    writer: GroupCommit | None = session.info.get(GROUP_COMMIT)
    if writer is None:
        work(session)
        session.commit()
        return
    session.commit()  # ends the read transaction; the session wrote nothing
    writer.write(work)
