from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from credo.data import schemas as sc
from credo.data.lake import Lake

# One valid record per kind, as text (what a CSV carries).
BASE: dict[str, dict[str, str | None]] = {
    "account": {
        "record_id": "r1", "person_id": "P1", "reported_at": "2024-03-02T08:00:00Z",
        "account_id": "A1", "kind": "credit_card", "opened_at": "2024-03-01",
        "closed_at": None, "credit_limit": "250000", "currency": "EUR",
    },
    "statement": {
        "record_id": "r1", "person_id": "P1", "reported_at": "2025-03-22T02:00:00Z",
        "account_id": "A1", "period_end": "2025-01-31", "due_date": "2025-02-21",
        "amount_due": "5000", "amount_paid": "5000", "paid_at": "2025-02-18",
        "balance": "48000", "days_past_due": "0", "status": "current", "currency": "EUR",
    },
    "transaction": {
        "record_id": "r1", "person_id": "P1", "reported_at": "2025-02-02T10:00:00Z",
        "occurred_at": "2025-02-01T18:42:10Z", "kind": "purchase", "amount": "4599",
        "currency": "EUR", "channel": "online", "merchant_category": "electronics",
        "account_id": None,
    },
    "identity": {
        "record_id": "r1", "person_id": "P1", "reported_at": "2024-01-05T12:00:00Z",
        "occurred_at": "2024-01-05T11:59:00Z", "kind": "phone_since", "value": "2016-04-01",
    },
    "public_record": {
        "record_id": "r1", "person_id": "P1", "reported_at": "2024-07-04T09:00:00Z",
        "occurred_at": "2024-07-01T10:30:00Z", "kind": "court_judgment", "amount": "182000",
        "currency": "EUR", "case_id": "CASE-1",
    },
}


def record(kind: str, /, **changes: str | None) -> dict[str, str | None]:
    out = dict(BASE[kind])
    out.update(changes)
    return out


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    columns = columns or list(rows[0])
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return path


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def records(n: int, kind: str = "statement", prefix: str = "r") -> list[dict]:
    return [record(kind, record_id=f"{prefix}{i}", person_id=f"P{i % 97}") for i in range(n)]


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(tmp_path / "lake")


def lake_rows(lake: Lake, kind: str, **kw) -> list[dict]:
    t = lake.table(kind, **kw).to_pyarrow()
    cols = [c for c in sc.field_names(kind)]
    return sorted(t.select(cols).to_pylist(), key=lambda r: (r["record_id"], str(r["reported_at"])))
