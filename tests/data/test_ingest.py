"""Ingest end to end: formats, idempotence, corrections, file-level errors, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from credo.data import schemas as sc
from credo.data.ingest import ingest_path
from credo.data.lake import Lake
from credo.errors import InputError

from .conftest import lake_rows, record, records, write_csv, write_jsonl

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "records"


def ingest(lake: Lake, path: Path, kind: str = "statement", source: str = "bank"):
    return ingest_path(path, source=source, kind=kind, lake=lake)


def state(lake: Lake) -> dict:
    """Everything a reader can see: committed files and every table's content."""
    out = {"files": sorted(lake.state().files)}
    for kind in sc.KINDS:
        out[kind] = lake_rows(lake, kind, history=True)
    out["quarantine"] = lake.quarantine().count().execute()
    return out


@pytest.mark.parametrize("kind", sc.KINDS)
def test_examples_are_valid(lake: Lake, kind: str) -> None:
    [path] = EXAMPLES.glob(f"{kind}.*")
    source = "idv-x" if kind == "identity" else "bank-a"
    r = ingest(lake, path, kind, source)
    assert r.quarantined == 0 and not r.failed and r.accepted > 0


def test_example_account_versions(lake: Lake) -> None:
    r = ingest(lake, EXAMPLES / "account.csv", "account", "bank-a")
    assert (r.accepted, r.superseded) == (3, 1)
    current = {x["record_id"]: x for x in lake_rows(lake, "account")}
    assert current["acc-1002"]["closed_at"] is not None
    before = {
        x["record_id"]: x
        for x in lake_rows(lake, "account", as_of=datetime(2025, 1, 1, tzinfo=UTC))
    }
    assert before["acc-1002"]["closed_at"] is None and "acc-1001" in before


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_reingest_is_a_noop(lake: Lake, tmp_path: Path, fmt: str) -> None:
    rows = [*records(50), record("statement", record_id="bad", amount_due="x")]
    path = tmp_path / f"in.{fmt}"
    if fmt == "csv":
        write_csv(path, rows)
    elif fmt == "jsonl":
        write_jsonl(path, rows)
    else:
        pq.write_table(pa.Table.from_pylist(rows), path)
    first = ingest(lake, path)
    assert (first.accepted, first.quarantined, first.duplicate) == (50, 1, 0)
    before = state(lake)
    second = ingest(lake, path)
    assert (second.accepted, second.superseded, second.duplicate, second.quarantined) == (
        0,
        0,
        50,
        1,
    )
    assert state(lake) == before


def test_duplicates_inside_one_file(lake: Lake, tmp_path: Path) -> None:
    rows = records(5) + records(5)
    r = ingest(lake, write_csv(tmp_path / "d.csv", rows))
    assert (r.accepted, r.duplicate) == (5, 5)


def test_correction_supersedes_and_keeps_history(lake: Lake, tmp_path: Path) -> None:
    ingest(lake, write_csv(tmp_path / "v1.csv", records(3)))
    fix = record(
        "statement",
        record_id="r1",
        person_id="P1",
        amount_paid="4000",
        reported_at="2025-04-01T00:00:00Z",
    )
    r = ingest(lake, write_csv(tmp_path / "v2.csv", [fix]))
    assert (r.accepted, r.superseded, r.duplicate) == (0, 1, 0)
    current = {x["record_id"]: x for x in lake_rows(lake, "statement")}
    assert len(current) == 3 and current["r1"]["amount_paid"] == 4000
    assert len(lake_rows(lake, "statement", history=True)) == 4
    old = {
        x["record_id"]: x
        for x in lake_rows(lake, "statement", as_of=datetime(2025, 3, 31, tzinfo=UTC))
    }
    assert old["r1"]["amount_paid"] == 5000
    # An older version arriving late is kept as history but does not become current.
    late = record(
        "statement",
        record_id="r2",
        person_id="P2",
        amount_paid="1",
        reported_at="2025-03-01T00:00:00Z",
    )
    r = ingest(lake, write_csv(tmp_path / "v0.csv", [late]))
    assert r.superseded == 1
    current = {x["record_id"]: x for x in lake_rows(lake, "statement")}
    assert current["r2"]["amount_paid"] == 5000


def test_a_persons_records_follow_corrections_that_move_a_record(
    lake: Lake, tmp_path: Path
) -> None:
    ingest(lake, write_csv(tmp_path / "v1.csv", records(3)))
    moved = record(
        "statement",
        record_id="r1",
        person_id="P2",
        amount_paid="4000",
        reported_at="2025-04-01T00:00:00Z",
    )  # it was P2's all along
    ingest(lake, write_csv(tmp_path / "v2.csv", [moved]))

    def ids(person: str, history: bool = False) -> list[str]:
        t = lake.table("statement", person_id=person, history=history)
        return sorted(t.to_pyarrow()["record_id"].to_pylist())

    assert ids("P1") == [] and ids("P1", history=True) == ["r1"]
    assert ids("P2") == ["r1", "r2"]
    assert ids("nobody") == [] and ids("' OR 1=1 --") == []
    everyone = lake_rows(lake, "statement")
    for person in ("P0", "P1", "P2"):
        assert ids(person) == sorted(r["record_id"] for r in everyone if r["person_id"] == person)


def test_conflicting_version_is_quarantined(lake: Lake, tmp_path: Path) -> None:
    ingest(lake, write_csv(tmp_path / "a.csv", records(2)))
    clash = record("statement", record_id="r0", person_id="P0", amount_paid="1")
    r = ingest(lake, write_csv(tmp_path / "b.csv", [clash]))
    assert r.quarantined == 1
    q = lake.quarantine().to_pyarrow().to_pylist()
    assert "same reported_at" in q[-1]["reasons"]


def test_same_record_id_in_two_sources_is_two_records(lake: Lake, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", records(3))
    ingest(lake, path, source="bank1")
    r = ingest(lake, path, source="bank2")
    assert r.accepted == 3 and len(lake_rows(lake, "statement")) == 6


def test_quarantine_keeps_record_and_reasons(lake: Lake, tmp_path: Path) -> None:
    bad = record("statement", record_id="x\u202e1", amount_due="12.5")
    ingest(lake, write_csv(tmp_path / "q.csv", [bad]))
    [q] = lake.quarantine().to_pyarrow().to_pylist()
    assert q["reason_count"] == 2 and q["file"] == "q.csv" and q["row"] == 1
    assert "\u202e" in q["record"] and '"12.5"' in q["record"]
    assert "U+202E" in q["reasons"] and "integer cents" in q["reasons"]


# -- file-level problems ------------------------------------------------------------------
def _file_error(lake: Lake, path: Path, kind: str = "statement") -> str:
    before = state(lake)
    r = ingest(lake, path, kind)
    assert len(r.failed) == 1 and r.accepted == 0
    assert state(lake) == before
    return r.failed[0].error or ""


def test_empty_file(lake: Lake, tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("")
    assert "empty" in _file_error(lake, tmp_path / "e.csv")


def test_header_only_is_zero_records(lake: Lake, tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text(",".join(sc.field_names("statement")) + "\n")
    r = ingest(lake, tmp_path / "h.csv")
    assert r.rows == 0 and not r.failed


def test_wrong_kind_says_which(lake: Lake, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [record("account")])
    assert "use --kind account" in _file_error(lake, path, "statement")


def test_extra_and_missing_columns(lake: Lake, tmp_path: Path) -> None:
    extra = [dict(record("statement"), surprise="1")]
    assert "unknown columns 'surprise'" in _file_error(lake, write_csv(tmp_path / "x.csv", extra))
    cols = [c for c in record("statement") if c != "amount_due"]
    msg = _file_error(lake, write_csv(tmp_path / "m.csv", [record("statement")], cols))
    assert "missing required columns amount_due" in msg


def test_missing_optional_column_is_fine(lake: Lake, tmp_path: Path) -> None:
    cols = [c for c in record("transaction") if c != "account_id"]
    r = ingest(lake, write_csv(tmp_path / "t.csv", [record("transaction")], cols), "transaction")
    assert r.accepted == 1


def test_truncated_csv_keeps_the_partial_line(lake: Lake, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", records(20))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    r = ingest(lake, path)
    assert (r.accepted, r.quarantined) == (19, 1)
    [q] = lake.quarantine().to_pyarrow().to_pylist()
    assert "truncated" in q["reasons"]


def test_truncated_and_garbage_parquet(lake: Lake, tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pylist(records(100)), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "Parquet" in _file_error(lake, path)
    path.write_bytes(b"\x00\x01garbage" * 100)
    assert "Parquet" in _file_error(lake, path)


def test_binary_csv_is_a_file_error(lake: Lake, tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b"\xff\xfe\x00\x00" * 1000)
    _file_error(lake, path)


def test_jsonl_line_problems(lake: Lake, tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    good = write_jsonl(tmp_path / "g.jsonl", records(2)).read_text()
    path.write_text(
        good
        + '{"record_id": "broken", \n'  # truncated line
        + "[1, 2]\n"
        + '{"record_id": {"nested": 1}}\n'
        + '{"record_id": "r9", "person_id": "P", "surprise": 1}\n'
        + "\n"
    )
    r = ingest(lake, path)
    assert (r.accepted, r.quarantined, r.rows) == (2, 4, 6)
    reasons = " ".join(q["reasons"] for q in lake.quarantine().to_pyarrow().to_pylist())
    for expected in (
        "not valid JSON",
        "not a JSON object",
        "must be a scalar",
        "'surprise': unknown field",
        "amount_due: required",
    ):
        assert expected in reasons


def test_folder_with_bad_file_and_unknown_type(lake: Lake, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "a.csv", records(10))
    (folder / "b.csv").write_text("")
    (folder / "notes.txt").write_text("hello")
    r = ingest(lake, folder)
    assert r.accepted == 10 and len(r.failed) == 1 and r.skipped == [str(folder / "notes.txt")]


def test_bad_path_and_arguments(lake: Lake, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        ingest(lake, tmp_path / "nope.csv")
    (tmp_path / "x.xlsx").write_text("x")
    with pytest.raises(InputError, match="unknown file type"):
        ingest(lake, tmp_path / "x.xlsx")
    with pytest.raises(InputError, match="unknown kind"):
        ingest_path(tmp_path, source="s", kind="loan", lake=lake)
    with pytest.raises(InputError, match="invalid source"):
        ingest_path(tmp_path, source="a b", kind="account", lake=lake)
    (tmp_path / "lake.txt").write_text("a file where the lake should be")
    with pytest.raises(InputError, match="is a file, not a folder"):
        Lake(tmp_path / "lake.txt")


def test_compaction_keeps_content(lake: Lake, tmp_path: Path) -> None:
    for i in range(4):
        ingest(lake, write_csv(tmp_path / f"{i}.csv", records(30, prefix=f"f{i}-")))
    before = lake_rows(lake, "statement")
    n_files = len(lake.files("statement"))
    assert lake.compact() >= n_files
    assert len(lake.files("statement")) == 1
    assert lake_rows(lake, "statement") == before
    summary = lake.summary().to_pylist()
    assert sum(r["records"] for r in summary if r["kind"] == "statement") == 120


def test_cli_exit_codes_and_counts(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    rows = [*records(5), record("statement", record_id="z", amount_due="oops")]
    good = write_csv(tmp_path / "g.csv", rows)
    cmd = [
        sys.executable,
        "-m",
        "credo",
        "ingest",
        "--source",
        "bank",
        "--kind",
        "statement",
        "--lake",
        str(lake),
    ]
    run = subprocess.run([*cmd, str(good)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "accepted 5, duplicate 0, superseded 0, quarantined 1" in run.stdout
    (tmp_path / "e.csv").write_text("")
    run = subprocess.run(
        [*cmd, str(tmp_path / "e.csv")], capture_output=True, text=True, timeout=120
    )
    assert run.returncode != 0 and "Traceback" not in run.stderr
    run = subprocess.run(
        [sys.executable, "-m", "credo", "lake", "--lake", str(lake)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0 and "statement" in run.stdout
    run = subprocess.run(
        [*cmd, "--batch-rows", "0", str(good)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 2 and "--batch-rows" in run.stderr


def test_a_settled_zero_bill_reaches_the_lake_whole(lake: Lake, tmp_path: Path) -> None:
    zero = record(
        "statement",
        amount_due="0",
        amount_paid="0",
        balance="48000",
        days_past_due="30",
        status="late",
    )
    r = ingest(lake, write_csv(tmp_path / "z.csv", [zero]))
    assert (r.accepted, r.quarantined) == (1, 0)
    [row] = lake_rows(lake, "statement")
    assert (row["balance"], row["days_past_due"], str(row["paid_at"])) == (48_000, 30, "2025-02-18")


def test_a_refused_json_value_has_one_reason(lake: Lake, tmp_path: Path) -> None:
    row = record("account", credit_limit={"cents": 100}, person_id=["P1"])
    r = ingest(lake, write_jsonl(tmp_path / "a.jsonl", [row]), kind="account")
    assert r.quarantined == 1
    [q] = lake.quarantine().to_pyarrow().to_pylist()
    assert q["reason_count"] == 2, q["reasons"]
    assert "required" not in q["reasons"]


def test_cli_ingest_quarantines_records_not_in_the_reporting_currency(tmp_path: Path) -> None:
    """A lake is kept in CREDO_CURRENCY: a file in another currency is quarantined with
    the reason, not added to amounts in the lake's currency."""
    lake = tmp_path / "lake"
    eur = write_csv(tmp_path / "eur.csv", records(3))
    cmd = [sys.executable, "-m", "credo", "ingest", "--source", "bank", "--kind",
           "statement", "--lake", str(lake), str(eur)]
    env = {**os.environ, "CREDO_HOME": str(tmp_path), "CREDO_CURRENCY": "GBP"}
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    assert "accepted 0, duplicate 0, superseded 0, quarantined 3" in run.stdout
    assert "is not the lake's reporting currency GBP" in run.stdout
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                         env={**env, "CREDO_CURRENCY": "EUR"})
    assert "accepted 3" in run.stdout
