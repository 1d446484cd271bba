"""Group commit: short units of work that arrive together share one transaction and one
commit, and each caller has its answer once that commit is on disk.

A partner read writes an audit row and a notification, and its answer may not leave
before they are durable. One commit each makes the disk's sync the cost of every read
(and, on SQLite, the write lock a queue). Here a few threads each take every unit of
work waiting, run them one after the other on one connection inside one transaction,
commit once, and only then hand each caller its result: the rows of all of them reach
the disk with one sync, and none is answered before it.

The units are the logic functions as written, given a session that is joined to the
batch's transaction: their ``session.commit()`` writes their rows into it and leaves the
commit to the batch. A unit that raises one of the ``expected`` errors (an answer such as
a refusal, raised after the unit committed its audit row) keeps its rows and its caller
gets the error. Anything else (a bug, a lost connection, a failed commit) rolls the whole
batch back and runs each of its units again alone, in its own session and transaction,
as if there were no batching: no row is written twice and none is lost.

A unit may name a read it needs first (``Ahead``: a function that reads many keys in
one statement, and its key): the batch makes each such read once for all its units, at
its start, and each unit finds its value in its session (``ahead_of``). On PostgreSQL a
statement's round trip and the driver's work per statement were most of a partner
read's cost; eight reads in one statement cost about half as much each. The reads ahead
see what was committed before the batch, not what a unit before it in the batch wrote:
the batch's units are requests made at the same time, so any order is one they could
have arrived in. A unit run alone (below) has no value ahead and reads for itself.

Each thread keeps its connection from one batch to the next, so a batch does not pay
the pool's liveness check (on PostgreSQL a round trip, as long as a read's statements);
a connection that failed is closed, and the units run alone on fresh ones.

The rows the units append (their audit rows and notices, ``credo.store.appends``) are
gathered and written after the last unit, each statement once for the whole batch. On
SQLite the units read without the database's write lock, and the batch takes it for
those statements alone (``BEGIN IMMEDIATE``), trying again every half millisecond while
another process holds it: server processes read side by side and queue only for the
writes. SQLite's own wait (its busy handler) sleeps in steps that grow to 100 ms, so a
batch waiting behind a short write of the inbox worker could sleep for far longer than
the write took.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from credo.store.appends import Appends, gathering, write

log = logging.getLogger("credo.store.group_commit")

T = TypeVar("T")
K = TypeVar("K")
Work = Callable[[Session], T]

# An idle thread ends after this long; the next unit starts one again (a context that
# is never closed, as in tests, leaves no thread behind for long).
IDLE_SECONDS = 30.0
LOCK_POLL_SECONDS = 0.0005


def take_sqlite_write_lock(connection: Connection, timeout: float | None = None,
                           poll: float = LOCK_POLL_SECONDS) -> None:
    """Begin an IMMEDIATE transaction on a SQLite connection: its write lock taken now,
    polling every ``poll`` seconds for at most ``timeout`` (default: the connection's own
    busy timeout), then SQLite's "database is locked" error, as its busy handler gives."""
    raw = connection.connection.driver_connection
    assert raw is not None
    if raw.in_transaction:  # a statement of this transaction wrote: the lock is held
        return
    busy_ms = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    deadline = time.monotonic() + (busy_ms / 1000 if timeout is None else timeout)
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except Exception as error:  # sqlite3.OperationalError: database is locked
                if "locked" not in str(error) or time.monotonic() >= deadline:
                    raise OperationalError("BEGIN IMMEDIATE", None, error) from error
                time.sleep(poll)
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")


@dataclass(frozen=True)
class Ahead(Generic[K]):
    """A read a unit needs before its work: ``read_all(connection, keys)`` gives the value
    of each key, in order, with one statement for all of the batch's."""

    read_all: Callable[[Connection, list[K]], list[Any]]
    key: K


_AHEAD = "credo.group_commit.ahead"


def ahead_of(session: Session) -> Any:
    """The value the batch read ahead for the unit running in ``session`` (None when it
    runs alone, or asked for none)."""
    return session.info.get(_AHEAD)


def _read_ahead(connection: Connection, batch: list[_Unit[Any]]) -> list[Any]:
    """Each unit's value ahead (None for a unit that asked for none): one call of each
    ``read_all`` for every unit that named it."""
    values: list[Any] = [None] * len(batch)
    by_read: dict[Callable[[Connection, list[Any]], list[Any]], list[tuple[int, Any]]] = {}
    for i, unit in enumerate(batch):
        if unit.ahead is not None:
            by_read.setdefault(unit.ahead.read_all, []).append((i, unit.ahead.key))
    for read_all, members in by_read.items():
        found = read_all(connection, [key for _, key in members])
        if len(found) != len(members):
            raise RuntimeError("a read ahead gave a different number of values than keys")
        for (i, _), value in zip(members, found, strict=True):
            values[i] = value
    return values


@dataclass
class _Unit(Generic[T]):
    work: Work[T]
    ahead: Ahead[Any] | None = None
    future: Future[T] = field(default_factory=Future)


class GroupCommitter:
    """Runs units of work on ``engine`` in batches of at most ``max_batch``, on at most
    ``threads`` threads (each batch one transaction on one connection)."""

    def __init__(self, engine: Engine, *, threads: int = 1, max_batch: int = 64,
                 expected: tuple[type[BaseException], ...] = ()) -> None:
        if threads < 1 or max_batch < 1:
            raise ValueError("threads and max_batch must be at least 1")
        self.engine = engine
        self.threads = threads
        self.max_batch = max_batch
        self.expected = expected
        self._begin = take_sqlite_write_lock if engine.dialect.name == "sqlite" else None
        self._waiting: queue.SimpleQueue[_Unit[Any] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._running = 0
        self._closed = False
        self.batches = 0  # committed batches (what the tests read)

    def submit(self, work: Work[T], ahead: Ahead[Any] | None = None) -> Future[T]:
        """Queue ``work``; the future holds its result once its batch is committed.
        ``ahead``: a read it needs first, made with the batch's others."""
        unit: _Unit[T] = _Unit(work, ahead)
        with self._lock:
            if self._closed:
                raise RuntimeError("the group committer is closed")
            self._waiting.put(unit)
            if self._running < self.threads:
                self._running += 1
                threading.Thread(target=self._serve, name="credo-group-commit",
                                 daemon=True).start()
        return unit.future

    def close(self) -> None:
        """Stop the threads once the units already queued are done."""
        with self._lock:
            self._closed = True
            for _ in range(self._running):
                self._waiting.put(None)

    def _serve(self) -> None:
        held = _HeldConnection(self.engine)
        try:
            self._serve_with(held)
        finally:
            held.release()

    def _serve_with(self, held: _HeldConnection) -> None:
        while True:
            try:
                first = self._waiting.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._waiting.empty():
                        self._running -= 1
                        return
                continue
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    unit = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if unit is None:  # closing: finish this batch, then stop
                    self._waiting.put(None)
                    break
                batch.append(unit)
            # A caller that gave up (its request cancelled) cancelled its future: its
            # work is not done; the others' futures are running now and cannot be.
            batch = [u for u in batch if u.future.set_running_or_notify_cancel()]
            try:
                self._run(batch, held)
            except Exception as error:  # the thread lives on, and no caller is left waiting
                log.exception("a batch of %d failed", len(batch))
                for unit in batch:
                    if not unit.future.done():
                        unit.future.set_exception(error)

    def _run(self, batch: list[_Unit[Any]], held: _HeldConnection) -> None:
        if not batch:
            return
        outcomes = self._together(batch, held)
        if outcomes is None:
            for unit in batch:
                self._alone(unit)
            return
        self.batches += 1
        for unit, (ok, value) in zip(batch, outcomes, strict=True):
            if ok:
                unit.future.set_result(value)
            else:
                unit.future.set_exception(value)

    def _together(self, batch: list[_Unit[Any]], held: _HeldConnection
                  ) -> list[tuple[bool, Any]] | None:
        """Each unit's (ok, result or expected error) after one commit of them all; None
        when the batch was rolled back and its units are to run alone."""
        outcomes: list[tuple[bool, Any]] = []
        appends = Appends()
        try:
            connection = held.get()
            with connection.begin() as transaction:
                for unit, ahead in zip(batch, _read_ahead(connection, batch), strict=True):
                    info: dict[str, Any] = {**gathering(appends)}
                    if ahead is not None:
                        info[_AHEAD] = ahead
                    # "rollback_only": the unit's commit flushes into the batch's
                    # transaction; only a rollback would reach it (and end the batch).
                    with Session(bind=connection, join_transaction_mode="rollback_only",
                                 expire_on_commit=False, info=info) as session:
                        try:
                            outcomes.append((True, unit.work(session)))
                        except self.expected as error:
                            outcomes.append((False, error))
                    if not transaction.is_active:
                        raise RuntimeError("a unit of work rolled the batch back")
                if self._begin is not None and len(appends):
                    self._begin(connection)
                write(connection, appends)
        except Exception:
            held.release()  # whatever failed may have been the connection
            if len(batch) > 1:
                log.warning("a batch of %d was rolled back; running each alone",
                            len(batch), exc_info=True)
            return None
        return outcomes

    def _alone(self, unit: _Unit[Any]) -> None:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                result = unit.work(session)
                session.commit()
        except BaseException as error:  # the caller's to see, whatever it is
            unit.future.set_exception(error)
        else:
            unit.future.set_result(result)


class _HeldConnection:
    """One thread's connection, taken from the pool at its first batch and given back
    when the thread ends or a batch on it fails."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Connection | None = None

    def get(self) -> Connection:
        if self.connection is None:
            self.connection = self.engine.connect()
        return self.connection

    def release(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            try:
                connection.close()
            except Exception:  # a dead connection: the pool drops it
                log.debug("closing a failed connection", exc_info=True)
