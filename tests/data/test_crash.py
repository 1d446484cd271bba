"""A real ingest process killed with SIGKILL mid-write leaves the lake as it was."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from credo.data.ingest import ingest_path
from credo.data.lake import Lake

from .conftest import lake_rows, records, write_csv

ROWS = 500_000


def big_csv(path: Path, n: int = ROWS) -> Path:
    i = pa.array(np.arange(n))
    s = pc.cast(i, pa.string())
    const = {
        "reported_at": "2025-03-22T02:00:00Z", "period_end": "2025-01-31",
        "due_date": "2025-02-21", "amount_due": "5000", "amount_paid": "5000",
        "paid_at": "2025-02-18", "balance": "48000", "days_past_due": "0",
        "status": "current", "currency": "EUR",
    }
    table = pa.table({
        "record_id": pc.binary_join_element_wise("big-", s, ""),
        "person_id": pc.binary_join_element_wise("P", pc.cast(pc.divide(i, 7), pa.string()), ""),
        "account_id": pc.binary_join_element_wise("A", s, ""),
        **{k: pa.array(np.full(n, v)) for k, v in const.items()},
    })
    pacsv.write_csv(table, path)
    return path


def ingest_cmd(lake: Path, path: Path, commit_rows: int) -> list[str]:
    return [sys.executable, "-m", "credo", "ingest", str(path), "--source", "bank",
            "--kind", "statement", "--lake", str(lake), "--batch-rows", "50000",
            "--commit-rows", str(commit_rows)]


def wait_for(cond, proc: subprocess.Popen, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert proc.poll() is None, "ingest finished before it could be killed"
        assert time.monotonic() < end
        time.sleep(0.02)


def committed(lake: Lake) -> int:
    return lake.table("statement").count().execute()


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return big_csv(tmp_path_factory.mktemp("big") / "big.csv")


@pytest.mark.slow
def test_kill_mid_batch_leaves_lake_as_before(tmp_path: Path, big: Path) -> None:
    root = tmp_path / "lake"
    lake = Lake(root)
    ingest_path(write_csv(tmp_path / "seed.csv", records(10)), source="bank",
                kind="statement", lake=lake)
    files_before = sorted(lake.state().files)
    rows_before = lake_rows(lake, "statement")
    proc = subprocess.Popen(ingest_cmd(root, big, 10**9), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    # Kill while it has written staged data, i.e. in the middle of the batch.
    wait_for(lambda: len(list((root / "_staging").glob("*/in/statement/*.parquet"))) >= 3,
             proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert list((root / "_staging").rglob("*.parquet"))  # debris exists on disk ...
    fresh = Lake(root)
    assert sorted(fresh.state().files) == files_before  # ... but is invisible
    assert lake_rows(fresh, "statement") == rows_before
    # A re-run recovers (deletes the debris) and completes; a third run adds nothing.
    r = ingest_path(big, source="bank", kind="statement", lake=fresh)
    assert (r.accepted, r.quarantined) == (ROWS, 0)
    assert not list((root / "_staging").rglob("*.parquet"))
    assert committed(fresh) == ROWS + 10
    r = ingest_path(big, source="bank", kind="statement", lake=fresh)
    assert (r.accepted, r.duplicate) == (0, ROWS)


@pytest.mark.slow
def test_kill_between_commits_keeps_whole_commits(tmp_path: Path, big: Path) -> None:
    root = tmp_path / "lake"
    proc = subprocess.Popen(ingest_cmd(root, big, 50_000), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    log = root / "_log"
    wait_for(lambda: log.exists() and len(list(log.glob("0*.json"))) >= 2, proc)
    time.sleep(float(np.random.default_rng().uniform(0, 0.2)))  # anywhere in the next one
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    lake = Lake(root)
    entries = [json.loads(p.read_text()) for p in sorted(log.glob("0*.json"))]
    accepted = sum(e["counts"]["accepted"] for e in entries)
    assert committed(lake) == accepted and 0 < accepted < ROWS
    for e in entries:  # every visible commit is whole: its files hold all it counted
        data = [f for f in e["add"] if f["kind"] == "statement"]
        assert sum(f["rows"] for f in data) == e["counts"]["accepted"]
    for f in lake.state().files:
        assert (root / f).exists()
    r = ingest_path(big, source="bank", kind="statement", lake=lake)
    assert (r.accepted, r.duplicate) == (ROWS - accepted, accepted)
    assert committed(lake) == ROWS
