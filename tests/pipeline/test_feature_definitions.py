"""Feature definitions on hand-made records: each new measure says what it claims."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import ibis
import pyarrow as pa
import pytest

from credo.features import definitions as d
from credo.features.catalogue import data_dictionary

AS_OF = date(2024, 11, 1)


def _month_end(months_back: int) -> date:
    """Last day of the month ``months_back`` months before AS_OF's month."""
    first = date(AS_OF.year, AS_OF.month, 1)
    for _ in range(months_back - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return first - timedelta(days=1)


@pytest.fixture
def con():
    connection = ibis.duckdb.connect()
    yield connection
    connection.disconnect()


def _accounts() -> pa.Table:
    return pa.table(
        {
            "account_id": ["a1", "a2", "b1"],
            "person_id": ["p1", "p1", "p2"],
            "kind": ["credit_card", "utility", "instalment_loan"],
            "credit_limit": pa.array([100_000, None, 500_000], pa.int64()),
            "opened_at": pa.array([date(2023, 1, 5)] * 3, pa.date32()),
            "closed_at": pa.array([None] * 3, pa.date32()),
        }
    )


def _statement(account: str, person: str, months_back: int, paid: bool, balance: int) -> dict:
    end = _month_end(months_back)
    due = end + timedelta(days=21)
    return {
        "account_id": account,
        "person_id": person,
        "period_end": end,
        "due_date": due,
        "amount_due": 5_000,
        "amount_paid": 5_000 if paid else 0,
        "paid_at": due - timedelta(days=3) if paid else None,
        "balance": balance,
        "days_past_due": 0,
        "status": "current" if paid else "late",
    }


def _statements() -> pa.Table:
    rows = []
    # p1's card: paid, paid, then the latest two unpaid -> a run of 2.
    for back, paid in ((5, True), (4, True), (3, False), (2, False)):
        rows.append(_statement("a1", "p1", back, paid, balance=50_000))
    # p1's utility: an unpaid bill caught up since -> no run.
    for back, paid in ((4, False), (3, True), (2, True)):
        rows.append(_statement("a2", "p1", back, paid, balance=5_000))
    # p2's loan: the latest bill unpaid, but the account stopped reporting long ago.
    rows.append(_statement("b1", "p2", 6, False, balance=400_000))
    schema = pa.schema(
        [
            ("account_id", pa.string()),
            ("person_id", pa.string()),
            ("period_end", pa.date32()),
            ("due_date", pa.date32()),
            ("amount_due", pa.int64()),
            ("amount_paid", pa.int64()),
            ("paid_at", pa.date32()),
            ("balance", pa.int64()),
            ("days_past_due", pa.int64()),
            ("status", pa.string()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def test_unpaid_bills_in_a_row_is_the_run_up_to_the_latest_bill(con):
    expr = d.statement_features(ibis.memtable(_statements()), ibis.memtable(_accounts()), AS_OF)
    rows = {r["person_id"]: r for r in con.to_pyarrow(expr).to_pylist()}
    assert rows["p1"]["unpaid_bills_in_a_row"] == 2
    assert rows["p2"]["unpaid_bills_in_a_row"] is None  # no account reporting now
    # 7 bills of p1 due before T, 3 of them unpaid and none paid after the due date.
    assert rows["p1"]["paid_late_share_24m"] == 0.0
    assert rows["p1"]["card_paid_in_full_share_24m"] == 0.0


def _income(person: str, day: date, cents: int, category: str) -> dict:
    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    return {
        "person_id": person,
        "occurred_at": at,
        "kind": "income",
        "amount": cents,
        "channel": "offline",
        "merchant_category": category,
    }


def test_salary_features_read_salary_alone(con):
    rows = []
    for back in range(2, 8):  # six months of a 2,000.00 salary, on the 25th
        day = _month_end(back).replace(day=25)
        rows.append(_income("p1", day, 200_000, "salary"))
    # Last month: the salary stopped, benefits came instead.
    rows.append(_income("p1", _month_end(1).replace(day=25), 80_000, "benefits"))
    schema = pa.schema(
        [
            ("person_id", pa.string()),
            ("occurred_at", pa.timestamp("us", tz="UTC")),
            ("kind", pa.string()),
            ("amount", pa.int64()),
            ("channel", pa.string()),
            ("merchant_category", pa.string()),
        ]
    )
    table = pa.Table.from_pylist(rows, schema=schema)
    out = con.to_pyarrow(d.transaction_features(ibis.memtable(table), AS_OF)).to_pylist()[0]
    assert out["salary_monthly_12m"] == 200_000
    assert out["salary_variability_12m"] == 0.0
    assert out["salary_change_1m"] == 0.0


def test_unpaid_bills_in_a_row_is_an_ordered_count():
    # A count with few values: binned per value in the declared order, so "6 in a row"
    # can never score better than 1 (special values were scored apart from the trend).
    info = data_dictionary().info("unpaid_bills_in_a_row")
    assert info.special_values == ()
    assert info.trend == "ascending"


def _identity(record_id: str, person: str, day: date, kind: str, value: str) -> dict:
    at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return {
        "record_id": record_id,
        "person_id": person,
        "occurred_at": at,
        "kind": kind,
        "value": value,
    }


def _identity_table(rows: list[dict]) -> pa.Table:
    schema = pa.schema(
        [
            ("record_id", pa.string()),
            ("person_id", pa.string()),
            ("occurred_at", pa.timestamp("us", tz="UTC")),
            ("kind", pa.string()),
            ("value", pa.string()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def planted_addresses() -> tuple[pa.Table, dict[str, int]]:
    """Identity records of six people, and the address changes each made in 24 months."""
    moved = {"p1": 0, "p2": 1, "p3": 2, "p4": 1, "p5": 0, "p6": 1}
    before = AS_OF - timedelta(days=d.D24 + 40)  # outside the 24-month window
    rows = [
        # p1: one address on record, recent: where they live, not a move.
        _identity("a1", "p1", AS_OF - timedelta(days=100), "address_since", "2019-03-01"),
        # p2: the first address, then one move.
        _identity("b1", "p2", AS_OF - timedelta(days=400), "address_since", "2015-06-01"),
        _identity("b2", "p2", AS_OF - timedelta(days=90), "address_since", "2024-07-20"),
        # p3: the first address before the window, two moves inside it.
        _identity("c1", "p3", before, "address_since", "2010-01-01"),
        _identity("c2", "p3", AS_OF - timedelta(days=500), "address_since", "2023-06-01"),
        _identity("c3", "p3", AS_OF - timedelta(days=30), "address_since", "2024-09-25"),
        # p4: a move on the window's first day counts; one before it and one on the day
        # of T (not yet known) do not.
        _identity("d1", "p4", before - timedelta(days=300), "address_since", "2012-01-01"),
        _identity("d2", "p4", before, "address_since", "2022-01-01"),
        _identity("d3", "p4", AS_OF - timedelta(days=d.D24), "address_since", "2022-10-31"),
        _identity("d4", "p4", AS_OF, "address_since", "2024-11-01"),
        # p5: other facts only: no address, no move.
        _identity("e1", "p5", AS_OF - timedelta(days=50), "phone_since", "2018-01-01"),
        _identity("e2", "p5", AS_OF - timedelta(days=50), "id_verified", "passport"),
        # p6: two addresses reported at the same instant: one is first, one a move.
        _identity("f2", "p6", AS_OF - timedelta(days=10), "address_since", "2024-10-01"),
        _identity("f1", "p6", AS_OF - timedelta(days=10), "address_since", "2020-10-01"),
    ]
    return _identity_table(rows), moved


def test_address_changes_count_moves_not_the_first_address(con):
    table, moved = planted_addresses()
    expr = d.identity_features(ibis.memtable(table), AS_OF)
    out = {r["person_id"]: r["address_changes_24m"] for r in con.to_pyarrow(expr).to_pylist()}
    assert out == moved
