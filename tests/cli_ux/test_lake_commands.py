"""credo lake (a summary by default, --detail per month, --json), credo quarantine, and
ingest's pointer to it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credo.cli.data import lake_rows
from credo.cli.schemas import LakeOut
from tests.cli import invoke
from tests.data.conftest import record, write_csv


@pytest.fixture
def run(capsys, monkeypatch):
    return lambda *args: invoke(monkeypatch, capsys, *args)


@pytest.fixture
def lake_with_two_months(tmp_path, run):
    lake = tmp_path / "lake"
    rows = [record("statement", record_id=f"s{i}", person_id=f"P{i}",
                   period_end=f"2025-0{1 + i % 2}-28", due_date=f"2025-0{2 + i % 2}-20",
                   paid_at=f"2025-0{2 + i % 2}-18", reported_at=f"2025-0{3 + i % 2}-22T02:00:00Z")
            for i in range(1200)]
    rows.append(record("statement", record_id="bad", amount_due="lots"))
    path = write_csv(tmp_path / "statements.csv", rows)
    code, out, _ = run("ingest", path, "--source", "bank-a", "--kind", "statement",
                       "--lake", lake)
    assert code == 0, out
    return lake, out


def test_ingest_counts_with_separators_and_points_to_the_quarantine(lake_with_two_months):
    _, out = lake_with_two_months
    assert "accepted 1,200" in out and "quarantined 1 " in out
    assert "list them: credo quarantine --source bank-a --kind statement" in out


def test_lake_summary_detail_and_json_agree(lake_with_two_months, run):
    lake, _ = lake_with_two_months
    code, out, _ = run("lake", "--lake", lake, "--json")
    summary = LakeOut.model_validate_json(out)
    code, out, _ = run("lake", "--lake", lake, "--detail", "--json")
    detail = LakeOut.model_validate_json(out)
    assert code == 0
    # The quarantine is listed as a kind of its own: the refused record is not lost.
    assert [(r.kind, r.source_id, r.records) for r in summary.rows] == [
        ("quarantine", "bank-a", 1), ("statement", "bank-a", 1200)]
    assert all(r.month is None for r in summary.rows)
    assert all(r.month is not None for r in detail.rows) and len(detail.rows) >= 3
    assert summary.records == detail.records == 1201
    code, text, _ = run("lake", "--lake", lake)
    statements = summary.rows[1]
    assert "1,200" in text and "1,201" in text and "per month: credo lake --detail" in text
    assert f"{statements.first_month} to {statements.last_month}" in text


def test_quarantine_lists_the_refused_record(lake_with_two_months, run):
    lake, _ = lake_with_two_months
    code, out, _ = run("quarantine", "--lake", lake, "--source", "bank-a")
    assert code == 0 and "amount_due" in out and "1 of 1 quarantined records shown" in out
    code, out, _ = run("quarantine", "--lake", lake, "--source", "elsewhere")
    assert code == 0 and "no quarantined records matching" in out
    code, _, err = run("quarantine", "--lake", lake, "--kind", "bills")
    assert code == 2 and "--kind 'bills': choose one of" in err


partitions = st.lists(
    st.fixed_dictionaries({
        "kind": st.sampled_from(["account", "statement"]),
        "source_id": st.sampled_from(["a", "b"]),
        "month": st.sampled_from(["2024-12", "2025-01", "2025-02"]),
        "records": st.integers(0, 10**9),
        "files": st.integers(1, 50),
    }),
    max_size=30,
)


@given(partitions)
def test_summary_keeps_every_record_and_file(parts) -> None:
    for detail in (False, True):
        rows = lake_rows(parts, detail)
        assert sum(r.records for r in rows) == sum(p["records"] for p in parts)
        assert sum(r.files for r in rows) == sum(p["files"] for p in parts)
        assert all(r.first_month <= r.last_month for r in rows)
    assert len(lake_rows(parts, False)) == len({(p["kind"], p["source_id"]) for p in parts})
