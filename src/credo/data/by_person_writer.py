"""Writing the lake's copy in person order (read by :mod:`credo.data.by_person`).

A DuckDB sort of each kind's records by person id, written in row groups of
``ROW_GROUP_ROWS`` rows into a folder that becomes the copy whole or not at all (renamed
into place after its manifest is on disk), by one writer at a time.
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
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from credo.data import schemas as sc
from credo.data.by_person import MANIFEST, copies, copies_dir, read_manifest
from credo.data.duckdb_connection import open_duckdb
from credo.data.lake import Lake
from credo.data.lake_log import LakeState, fsync_path
from credo.data.lake_writer import sql_list, sql_str
from credo.data.person_groups import group_ranges
from credo.errors import CredoError
from credo.progress import Reporter, Silent

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
    current = copies(root)[-1:]
    if current and not again:
        manifest = read_manifest(current[0])
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
    for old in copies(root)[:-_KEPT_COPIES]:
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
    files = sql_list([lake.root / p for p in sources])
    columns = ", ".join(f'"{f.name}"' for f in sc.lake_schema(kind))
    con.execute(
        f"COPY (SELECT {columns} FROM read_parquet({files}, union_by_name=true, "
        "hive_partitioning=false) ORDER BY person_id) "
        f"TO {sql_str(out)} (FORMAT parquet, COMPRESSION zstd, "
        f"ROW_GROUP_SIZE {ROW_GROUP_ROWS}, ROW_GROUPS_PER_FILE {ROW_GROUPS_PER_FILE})")
    written = sorted(out.glob("*.parquet"), key=_file_number)
    # The reader finds a person by bisecting the groups' ranges in file order: refuse a
    # copy that is not in that order rather than have it miss records.
    footers = [pq.read_metadata(f) for f in written]
    ranges = [r for footer in footers for r in group_ranges(footer)]
    if any(later[0] < earlier[1] for earlier, later in pairwise(ranges)):
        raise CredoError(f"the copy of {kind} records is not in person order")
    return {"sources": sources, "files": [str(f.relative_to(work)) for f in written],
            "rows": sum(footer.num_rows for footer in footers)}


def _file_number(path: Path) -> int:
    digits = "".join(ch for ch in path.stem if ch.isdigit())
    return int(digits or 0)

