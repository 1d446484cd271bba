"""The lake's records copied in person order, so one person's are a few rows to read.

The lake is laid out by the month a record was reported, which is what the monthly run
and the reads "as known at T" want; a person's records are then in every month's file of
every kind, a row group of 65,536 rows in each, and reading one person decodes dozens of
them (a third of a second on a 100,000-person lake). A person's own requests (the exact
what-if, the path to the next band) read exactly that.

``write_copy`` copies every record of the lake's current files into files ordered by
person id, in row groups of ``ROW_GROUP_ROWS`` rows, under ``_by_person/`` in the lake,
with a manifest naming the lake files it copied. ``person_rows`` keeps each copied
file's footer (its row groups' person id ranges) and reads the one or two row groups
that hold the person. It answers for a kind only while every file the copy was made
from is still in the lake: compaction replaces files, and then the copy is not used for
that kind until it is written again. Files the lake gained since are read as well, so
the copy never hides a record; it only stops being the fast way when the lake has grown
much, which is why the monthly cycle writes it again after the month's records arrive.

The rows it gives are the files' rows as they are stored (every version, every month):
what a person's records *are* (known before T, latest version) is still decided by
``Lake.table`` over these rows, in one place.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import threading
import time
import uuid
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credo.data import schemas as sc
from credo.data.duckdb_connection import open_duckdb
from credo.data.lake import Lake
from credo.data.lake_log import LakeState, fsync_path
from credo.errors import CredoError
from credo.progress import Reporter, Silent

COPY_DIR = "_by_person"
MANIFEST = "manifest.json"
ROW_GROUP_ROWS = 4_096  # a person's rows sit in one group (two at a boundary)
# 131,072 rows a file: a footer is parsed at each read (a fraction of a millisecond)
# rather than kept, as a process keeping every footer would hold 16 KB per row group
# (940 MB for a million people); it keeps each group's person id range only.
ROW_GROUPS_PER_FILE = 32
_KEPT_COPIES = 2  # the newest, and the one a reader may still be reading


@dataclass(frozen=True)
class CopyReport:
    path: Path
    lake_version: int
    records: dict[str, int]  # per kind
    seconds: float
    written: bool  # False: the newest copy was already of the lake's version


def copies_dir(lake: Lake) -> Path:
    return lake.root / COPY_DIR


def write_copy(lake: Lake, *, memory_limit: str = "3GB", threads: int | None = None,
               progress: Reporter | None = None, again: bool = False) -> CopyReport:
    """Copy the lake's current records in person order; the previous copy is replaced.
    A copy of the lake's current version is kept as it is unless ``again``.

    Only reads the lake (no lock: a writer appending meanwhile only makes files the next
    copy takes). A file compaction removes while it is copied is a clear error."""
    progress = progress or Silent()
    start = time.perf_counter()
    state = lake.state()
    root = copies_dir(lake)
    current = _copies(root)[-1:]
    if current and not again:
        manifest = _manifest(current[0])
        if manifest is not None and manifest.get("lake_version") == state.version:
            return CopyReport(current[0], state.version,
                              {k: v["rows"] for k, v in manifest["kinds"].items()},
                              time.perf_counter() - start, written=False)
    with _only_writer(root):
        return _write(lake, state, root, memory_limit, threads, progress, start)


@contextlib.contextmanager
def _only_writer(root: Path) -> Iterator[None]:
    """One copy written at a time; what a writer that died left half-written goes."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CredoError("another copy in person order is being written: "
                             "wait for it") from None
        for stale in root.glob(".writing-*"):
            shutil.rmtree(stale, ignore_errors=True)
        yield


def _write(lake: Lake, state: LakeState, root: Path, memory_limit: str,
           threads: int | None, progress: Reporter, start: float) -> CopyReport:
    # Names sort as the copies were made: the lake's version, then the clock.
    name = f"{state.version:08d}-{time.time_ns():020d}-{uuid.uuid4().hex[:6]}"
    work = root / f".writing-{name}"
    work.mkdir(parents=True)
    kinds: dict[str, dict[str, Any]] = {}
    con = open_duckdb(memory_limit=memory_limit, threads=threads,
                      temp_directory=str(work / ".spill"))
    # DuckDB counts the sort's progress (not printed) for the progress bar below.
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    try:
        for kind in sc.KINDS:
            entries = state.of_kind(kind)
            if not entries:
                continue
            progress.stage(f"ordering {kind} records by person", total=100, unit="%")
            with _reporting(con, progress):
                kinds[kind] = _copy_kind(con, lake, kind, [e.path for e in entries], work)
    except Exception as exc:
        shutil.rmtree(work, ignore_errors=True)
        if any(not (lake.root / f).exists() for f in state.files):
            raise CredoError("a lake file went away while it was copied (a compaction "
                             "ran meanwhile): run the copy again") from exc
        raise
    finally:
        con.close()
    shutil.rmtree(work / ".spill", ignore_errors=True)
    manifest = {"lake_version": state.version, "row_group_rows": ROW_GROUP_ROWS,
                "kinds": kinds}
    with (work / MANIFEST).open("w") as fh:
        json.dump(manifest, fh, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    final = root / name
    work.replace(final)  # whole or not at all: readers only look at named copies
    fsync_path(root)
    for old in _copies(root)[:-_KEPT_COPIES]:
        shutil.rmtree(old, ignore_errors=True)
    return CopyReport(final, state.version, {k: v["rows"] for k, v in kinds.items()},
                      time.perf_counter() - start, written=True)


@contextlib.contextmanager
def _reporting(con: Any, progress: Reporter) -> Iterator[None]:
    """Report the running statement's progress (in %) every half second."""
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.5):
            share = con.query_progress()
            if share >= 0:
                progress.count(min(100, int(share)), 100)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        yield
    finally:
        done.set()
        poller.join()
    progress.count(100, 100)


def _copy_kind(con: Any, lake: Lake, kind: str, sources: list[str], work: Path
               ) -> dict[str, Any]:
    out = work / kind
    files = "[" + ", ".join(_sql_str(lake.root / p) for p in sources) + "]"
    columns = ", ".join(f'"{f.name}"' for f in sc.lake_schema(kind))
    con.execute(
        f"COPY (SELECT {columns} FROM read_parquet({files}, union_by_name=true, "
        "hive_partitioning=false) ORDER BY person_id) "
        f"TO {_sql_str(out)} (FORMAT parquet, COMPRESSION zstd, "
        f"ROW_GROUP_SIZE {ROW_GROUP_ROWS}, ROW_GROUPS_PER_FILE {ROW_GROUPS_PER_FILE})")
    written = sorted(out.glob("*.parquet"), key=_file_number)
    # The reader finds a person by bisecting the groups' ranges in file order: refuse a
    # copy that is not in that order rather than have it miss records.
    ranges = [r for f in written for r in _group_ranges(pq.ParquetFile(f).metadata)]
    if any(later[0] < earlier[1] for earlier, later in pairwise(ranges)):
        raise CredoError(f"the copy of {kind} records is not in person order")
    return {"sources": sources, "files": [str(f.relative_to(work)) for f in written],
            "rows": sum(pq.ParquetFile(f).metadata.num_rows for f in written)}


def _file_number(path: Path) -> int:
    digits = "".join(ch for ch in path.stem if ch.isdigit())
    return int(digits or 0)


def _sql_str(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _copies(root: Path) -> list[Path]:
    """The complete copies, oldest first (names begin with the lake version and time)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).exists())


def _manifest(path: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and isinstance(
        manifest.get("kinds"), dict) else None


def _group_ranges(metadata: pq.FileMetaData) -> list[tuple[str, str]]:
    index = metadata.schema.to_arrow_schema().get_field_index("person_id")
    ranges = []
    for g in range(metadata.num_row_groups):
        stats = metadata.row_group(g).column(index).statistics
        if stats is None or not stats.has_min_max:
            raise CredoError("a copied file has no person id range for a row group")
        ranges.append((stats.min, stats.max))
    return ranges


# -- reading ---------------------------------------------------------------------------

@dataclass
class _Groups:
    """The row groups of some files, in person order, with their person id ranges."""

    paths: list[Path]
    where: list[tuple[int, int]]  # (file, group) per group
    firsts: list[str]
    lasts: list[str]
    ordered: bool  # groups in person order (a copy's, checked when it was written)

    @classmethod
    def of(cls, paths: list[Path], *, ordered: bool) -> _Groups:
        where, firsts, lasts = [], [], []
        for i, path in enumerate(paths):
            for g, (first, last) in enumerate(_group_ranges(pq.read_metadata(path))):
                where.append((i, g))
                firsts.append(first)
                lasts.append(last)
        return cls(paths, where, firsts, lasts, ordered)

    def rows(self, person_id: str, columns: list[str]) -> list[pa.Table]:
        if self.ordered:  # the groups that can hold the person are contiguous
            lo = bisect_left(self.lasts, person_id)
            hi = bisect_right(self.firsts, person_id)
            held = range(lo, max(lo, hi))
        else:
            held = range(len(self.where))
        out = []
        for i in held:
            if self.firsts[i] <= person_id <= self.lasts[i]:
                f, g = self.where[i]
                out.append(_read_group(self.paths[f], g, person_id, columns))
        return out


@dataclass
class _Kind:
    sources: frozenset[str]
    copied: _Groups


@dataclass
class _Copy:
    path: Path
    kinds: dict[str, _Kind]


def _read_group(path: Path, group: int, person_id: str, columns: list[str]) -> pa.Table:
    # A file object per read: reads from many threads share nothing.
    rows = pq.ParquetFile(path).read_row_group(group, columns=columns)
    return rows.filter(pc.equal(rows["person_id"], person_id))


class _Reader:
    """The copies and lake files' footers this process has read, per lake."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.copies: dict[Path, _Copy | None] = {}
        self.extra: dict[Path, _Groups] = {}  # a lake file not in the copy
        # Per lake version, kind and month: the lake files to read besides the copy,
        # or None when the copy no longer holds the kind's files.
        self.plans: dict[tuple[Path, Path, int, str, str | None], list[Path] | None] = {}

    def copy_of(self, lake: Lake) -> _Copy | None:
        copies = _copies(copies_dir(lake))
        newest = copies[-1] if copies else None
        with self.lock:
            kept = self.copies.get(lake.root)
            if kept is not None and newest is not None and kept.path == newest:
                return kept
        loaded = _load(newest) if newest is not None else None
        with self.lock:
            self.copies[lake.root] = loaded
        return loaded

    def unusable(self, lake: Lake, copy: _Copy) -> None:
        """Stop using ``copy`` (until a newer one is written)."""
        with self.lock:
            self.copies[lake.root] = _Copy(copy.path, {})

    def plan(self, lake: Lake, copy: _Copy, kind: str, until_month: str | None
             ) -> list[Path] | None:
        state = lake.state()
        key = (lake.root, copy.path, state.version, kind, until_month)
        with self.lock:
            if key in self.plans:
                return self.plans[key]
        held = copy.kinds.get(kind)
        plan = None
        if held is not None and held.sources <= {e.path for e in state.of_kind(kind)}:
            plan = [lake.root / e.path for e in state.of_kind(kind, until_month)
                    if e.path not in held.sources]
        with self.lock:
            if len(self.plans) > 1024:
                self.plans.clear()
            self.plans[key] = plan
            if plan is not None and self.extra:  # forget files that left this lake
                present = {lake.root / path for path in state.files}
                self.extra = {p: g for p, g in self.extra.items()
                              if p in present or lake.root not in p.parents}
        return plan

    def lake_file(self, path: Path) -> _Groups:
        with self.lock:
            groups = self.extra.get(path)
        if groups is None:
            groups = _Groups.of([path], ordered=False)
            with self.lock:
                self.extra[path] = groups
        return groups


def _load(path: Path) -> _Copy:
    """A copy's manifest and its groups' ranges; a copy that cannot be read holds no
    kind (the lake is then read as if there were none, and it is not tried again)."""
    manifest = _manifest(path)
    if manifest is None:
        return _Copy(path, {})
    try:
        kinds = {kind: _Kind(frozenset(entry["sources"]),
                             _Groups.of([path / f for f in entry["files"]], ordered=True))
                 for kind, entry in manifest["kinds"].items() if kind in sc.KINDS}
    except (OSError, ValueError, KeyError, TypeError, CredoError, pa.ArrowException):
        return _Copy(path, {})
    return _Copy(path, kinds)


_READER = _Reader()


def person_rows(lake: Lake, kind: str, person_id: str, until_month: str | None = None
                ) -> pa.Table | None:
    """Every stored row of ``kind`` about ``person_id`` in the lake's current files
    (those of partitions up to ``until_month``, and the copy's of any month: a read as of
    T filters by the instant anyway), typed as the lake stores it; or None when no copy
    of the lake's files of that kind can be used."""
    copy = _READER.copy_of(lake)
    held = copy.kinds.get(kind) if copy is not None else None
    others = _READER.plan(lake, copy, kind, until_month) if held is not None else None
    if held is None or others is None:  # no usable copy, or a copied file left the lake
        return None
    schema = sc.lake_schema(kind)
    columns = schema.names
    try:
        parts = held.copied.rows(person_id, columns)
    except (OSError, pa.ArrowException):
        # Removed or damaged since it was opened (two newer copies were written, or
        # someone deleted it): the month files answer, until a newer copy is written.
        _READER.unusable(lake, copy)
        return None
    for path in others:
        parts.extend(_READER.lake_file(path).rows(person_id, columns))
    return pa.concat_tables([p.select(columns).cast(schema) for p in parts]) if parts \
        else schema.empty_table()


@dataclass(frozen=True)
class CopyStatus:
    """How the newest copy stands against the lake (what ``credo lake`` tells)."""

    lake_version: int  # the copy's
    files_since: int  # lake files a person's read reads besides the copy
    not_held: list[str]  # kinds whose copied files left the lake: read the long way


def status(lake: Lake) -> CopyStatus | None:
    """The newest copy's standing, or None when the lake has no usable copy."""
    copy = _READER.copy_of(lake)
    if copy is None or not copy.kinds:
        return None
    manifest = _manifest(copy.path) or {}
    since, not_held = 0, []
    for kind in sc.KINDS:
        if kind not in copy.kinds:
            continue
        others = _READER.plan(lake, copy, kind, None)
        if others is None:
            not_held.append(kind)
        else:
            since += len(others)
    return CopyStatus(int(manifest.get("lake_version", -1)), since, not_held)
