"""The lake's writer: staging, deduplication against the stored versions, and the
placing of finished files, made visible by one commit-log entry per commit.

A writer session holds the lake's lock (``Lake.writer``). Files are written under
``_staging/<txn>/``, moved into their partitions, and only then named by the log: a
writer killed at any moment leaves only files no commit names.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credo.data import schemas as sc
from credo.data.duckdb_connection import open_duckdb
from credo.data.hashing import hash_table
from credo.data.lake_dedup import CLASSIFY_SQL
from credo.data.lake_log import FileEntry, LakeState, fsync_path, month_of, partition_dir
from credo.data.quarantine import (
    QUARANTINE,
    QUARANTINE_KEY,
    QUARANTINE_SCHEMA,
    conflict_records,
)

if TYPE_CHECKING:
    import duckdb

# Rows per Parquet row group in the files the lake writes. Record files are ordered by
# person_id, so a person's lookup reads only the row groups whose person_id range (their
# min/max statistics) can hold them, instead of every file's whole column; a full scan
# (feature computation) reads the same bytes either way.
ROW_GROUP_ROWS = 65_536


def sql_str(value: str | Path) -> str:
    """A SQL string literal (a path, a month), quotes doubled."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join(sql_str(p) for p in paths) + "]"


class CommittedLake(Protocol):
    """What a writer needs of its lake (:class:`credo.data.lake.Lake` is one): where it
    lives, the memory DuckDB may use, the committed state, and the one way to commit.
    Named here so that the writer depends on no lake module above it."""

    root: Path
    memory_limit: str

    def state(self) -> LakeState: ...

    def files(self, kind: str, *, until_month: str | None = None,
              sources: set[str] | None = None) -> list[Path]: ...

    def append_commit(self, entry: dict[str, Any]) -> int: ...


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


class Writer:
    """One writer session; each ``commit`` is atomic and independent."""

    def __init__(self, lake: CommittedLake) -> None:
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
        tmp = self.staging / "duckdb-tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        return open_duckdb(memory_limit=self.lake.memory_limit, temp_directory=str(tmp),
                           preserve_insertion_order=False,
                           threads=max(1, min(4, os.cpu_count() or 1)))

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
            rel = partition_dir(kind, month) / f"part-{self.txn}-{self._n:06d}.parquet"
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
        files = self.lake.files(QUARANTINE, sources=set(q.column("source_id").to_pylist()))
        if files:
            seen = pq.read_table(files, columns=["_hash"]).column("_hash")
            q = q.filter(pc.invert(pc.is_in(q.column("_hash"), seen.combine_chunks())))
        return q

    def _place(self, out: Path, rel: Path, kind: str, partition: str,
               sources: dict[str, int]) -> dict[str, Any]:
        """Move a finished file into the lake (still invisible until the log names it)."""
        fsync_path(out)
        meta = pq.read_metadata(out)
        final = self.lake.root / rel
        final.parent.mkdir(parents=True, exist_ok=True)
        out.replace(final)
        return {"path": rel.as_posix(), "kind": kind, "partition": partition,
                "rows": meta.num_rows, "bytes": final.stat().st_size,
                "sources": sources, "batch": self.txn}

    def compact(self, kind: str | None = None, small_rows: int = 1_000_000) -> int:
        """Merge the small files of each partition into one, as one commit. Returns
        the files removed."""
        lake = self.lake
        state = lake.state()
        groups: dict[tuple[str, str], list[FileEntry]] = {}
        for f in state.files.values():
            if (kind is None or f.kind == kind) and f.rows < small_rows:
                groups.setdefault((f.kind, f.partition), []).append(f)
        adds, removes = [], []
        con = self.duckdb()
        for (k, part), entries in sorted(groups.items()):
            if len(entries) < 2:
                continue
            rel = partition_dir(k, part) / f"part-{self.txn}-c.parquet"
            out = self.staging / "compact" / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            entries.sort(key=lambda e: e.path)  # paths begin with the txn: oldest first
            srcs = sql_list([lake.root / e.path for e in entries])
            # Ordered by person_id, stably (file by file, row by row within a person).
            # No hive columns: the folder's kind=... would overwrite a record's kind.
            order = "" if k == QUARANTINE else " ORDER BY person_id, filename, file_row_number"
            con.execute(
                "COPY (SELECT * EXCLUDE (filename, file_row_number) FROM read_parquet("
                f"{srcs}, union_by_name=true, hive_partitioning=false, filename=true, "
                "file_row_number=true)"
                f"{order}) TO {sql_str(out)} (FORMAT parquet, COMPRESSION zstd, "
                f"ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
            )
            sources: dict[str, int] = {}
            for e in entries:
                for s, n in e.sources.items():
                    sources[s] = sources.get(s, 0) + n
            adds.append(self._place(out, rel, k, part, sources))
            removes.extend(e.path for e in entries)
        con.close()
        removed = 0
        if adds:
            lake.append_commit({"txn": self.txn, "operation": "compact", "add": adds,
                                "remove": removes})
            for r in removes:
                (lake.root / r).unlink(missing_ok=True)
            removed = len(removes)
        shutil.rmtree(self.staging, ignore_errors=True)
        return removed

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
            rel = partition_dir(QUARANTINE, month) / f"part-{self.txn}.parquet"
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
            self.lake.append_commit({"txn": self.txn, "operation": "append", "add": adds,
                                   "remove": [], "counts": counts.__dict__})
        shutil.rmtree(self.staging, ignore_errors=True)
        self._new_txn()
        return counts

    def _dedup_and_write(self, kind: str, staged: list[Path]) -> tuple[list[dict], CommitCounts]:
        con = self.duckdb()
        try:
            con.execute(f"CREATE TEMP TABLE s AS SELECT * FROM read_parquet({sql_list(staged)})")
            # A record's key begins with its source: only the files of the batch's
            # sources can hold an earlier version (a push is checked against its
            # source's files, not the whole lake).
            existing = self.lake.files(kind, sources={
                s for (s,) in con.execute("SELECT DISTINCT source_id FROM s").fetchall()})
            key_cols = "source_id VARCHAR, record_id VARCHAR, reported_at TIMESTAMPTZ, _hash BIGINT"
            con.execute(f"CREATE TEMP TABLE ek ({key_cols})")
            if existing:
                con.execute(
                    "INSERT INTO ek SELECT e.source_id, e.record_id, e.reported_at, e._hash "
                    f"FROM read_parquet({sql_list(existing)}, union_by_name=true) e "
                    "SEMI JOIN (SELECT DISTINCT source_id, record_id FROM s) k "
                    "ON e.source_id = k.source_id AND e.record_id = k.record_id"
                )
            fresh = con.execute("SELECT count(*) FROM ek").fetchone()[0] == 0 and con.execute(
                "SELECT count(*) = count(DISTINCT (source_id, record_id)) FROM s"
            ).fetchone()[0]
            # New keys, each once: nothing to classify (the usual first ingest of a file).
            con.execute("CREATE TEMP TABLE c AS SELECT *, 'accepted' AS _status FROM s"
                        if fresh else CLASSIFY_SQL)
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
                rel = partition_dir(kind, month) / name
                out = self.staging / "out-dedup" / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                con.execute(
                    f"COPY (SELECT {lake_cols} FROM c WHERE {new_rows} "
                    f"AND {sc.PARTITION_COLUMN} = {sql_str(month)} ORDER BY person_id, _seq) "
                    f"TO {sql_str(out)} "
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
