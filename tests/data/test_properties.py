"""Property tests: counts always add up; ingesting twice equals ingesting once."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from credo.data.ingest import ingest_path
from credo.data.lake import Lake

from .conftest import lake_rows, record, write_csv, write_jsonl

# Values a field may take: valid ones, and the kinds of garbage sources send.
FIELD_VALUES = {
    "amount_due": st.sampled_from(["0", "5000", "12.5", "-1", "", "x", "99999999999999999999"]),
    "period_end": st.sampled_from(["2025-01-31", "2025-02-30", "2025-01-31T00:00:00", ""]),
    "status": st.sampled_from(["current", "CURRENT", "late", "nope", ""]),
    "person_id": st.one_of(st.sampled_from(["P1", "P2", "P'; --", "P\u200b"]),
                           st.text(max_size=12)),
    "reported_at": st.sampled_from(["2025-03-22T02:00:00Z", "2025-03-23T02:00:00Z",
                                    "2099-01-01T00:00:00Z", "2025-03-22T02:00:00+01:00"]),
}
ROW = st.fixed_dictionaries(
    {"record_id": st.sampled_from([f"r{i}" for i in range(8)]),
     **{k: st.one_of(st.none(), v) for k, v in FIELD_VALUES.items()}}
)


def _row(draw: dict) -> dict:
    changes = {k: v for k, v in draw.items() if v is not None}
    return record("statement", **changes)


@settings(max_examples=20)
@given(rows=st.lists(ROW, min_size=1, max_size=25), fmt=st.sampled_from(["csv", "jsonl"]))
def test_counts_add_up_and_twice_is_once(tmp_path_factory, rows, fmt) -> None:
    tmp = Path(tmp_path_factory.mktemp("prop"))
    data = [_row(r) for r in rows]
    path = write_csv(tmp / "in.csv", data) if fmt == "csv" else write_jsonl(tmp / "in.jsonl",
                                                                            data)
    lake = Lake(tmp / "lake")
    first = ingest_path(path, source="s", kind="statement", lake=lake)
    assert first.accepted + first.duplicate + first.superseded + first.quarantined == len(rows)
    assert first.rows == len(rows) and not first.failed
    current = lake_rows(lake, "statement")
    history = lake_rows(lake, "statement", history=True)
    assert len(history) == first.accepted + first.superseded
    assert len(current) == first.accepted  # one current version per record id
    second = ingest_path(path, source="s", kind="statement", lake=lake)
    assert (second.accepted, second.superseded) == (0, 0)
    # Every row that got in the first time (or was a repeat within the file) is now a
    # duplicate of what the lake holds.
    assert second.duplicate == len(rows) - first.quarantined
    assert second.quarantined == first.quarantined
    assert lake_rows(lake, "statement", history=True) == history
    assert lake.quarantine().count().execute() == first.quarantined
