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

Records are partitioned by the month they were reported, so a snapshot "as known at T"
opens only partitions up to T's month.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credo.data import schemas as sc
from credo.data.hashing import hash_table
from credo.errors import CredoError, InputError

if TYPE_CHECKING:
    import duckdb
    import ibis.expr.types as ir

QUARANTINE = "quarantine"
LOG_DIGITS = 8
# Rows per Parquet row group in the files the lake writes. Record files are ordered by
# person_id, so a person's lookup reads only the row groups whose person_id range (their
# min/max statistics) can hold them, instead of every file's whole column; a full scan
# (feature computation) reads the same bytes either way.
ROW_GROUP_ROWS = 65_536

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source_id", pa.string()),
        pa.field("kind", pa.string()),
        pa.field("file", pa.string()),
        pa.field("row", pa.int64()),
        pa.field("record", pa.string()),  # the record as received, as a JSON object
        pa.field("reasons", pa.string()),  # every reason, joined by " | "
        pa.field("reason_count", pa.int64()),
        pa.field("quarantined_at", pa.timestamp("us", tz="UTC")),
        pa.field("_batch", pa.string()),
        pa.field("_hash", pa.int64()),  # of (source, kind, record, reasons): idempotence
    ]
)
QUARANTINE_KEY = ["source_id", "kind", "record", "reasons"]


class LakeBusyError(CredoError):
    """Another process is writing to the lake."""


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the lake root
    kind: str
    partition: str  # YYYY-MM
    rows: int
    bytes: int
    sources: dict[str, int]
    batch: str


@dataclass
class CommitCounts:
    accepted: int = 0
    duplicate: int = 0
    superseded: int = 0
    quarantined: int = 0

    def add(self, other: CommitCounts) -> None:
        self.accepted += other.accepted
        self.duplicate += other.duplicate
        self.superseded += other.superseded
        self.quarantined += other.quarantined


@dataclass
class Snapshot:
    version: int
    files: dict[str, FileEntry] = field(default_factory=dict)

    def of_kind(self, kind: str, until_month: str | None = None) -> list[FileEntry]:
        out = [f for f in self.files.values() if f.kind == kind]
        if until_month is not None:
            out = [f for f in out if f.partition <= until_month]
        return sorted(out, key=lambda f: f.path)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def month_of(moment: datetime | date) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def _sql_str(value: str | Path) -> str:
    """A SQL string literal (a path, a month), quotes doubled."""
    return "'" + str(value).replace("'", "''") + "'"


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join(_sql_str(p) for p in paths) + "]"


class Lake:
    """An event lake rooted at a folder. Cheap to construct; reads the log lazily."""

    def __init__(self, root: Path | str, *, memory_limit: str = "3GB") -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise InputError(f"lake {str(self.root)!r} is a file, not a folder: give the "
                             "lake's folder (it is made if missing)")
        self.memory_limit = memory_limit
        self._cache: tuple[tuple[str, ...], Snapshot] | None = None
        self._con: Any = None

    # -- reading -----------------------------------------------------------------
    @property
    def log_dir(self) -> Path:
        return self.root / "_log"

    def _log_names(self) -> list[str]:
        if not self.log_dir.is_dir():
            return []
        names = (p.name for p in self.log_dir.iterdir())
        return sorted(
            n for n in names
            if n.endswith(".json") and n[:-5].isdigit() and len(n) == LOG_DIGITS + 5
        )

    def snapshot(self) -> Snapshot:
        """The committed state: replay of the log."""
        names = tuple(self._log_names())
        if self._cache is not None and self._cache[0] == names:
            return self._cache[1]
        snap = Snapshot(version=0)
        for name in names:
            entry = json.loads((self.log_dir / name).read_text())
            for path in entry.get("remove", []):
                snap.files.pop(path, None)
            for f in entry.get("add", []):
                snap.files[f["path"]] = FileEntry(**f)
            snap.version = int(name[:-5])
        self._cache = (names, snap)
        return snap

    def files(self, kind: str, *, until_month: str | None = None) -> list[Path]:
        """Committed Parquet files of ``kind`` (for DuckDB, Spark or pyarrow readers)."""
        return [self.root / f.path for f in self.snapshot().of_kind(kind, until_month)]

    def connect(self) -> Any:
        """The Ibis DuckDB connection this lake reads with by default (one per Lake, so
        tables of different kinds can be joined)."""
        import ibis

        if self._con is None:
            self._con = ibis.duckdb.connect()
            self._con.raw_sql("SET enable_progress_bar = false")  # keep library output quiet
        return self._con

    def table(
        self,
        kind: str,
        *,
        as_of: datetime | None = None,
        history: bool = False,
        person_id: str | None = None,
        con: Any = None,
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
        whose person_id (then record_id) range can hold them are read.
        """
        import ibis

        if kind not in (*sc.KINDS, QUARANTINE):
            raise InputError(f"unknown kind {kind!r}: choose one of {', '.join(sc.KINDS)}")
        con = con or self.connect()
        if as_of is not None and as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=UTC)
        files = self.files(kind, until_month=month_of(as_of) if as_of else None)
        schema = QUARANTINE_SCHEMA if kind == QUARANTINE else sc.lake_schema(kind)
        if files:
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
        if person_id is not None:
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
            w = ibis.window(
                group_by=[t.source_id, t.record_id],
                order_by=[t.reported_at.desc(), t._ingested_at.desc()],
            )
            t = t.mutate(_version_rank=ibis.row_number().over(w))
            t = t.filter(t._version_rank == 0).drop("_version_rank")
        if person_id is not None:
            t = t.filter(t.person_id == person_id)
        return t

    def quarantine(self, con: Any = None) -> ir.Table:
        return self.table(QUARANTINE, con=con)

    def summary(self) -> pa.Table:
        """Record counts per kind, source and partition month (from the log only)."""
        counts: dict[tuple[str, str, str], list[int]] = {}
        for f in self.snapshot().files.values():
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
        return any(set(f.sources) & sources for f in self.snapshot().of_kind(kind))

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
        committed = {self.root / f for f in self.snapshot().files}
        for top in [*self.root.glob("kind=*"), self.root / QUARANTINE]:
            if not top.is_dir():
                continue
            for p in top.rglob("*"):
                if p.is_file() and p not in committed:
                    p.unlink()
                    removed.append(p)
        for p in self.log_dir.glob(".tmp-*"):
            p.unlink()
            removed.append(p)
        return removed

    def _commit_log(self, entry: dict[str, Any]) -> int:
        version = self.snapshot().version + 1
        entry["version"] = version
        entry["committed_at"] = datetime.now(UTC).isoformat()
        tmp = self.log_dir / f".tmp-{entry['txn']}"
        with tmp.open("w") as fh:
            json.dump(entry, fh, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        final = self.log_dir / f"{version:0{LOG_DIGITS}d}.json"
        if final.exists():  # impossible under the lock; refuse rather than overwrite
            raise CredoError(f"commit {final.name} already exists; is a second writer running?")
        tmp.replace(final)
        _fsync_path(self.log_dir)
        self._cache = None
        return version

    def compact(self, kind: str | None = None, small_rows: int = 1_000_000) -> int:
        """Merge the small files of each partition into one. Returns files removed."""

        removed_total = 0
        with self.writer() as w:
            snap = self.snapshot()
            groups: dict[tuple[str, str], list[FileEntry]] = {}
            for f in snap.files.values():
                if (kind is None or f.kind == kind) and f.rows < small_rows:
                    groups.setdefault((f.kind, f.partition), []).append(f)
            adds, removes = [], []
            con = w.duckdb()
            for (k, part), entries in sorted(groups.items()):
                if len(entries) < 2:
                    continue
                rel = self._partition_dir(k, part) / f"part-{w.txn}-c.parquet"
                out = w.staging / "compact" / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                entries.sort(key=lambda e: e.path)  # paths begin with the txn: oldest first
                srcs = _sql_list([self.root / e.path for e in entries])
                # Ordered by person_id, stably (file by file, row by row within a person).
                # No hive columns: the folder's kind=... would overwrite a record's kind.
                order = "" if k == QUARANTINE else " ORDER BY person_id, filename, file_row_number"
                con.execute(
                    "COPY (SELECT * EXCLUDE (filename, file_row_number) FROM read_parquet("
                    f"{srcs}, union_by_name=true, hive_partitioning=false, filename=true, "
                    "file_row_number=true)"
                    f"{order}) TO {_sql_str(out)} (FORMAT parquet, COMPRESSION zstd, "
                    f"ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
                )
                sources: dict[str, int] = {}
                for e in entries:
                    for s, n in e.sources.items():
                        sources[s] = sources.get(s, 0) + n
                adds.append(w._place(out, rel, k, part, sources))
                removes.extend(e.path for e in entries)
            con.close()
            if adds:
                self._commit_log({"txn": w.txn, "operation": "compact", "add": adds,
                                  "remove": removes})
                for r in removes:
                    (self.root / r).unlink(missing_ok=True)
                removed_total = len(removes)
            shutil.rmtree(w.staging, ignore_errors=True)
        return removed_total

    def _partition_dir(self, kind: str, partition: str) -> Path:
        if kind == QUARANTINE:
            return Path(QUARANTINE) / f"ingest_month={partition}"
        return Path(f"kind={kind}") / f"{sc.PARTITION_COLUMN}={partition}"


class Writer:
    """One writer session; each ``commit`` is atomic and independent."""

    def __init__(self, lake: Lake) -> None:
        self.lake = lake
        self.txn = ""
        self._new_txn()

    def _new_txn(self) -> None:
        self.txn = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        self.staging = self.lake.root / "_staging" / self.txn
        self._staged: dict[str, list[Path]] = {}
        self._bulk: list[dict[str, Any]] = []
        self._bulk_tables: dict[str, list[pa.Table]] = {}
        self._quarantine: list[pa.Table] = []
        self._seq = 0
        self._n = 0
        self._quarantined = 0

    def duckdb(self) -> duckdb.DuckDBPyConnection:
        import duckdb

        tmp = self.staging / "duckdb-tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(
            config={
                "memory_limit": self.lake.memory_limit,
                "temp_directory": str(tmp),
                "preserve_insertion_order": False,
                "threads": max(1, min(4, os.cpu_count() or 1)),
            }
        )
        con.execute("SET enable_progress_bar = false")
        return con

    def _with_lake_columns(self, kind: str, valid: pa.Table) -> pa.Table:
        cols = sc.field_names(kind)
        n = valid.num_rows
        out = valid.append_column("_hash", pa.array(hash_table(valid, cols), pa.int64()))
        out = out.append_column("_batch", pa.array(np.full(n, self.txn), pa.string()))
        now = np.datetime64(datetime.now(UTC).replace(tzinfo=None), "us")
        out = out.append_column(
            "_ingested_at", pa.array(np.full(n, now)).cast(pa.timestamp("us", tz="UTC"))
        )
        out = out.append_column("_schema_version",
                                pa.array(np.full(n, sc.SCHEMA_VERSION, dtype=np.int64)))
        return out.cast(sc.lake_schema(kind))

    def _next_path(self, sub: str) -> Path:
        self._n += 1
        p = self.staging / sub / f"{self._n:06d}.parquet"
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def stage(self, kind: str, valid: pa.Table, *, dedup: bool = True) -> None:
        """Stage validated records (``schemas.record_schema(kind)``) for the next commit.

        ``dedup=False`` is the trusted bulk path: the caller guarantees that every
        (source_id, record_id, reported_at) is new to the lake and unique in the batch
        (the simulator, whose ids are unique by construction, on sources the lake has
        never seen). Rows are then partitioned and written directly.
        """
        if valid.num_rows == 0:
            return
        table = self._with_lake_columns(kind, valid)
        if not dedup:
            # Buffered: one partitioned write per kind at commit keeps files few and big.
            self._bulk_tables.setdefault(kind, []).append(table)
            return
        months = pc.strftime(table.column("reported_at"), format="%Y-%m")
        seq = pa.array(np.arange(self._seq, self._seq + table.num_rows, dtype=np.int64))
        self._seq += table.num_rows
        table = table.append_column("_seq", seq).append_column(sc.PARTITION_COLUMN, months)
        path = self._next_path(f"in/{kind}")
        pq.write_table(table, path, compression="zstd")
        self._staged.setdefault(kind, []).append(path)

    def _write_partitioned(self, kind: str, table: pa.Table) -> None:
        days = table.column("reported_at").cast(pa.date32()).to_numpy()
        code = days.astype("datetime64[M]").astype(np.int64)
        if np.any(np.diff(code) < 0):  # producers that emit month by month skip this take
            order = np.argsort(code, kind="stable")
            code = code[order]
            table = table.take(pa.array(order))
        bounds = np.flatnonzero(np.diff(code)) + 1
        starts = np.r_[0, bounds]
        ends = np.r_[bounds, len(code)]
        for lo, hi in zip(starts, ends, strict=True):
            sub = _by_person(table.slice(lo, hi - lo))
            month = str(np.datetime64(int(code[lo]), "M"))
            self._n += 1
            rel = self.lake._partition_dir(kind, month) / f"part-{self.txn}-{self._n:06d}.parquet"
            out = self.staging / "out" / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(sub, out, compression="zstd", use_dictionary=_dict_columns(kind),
                           row_group_size=ROW_GROUP_ROWS)
            vc = pc.value_counts(sub.column("source_id")).to_pylist()
            self._bulk.append({"out": out, "rel": rel, "kind": kind, "partition": month,
                               "sources": {d["values"]: d["counts"] for d in vc}})

    def quarantine(self, records: pa.Table) -> None:
        if records.num_rows:
            records = records.cast(QUARANTINE_SCHEMA)
            h = pa.array(hash_table(records, QUARANTINE_KEY), pa.int64())
            records = records.set_column(records.schema.get_field_index("_hash"), "_hash", h)
            self._quarantine.append(records)
            self._quarantined += records.num_rows

    def _new_quarantine(self) -> pa.Table:
        """Staged quarantine minus what an earlier ingest of the same input stored."""
        if not self._quarantine:
            return QUARANTINE_SCHEMA.empty_table()
        q = pa.concat_tables(self._quarantine)
        sources = set(q.column("source_id").to_pylist())
        files = [self.lake.root / f.path for f in self.lake.snapshot().of_kind(QUARANTINE)
                 if set(f.sources) & sources]
        if files:
            seen = pq.read_table(files, columns=["_hash"]).column("_hash")
            q = q.filter(pc.invert(pc.is_in(q.column("_hash"), seen.combine_chunks())))
        return q

    def _place(self, out: Path, rel: Path, kind: str, partition: str,
               sources: dict[str, int]) -> dict[str, Any]:
        """Move a finished file into the lake (still invisible until the log names it)."""
        _fsync_path(out)
        meta = pq.read_metadata(out)
        final = self.lake.root / rel
        final.parent.mkdir(parents=True, exist_ok=True)
        out.replace(final)
        return {"path": rel.as_posix(), "kind": kind, "partition": partition,
                "rows": meta.num_rows, "bytes": final.stat().st_size,
                "sources": sources, "batch": self.txn}

    def rollback(self) -> None:
        """Forget everything staged since the last commit."""
        shutil.rmtree(self.staging, ignore_errors=True)
        self._new_txn()

    def commit(self) -> CommitCounts:
        """Deduplicate what was staged against the lake and make it visible atomically."""
        counts = CommitCounts()
        adds: list[dict[str, Any]] = []
        for kind, tables in self._bulk_tables.items():
            self._write_partitioned(kind, pa.concat_tables(tables))
        self._bulk_tables = {}
        for b in self._bulk:
            adds.append(self._place(b["out"], b["rel"], b["kind"], b["partition"], b["sources"]))
            counts.accepted += sum(b["sources"].values())
        for kind, paths in self._staged.items():
            kind_adds, kind_counts = self._dedup_and_write(kind, paths)
            adds.extend(kind_adds)
            counts.add(kind_counts)
        q = self._new_quarantine()
        if q.num_rows:
            month = month_of(datetime.now(UTC))
            rel = self.lake._partition_dir(QUARANTINE, month) / f"part-{self.txn}.parquet"
            out = self.staging / "out" / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            q = q.set_column(q.schema.get_field_index("_batch"), "_batch",
                             pa.array([self.txn] * q.num_rows, pa.string()))
            pq.write_table(q, out, compression="zstd")
            vc = pc.value_counts(q.column("source_id")).to_pylist()
            adds.append(self._place(out, rel, QUARANTINE, month,
                                    {d["values"]: d["counts"] for d in vc}))
        counts.quarantined += self._quarantined
        if adds:
            self.lake._commit_log({"txn": self.txn, "operation": "append", "add": adds,
                                   "remove": [], "counts": counts.__dict__})
        shutil.rmtree(self.staging, ignore_errors=True)
        self._new_txn()
        return counts

    def _dedup_and_write(self, kind: str, staged: list[Path]) -> tuple[list[dict], CommitCounts]:
        con = self.duckdb()
        try:
            con.execute(f"CREATE TEMP TABLE s AS SELECT * FROM read_parquet({_sql_list(staged)})")
            existing = self.lake.files(kind)
            key_cols = "source_id VARCHAR, record_id VARCHAR, reported_at TIMESTAMPTZ, _hash BIGINT"
            con.execute(f"CREATE TEMP TABLE ek ({key_cols})")
            if existing:
                con.execute(
                    "INSERT INTO ek SELECT e.source_id, e.record_id, e.reported_at, e._hash "
                    f"FROM read_parquet({_sql_list(existing)}, union_by_name=true) e "
                    "SEMI JOIN (SELECT DISTINCT source_id, record_id FROM s) k "
                    "ON e.source_id = k.source_id AND e.record_id = k.record_id"
                )
            fresh = con.execute("SELECT count(*) FROM ek").fetchone()[0] == 0 and con.execute(
                "SELECT count(*) = count(DISTINCT (source_id, record_id)) FROM s"
            ).fetchone()[0]
            # New keys, each once: nothing to classify (the usual first ingest of a file).
            con.execute("CREATE TEMP TABLE c AS SELECT *, 'accepted' AS _status FROM s"
                        if fresh else _CLASSIFY_SQL)
            lake_cols = ", ".join(f'"{c}"' for c in sc.lake_schema(kind).names)
            new_rows = "_status IN ('accepted', 'superseded')"
            # One file per report month, ordered by person_id (stably: by _seq). A
            # partitioned COPY would not keep the order, so each month is its own COPY
            # of the in-memory table (a feed usually spans a month or two); the counts
            # per month and source come from the same table, not from the files.
            per_month: dict[str, dict[str, int]] = {}
            for month, source, n in con.execute(
                f"SELECT {sc.PARTITION_COLUMN}, source_id, count(*) FROM c WHERE {new_rows} "
                "GROUP BY ALL ORDER BY ALL"
            ).fetchall():
                per_month.setdefault(month, {})[source] = n
            adds = []
            for month, sources in per_month.items():
                name = f"part-{self.txn}-{uuid.uuid4()}.parquet"
                rel = self.lake._partition_dir(kind, month) / name
                out = self.staging / "out-dedup" / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                con.execute(
                    f"COPY (SELECT {lake_cols} FROM c WHERE {new_rows} "
                    f"AND {sc.PARTITION_COLUMN} = {_sql_str(month)} ORDER BY person_id, _seq) "
                    f"TO {_sql_str(out)} "
                    f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
                )
                adds.append(self._place(out, rel, kind, month, sources))
            by = dict(con.execute("SELECT _status, count(*) FROM c GROUP BY 1").fetchall())
            conflicts = con.sql(
                f"SELECT {', '.join(sc.field_names(kind))} FROM c WHERE _status = 'conflict' "
                "ORDER BY _seq"
            ).to_arrow_table()
        finally:
            con.close()
        counts = CommitCounts(
            accepted=by.get("accepted", 0),
            duplicate=by.get("duplicate", 0),
            superseded=by.get("superseded", 0),
        )
        if conflicts.num_rows:
            self.quarantine(conflict_records(kind, conflicts))
        return adds, counts


def _by_person(table: pa.Table) -> pa.Table:
    """``table`` ordered by person_id, stably: a person's rows keep their order."""
    person = table.column("person_id")
    if table.num_rows < 2 or not pc.any(
        pc.less(person.slice(1), person.slice(0, table.num_rows - 1))
    ).as_py():
        return table  # already ordered
    return table.take(pc.sort_indices(person))  # sort_indices is stable


def _dict_columns(kind: str) -> list[str]:
    """Low-cardinality columns: dictionary-encode these only (ids are near unique)."""
    names = [f.name for f in sc.fields(kind) if f.type == sc.CODE]
    return [*names, "person_id", "source_id", "_batch"] + (
        ["account_id"] if "account_id" in sc.field_names(kind) else []
    )


def conflict_records(kind: str, conflicts: pa.Table) -> pa.Table:
    from credo.data.validate import record_json

    n = conflicts.num_rows
    reason = ("record_id: a different version with the same reported_at already exists; "
              "send corrections with a newer reported_at")
    return pa.table(
        {
            "source_id": conflicts.column("source_id"),
            "kind": [kind] * n,
            "file": [None] * n,
            "row": pa.nulls(n, pa.int64()),
            "record": record_json(conflicts, np.arange(n)),
            "reasons": [reason] * n,
            "reason_count": pa.array(np.ones(n, dtype=np.int64)),
            "quarantined_at": pa.array([datetime.now(UTC)] * n, pa.timestamp("us", tz="UTC")),
            "_batch": [""] * n,
            "_hash": pa.array(np.zeros(n, dtype=np.int64)),
        },
        schema=QUARANTINE_SCHEMA,
    )


# Classify each staged row against the existing versions (ek) and the rest of the batch:
# duplicate   same content (hash includes reported_at) already stored or earlier in batch
# conflict    same reported_at, different content: ambiguous, quarantined
# superseded  a new version of a record that already has one (kept as history)
# accepted    a record never seen before
_CLASSIFY_SQL = """
CREATE TEMP TABLE c AS
WITH flags AS (
  SELECT s.*,
    h.record_id IS NOT NULL AS dup_e,
    r.record_id IS NOT NULL AS rt_e,
    k.record_id IS NOT NULL AS key_e,
    row_number() OVER (PARTITION BY s.source_id, s.record_id, s._hash ORDER BY s._seq) AS rn_h,
    row_number() OVER (PARTITION BY s.source_id, s.record_id, s.reported_at ORDER BY s._seq)
      AS rn_rt
  FROM s
  LEFT JOIN (SELECT DISTINCT source_id, record_id, _hash FROM ek) h
    ON h.source_id = s.source_id AND h.record_id = s.record_id AND h._hash = s._hash
  LEFT JOIN (SELECT DISTINCT source_id, record_id, reported_at FROM ek) r
    ON r.source_id = s.source_id AND r.record_id = s.record_id
   AND r.reported_at = s.reported_at
  LEFT JOIN (SELECT DISTINCT source_id, record_id FROM ek) k
    ON k.source_id = s.source_id AND k.record_id = s.record_id
), st AS (
  SELECT *, CASE WHEN dup_e OR rn_h > 1 THEN 'duplicate'
                 WHEN rt_e OR rn_rt > 1 THEN 'conflict'
                 ELSE 'new' END AS _st
  FROM flags
)
SELECT * EXCLUDE (_st, dup_e, rt_e, rn_h, rn_rt), CASE
    WHEN _st <> 'new' THEN _st
    WHEN key_e THEN 'superseded'
    WHEN row_number() OVER (PARTITION BY source_id, record_id, _st ORDER BY _seq) > 1
      THEN 'superseded'
    ELSE 'accepted' END AS _status
FROM st
"""
