"""SQLite's write-ahead log copied into the database file off the requests' path.

SQLite checkpoints (copies its log into the database file, so that the log can start
over) inside whichever commit finds the log past 1,000 pages: that commit then writes
and syncs the database file, which grows, so its sync waits for the filesystem's
journal, behind whatever else the machine writes and deletes. On ext4 with online
discard, files deleted by a batch job held such a sync for up to half a second, and
every partner read whose audit row was in that commit waited with it.

A server process runs the checkpoints itself, often and on a thread and connection of
its own, so the log never reaches SQLite's threshold: a commit then only overwrites the
log's pages already on disk, whose sync (``fdatasync``) needs no journal, and a slow
checkpoint delays nobody. SQLite's own checkpoint stays on as the backstop if this one
falls behind. Checkpoints are PASSIVE: they never wait for, or block, a reader or a
writer, and two server processes on one database take turns (one finds the other busy
and tries again later).

A checkpoint that fails (the file gone, the disk full) is tried again later and later,
up to every ``MAX_BACKOFF_SECONDS``, and said in the log once a minute at most, with the
count: tried every tenth of a second and logged each time, one failure filled the log
with ten warnings a second. The first checkpoint that succeeds again says so.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

log = logging.getLogger("credo.store.checkpoint")

# Often enough that the log stays far below SQLite's 1,000 pages at a few thousand
# commits a second (a partner read's commit adds a handful of pages).
INTERVAL_SECONDS = 0.1
MAX_BACKOFF_SECONDS = 30.0  # the longest wait after failures in a row
FAILURE_LOG_SECONDS = 60.0  # failures in a row are said at most this often


@dataclass(frozen=True)
class Checkpoint:
    """What one checkpoint found: the log's pages and how many are now in the file."""

    busy: bool  # another connection was checkpointing
    log_pages: int
    copied_pages: int


class BackgroundCheckpoints:
    """Checkpoints ``database`` every ``interval`` seconds on a thread of its own."""

    def __init__(self, database: Path, interval: float = INTERVAL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.database = database
        self.interval = interval
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.completed = 0  # checkpoints run (what a test or a health check can watch)
        self.last: Checkpoint | None = None
        self.failures = 0  # in a row, since the last checkpoint that succeeded
        self._said_at: float | None = None  # when failures were last logged

    @classmethod
    def for_engine(cls, engine: Engine, interval: float = INTERVAL_SECONDS
                   ) -> BackgroundCheckpoints | None:
        """Checkpoints for a SQLite file database; None for any other."""
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return None
        return cls(Path(database), interval)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="credo-wal-checkpoint",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the checkpoint at hand (if any)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            while not self._stop.wait(self.delay()):
                connection = self._once(connection)
        finally:
            if connection is not None:
                connection.close()

    def delay(self) -> float:
        """The wait before the next checkpoint: the interval, doubled for each failure in
        a row, at most ``MAX_BACKOFF_SECONDS`` (or the interval, if that is longer)."""
        return min(self.interval * 2.0 ** min(self.failures, 30),
                   max(self.interval, MAX_BACKOFF_SECONDS))

    def _once(self, connection: sqlite3.Connection | None) -> sqlite3.Connection | None:
        """One checkpoint; the connection to use next (None after a failure)."""
        try:
            if connection is None:  # read-write, never creating the file
                connection = sqlite3.connect(self.database.resolve().as_uri() + "?mode=rw",
                                             uri=True)
            self.last = checkpoint(connection)
        except sqlite3.Error:  # SQLite's own checkpoint is the backstop meanwhile
            self._failed()
            if connection is not None:
                connection.close()
            return None
        self.completed += 1
        if self.failures:
            log.warning("WAL checkpoints of %s work again, after %d failures",
                        self.database, self.failures)
            self.failures, self._said_at = 0, None
        return connection

    def _failed(self) -> None:
        self.failures += 1
        now = self._clock()
        if self._said_at is not None and now - self._said_at < FAILURE_LOG_SECONDS:
            return
        self._said_at = now
        log.warning("WAL checkpoint of %s failed (%d in a row); trying again in %.1f s",
                    self.database, self.failures, self.delay(),
                    exc_info=self.failures == 1)  # the cause once; then only the count


def checkpoint(connection: sqlite3.Connection) -> Checkpoint:
    """One PASSIVE checkpoint: as much of the log as no reader still needs."""
    busy, log_pages, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return Checkpoint(bool(busy), int(log_pages), int(copied))
