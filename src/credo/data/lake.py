"""The event lake: append-only Parquet, hive-partitioned, with a commit log.

Layout under the lake root::

    _log/00000001.json                     one file per commit (the only source of truth)
    _lock                                  single-writer lock (flock, released on death)
    _staging/<txn>/                        a writer's work in progress; deleted on recovery
    kind=statement/report_month=2024-01/part-<txn>-<n>.parquet
    quarantine/ingest_month=2026-11/part-<txn>.parquet

Data files become visible only when a log entry naming them is written, and a log entry
is written whole (temp file + fsync + rename) after its files are in place. A writer
killed at any moment therefore leaves only files no log entry names: readers never see
them and the next writer deletes them. Readers must list files through the log
(``Lake.files``), never by globbing the folders.

Records are partitioned by the month they were reported, so a read "as known at T"
opens only partitions up to T's month.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from credo.data import schemas as sc
from credo.data.lake_log import (
    LakeState,
    log_names,
    month_of,
    replay,
    write_commit,
)
from credo.data.lake_writer import Writer
from credo.data.quarantine import QUARANTINE, QUARANTINE_SCHEMA
from credo.errors import CredoError, InputError

if TYPE_CHECKING:
    import ibis.expr.types as ir


# A record's versions, latest first: the one a read "as known at T" keeps.
LATEST_FIRST = ("reported_at", "_ingested_at")


class LakeBusyError(CredoError):
    """Another process is writing to the lake."""


@dataclass(frozen=True)
class PersonRange:
    """The people whose id is in ``[first, end)``; ``None`` leaves that side open, so
    ranges cut at consecutive ids cover everyone, each person in exactly one."""

    first: str | None = None
    end: str | None = None

    @property
    def everyone(self) -> bool:
        return self.first is None and self.end is None

    def holds(self, person_id: ir.StringValue) -> ir.BooleanValue:
        import ibis

        held = ibis.literal(True)
        if self.first is not None:
            held = held & (person_id >= self.first)
        if self.end is not None:
            held = held & (person_id < self.end)
        return held


class Lake:
    """An event lake rooted at a folder. Cheap to construct; reads the log lazily."""

    def __init__(self, root: Path | str, *, memory_limit: str = "3GB") -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise InputError(f"lake {str(self.root)!r} is a file, not a folder: give the "
                             "lake's folder (it is made if missing)")
        self.memory_limit = memory_limit
        self._cache: tuple[tuple[str, ...], LakeState] | None = None
        self._con: Any = None
        self._moved: dict[tuple[str, datetime | None, int], pa.Table | None] = {}
        self._pinned: tuple[Lake, LakeState] | None = None  # see pinned()

    # -- reading -----------------------------------------------------------------
    @property
    def log_dir(self) -> Path:
        return self.root / "_log"

    def state(self) -> LakeState:
        """The committed state (version and files): replay of the log, from the state
        last seen when the log has only grown since (a writer's commits, one after the
        other, each read once)."""
        if self._pinned is not None:
            return self._pinned[1]
        names = tuple(log_names(self.log_dir))
        cached = self._cache
        if cached is not None and cached[0] == names:
            return cached[1]
        if cached is not None and names[:len(cached[0])] == cached[0]:
            # A log is only appended to: read the commits made since.
            state = replay(self.log_dir, names[len(cached[0]):], since=cached[1])
        else:  # first look, or not the log seen before (a restored backup): all of it
            state = replay(self.log_dir, names)
        self._cache = (names, state)
        return state

    def pinned(self) -> Lake:
        """This lake held at its current version, for a read of many steps (a person's
        five kinds): its ``state()`` answers from memory, so the log is listed once and
        every step sees the same version. It shares this lake's connection and what it
        found per version; it is meant to be dropped after the read."""
        view = copy.copy(self)
        view._pinned = (self, self.state())
        return view

    def files(self, kind: str, *, until_month: str | None = None,
              sources: set[str] | None = None) -> list[Path]:
        """Committed Parquet files of ``kind`` (for DuckDB, Spark or pyarrow readers); see
        ``LakeState.of_kind`` for ``until_month`` and ``sources``."""
        return [self.root / f.path for f in self.state().of_kind(kind, until_month, sources)]

    def has_files(self, kind: str, *, until_month: str | None = None) -> bool:
        """Whether the lake holds a file of ``kind`` (up to that month's partition)."""
        return bool(self.state().of_kind(kind, until_month))

    def connect(self) -> Any:
        """The Ibis DuckDB connection this lake reads with by default (one per Lake, so
        tables of different kinds can be joined)."""
        from credo.data.duckdb_connection import open_ibis_duckdb

        if self._pinned is not None:  # one connection per lake, not per read
            return self._pinned[0].connect()
        if self._con is None:
            self._con = open_ibis_duckdb()
        return self._con

    def table(
        self,
        kind: str,
        *,
        as_of: datetime | None = None,
        history: bool = False,
        person_id: str | None = None,
        people: PersonRange | None = None,
        con: Any = None,
        rows: ir.Table | None = None,
    ) -> ir.Table:
        """Records of ``kind`` as an Ibis table.

        ``as_of``: only what was known strictly before that instant (``reported_at <
        as_of``), reading only partitions up to its month. By default each record
        appears once, in its latest version; ``history=True`` returns every version.
        ``person_id``: only records about that person, read without ranking the
        versions of everyone else's (what a person's own pages and export need): every
        version of every record that was ever about them is considered, and a record's
        latest version is returned when it is about them (with ``history``, every
        version about them). Files are ordered by person_id, so only the row groups
        whose person_id (then record_id) range can hold them are read: in one scan
        while no file of the kind can hold a later version of a record (the log says
        so), in two otherwise.

        ``people``: only records about the people in that id range, with the same
        answer as reading everyone and keeping theirs, in memory and time that depend on
        the range, not on the lake: the range filters inside the Parquet scan, and a
        record whose versions name people on both sides of it (a correction that moved
        it) is ranked with all its versions, found once per lake version from the
        files that can hold a later version (see ``LakeState.versioned``).
        """
        import ibis

        if kind not in (*sc.KINDS, QUARANTINE):
            raise InputError(f"unknown kind {kind!r}: choose one of {', '.join(sc.KINDS)}")
        con = con or self.connect()
        if as_of is not None and as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=UTC)
        files = [] if rows is not None else self.files(
            kind, until_month=month_of(as_of) if as_of else None)
        schema = QUARANTINE_SCHEMA if kind == QUARANTINE else sc.lake_schema(kind)
        if rows is not None:
            t = rows
        elif files:
            t = con.read_parquet([str(p) for p in files], hive_partitioning=False)
        else:
            # No file of this kind (a source that sends none): an empty table typed as
            # the files would be read, nullable, so it joins and unions like one.
            nullable = pa.schema([field.with_nullable(True) for field in schema])
            t = ibis.memtable(nullable.empty_table())
        if kind == QUARANTINE:
            return t
        if as_of is not None:
            t = t.filter(t.reported_at < ibis.literal(as_of, type="timestamp('UTC', 6)"))
        if people is not None and not people.everyone:
            scan = t
            t = scan.filter(people.holds(scan.person_id))
            moved = None if history else self._moved_versions(kind, as_of, scan, con)
            if moved is not None:
                others = ibis.memtable(moved, schema=scan.schema())
                t = t.union(others.filter(~people.holds(others.person_id)))
        if person_id is not None and self.stores_once(kind, as_of):
            # No file can hold a later version: each record is stored once, so its one
            # version is about the person or not, and the person's filter alone (one
            # scan, reading only the row groups that can hold them) is every version.
            t = t.filter(t.person_id == person_id)
        elif person_id is not None:
            # Every version of every record that was ever about the person (a correction
            # may move a record to someone else), then the latest versions about them.
            # The few record ids are fetched first, so the versions of everyone else's
            # records are never ranked. Both steps filter inside the Parquet scan, where
            # row groups' min/max statistics skip what cannot match: the person_id
            # filter reads only the row groups that can hold the person; the record ids'
            # range does the same where record ids follow person ids (and merely repeats
            # the id list where they do not). The range is needed because DuckDB runs a
            # long IN list as a join after the scan, decoding every row it could not skip.
            ids = sorted(t.filter(t.person_id == person_id).select("record_id").distinct()
                         .to_pyarrow()["record_id"].to_pylist())
            if ids:
                t = t.filter(t.record_id.between(ids[0], ids[-1]), t.record_id.isin(ids))
            else:
                t = t.filter(ibis.literal(False))
        if not history:
            w = ibis.window(group_by=[t.source_id, t.record_id],
                            order_by=[t[c].desc() for c in LATEST_FIRST])
            t = t.mutate(_version_rank=ibis.row_number().over(w))
            t = t.filter(t._version_rank == 0).drop("_version_rank")
        if person_id is not None:
            t = t.filter(t.person_id == person_id)
        if people is not None and not people.everyone and not history:
            t = t.filter(people.holds(t.person_id))
        return t

    def stores_once(self, kind: str, as_of: datetime | None = None) -> bool:
        """Whether each record of ``kind`` known before ``as_of`` is stored once (the log
        names no file that can hold a later version): then a person's records are their
        rows, found in one scan, with no version of them elsewhere."""
        return not self.state().versioned_of_kind(kind, month_of(as_of) if as_of else None)

    def person_known(self, kind: str, as_of: datetime, person_id: str, stored: pa.Table
                     ) -> pa.Table | None:
        """The rows of ``table(kind, as_of=as_of, person_id=person_id)`` taken from
        ``stored``, every stored row about the person (of the files of every month), with
        no query; or None where that takes the query (:meth:`stores_once` does not hold).

        While no file can hold a later version of a record stored elsewhere, a record's
        versions are all among the person's rows, and ``table``'s answer is theirs known
        before ``as_of``, latest version of each: the same rule, on a few rows in memory
        (a query's fixed cost is many times theirs)."""
        import pyarrow.compute as pc

        if kind not in sc.KINDS or not self.stores_once(kind, as_of):
            return None
        if as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=UTC)
        instant = pa.scalar(as_of, type=stored.schema.field("reported_at").type)
        rows = stored.filter(pc.and_(pc.equal(stored["person_id"], person_id),
                                     pc.less(stored["reported_at"], instant)))
        rows = rows.sort_by([(c, "descending") for c in LATEST_FIRST])
        latest, seen = [], set()
        keys = zip(rows["source_id"].to_pylist(), rows["record_id"].to_pylist(), strict=True)
        for i, key in enumerate(keys):
            if key not in seen:  # the first of a record's rows is its latest version
                seen.add(key)
                latest.append(i)
        if len(latest) < rows.num_rows:
            rows = rows.take(latest)
        # Typed as the query answers (its columns may hold nulls).
        return rows.cast(pa.schema([f.with_nullable(True) for f in rows.schema]))

    def _moved_versions(
        self, kind: str, as_of: datetime | None, scan: ir.Table, con: Any
    ) -> pa.Table | None:
        """Every version (known before ``as_of``) of the records of ``kind`` whose
        versions name more than one person, or None when the lake holds none. Only the
        records in files that can hold a later version are candidates, so a lake of
        records each stored once answers from its log alone."""
        key = (kind, as_of, self.state().version)
        if key not in self._moved:
            until = month_of(as_of) if as_of else None
            marked = [str(self.root / f.path)
                      for f in self.state().versioned_of_kind(kind, until)]
            rows = None
            if marked:
                keys = ["source_id", "record_id"]
                marked_keys = con.read_parquet(marked, hive_partitioning=False)
                versioned = scan.semi_join(marked_keys.select(*keys).distinct(), keys)
                people = versioned.group_by(keys).aggregate(
                    _people=versioned.person_id.nunique())
                moved = versioned.semi_join(people.filter(people._people > 1), keys)
                rows = moved.to_pyarrow()
            self._moved[key] = rows if rows is not None and rows.num_rows else None
        return self._moved[key]

    def quarantine(self, con: Any = None) -> ir.Table:
        return self.table(QUARANTINE, con=con)

    def summary(self) -> pa.Table:
        """Record counts per kind, source and partition month (from the log only)."""
        counts: dict[tuple[str, str, str], list[int]] = {}
        for f in self.state().files.values():
            for source, n in f.sources.items():
                c = counts.setdefault((f.kind, source, f.partition), [0, 0])
                c[0] += n
                c[1] += 1
        rows = sorted(counts.items())
        return pa.table(
            {
                "kind": [k[0] for k, _ in rows],
                "source_id": [k[1] for k, _ in rows],
                "month": [k[2] for k, _ in rows],
                "records": pa.array([v[0] for _, v in rows], pa.int64()),
                "files": pa.array([v[1] for _, v in rows], pa.int64()),
            }
        )

    def has_sources(self, kind: str, sources: set[str]) -> bool:
        return any(set(f.sources) & sources for f in self.state().of_kind(kind))

    # -- writing -----------------------------------------------------------------
    @contextlib.contextmanager
    def writer(self, timeout: float = 600.0) -> Iterator[Writer]:
        """Exclusive write access; recovers from a previously killed writer first."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(exist_ok=True)
        fd = os.open(self.root / "_lock", os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LakeBusyError(
                            f"another process is writing to the lake at {self.root}; "
                            "wait for it to finish and retry"
                        ) from None
                    time.sleep(0.2)
            self.recover()
            yield Writer(self)
        finally:
            os.close(fd)  # closing releases the flock

    def recover(self) -> list[Path]:
        """Delete what a killed writer left behind (call only while holding the lock)."""
        removed: list[Path] = []
        staging = self.root / "_staging"
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
            removed.append(staging)
        # Compared as the log names them (relative text): hashing a Path per file cost
        # a large lake's writer a tenth of a second at every start.
        committed = set(self.state().files)
        for top in [*self.root.glob("kind=*"), self.root / QUARANTINE]:
            for folder, _, names in os.walk(top):
                relative = Path(folder).relative_to(self.root).as_posix()
                for name in names:
                    if f"{relative}/{name}" not in committed:
                        p = Path(folder) / name
                        p.unlink()
                        removed.append(p)
        for p in self.log_dir.glob(".tmp-*"):
            p.unlink()
            removed.append(p)
        return removed

    def append_commit(self, entry: dict[str, Any]) -> int:
        """Write the next commit-log entry (a writer does, holding the lock): the one
        step that makes files visible. Returns the new version."""
        version = self.state().version + 1
        write_commit(self.log_dir, version, entry)
        return version

    def compact(self, kind: str | None = None, small_rows: int = 1_000_000) -> int:
        """Merge the small files of each partition into one. Returns files removed."""
        with self.writer() as w:
            return w.compact(kind, small_rows)
