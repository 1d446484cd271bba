"""Per-field rules: malformed, hostile and boundary values each get a precise reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from credo.data import schemas as sc
from credo.data.validate import validate

from .conftest import BASE, record

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def check(kind: str, rows: list[dict], source: str = "src") -> list[list[str]]:
    """Reasons per row ([] for a valid row)."""
    cols = sc.field_names(kind)
    table = pa.table(
        {
            c: pa.array([r.get(c) for r in rows], pa.string())
            for c in cols
            if c != "source_id" or any(c in r for r in rows)
        }
    )
    result = validate(kind, table, source_id=source, now=NOW)
    out: list[list[str]] = [[] for _ in rows]
    for row, reasons in zip(result.rejected_rows, result.reasons, strict=True):
        out[int(row)] = reasons
    assert result.valid.num_rows == sum(1 for r in out if not r)
    return out


@pytest.mark.parametrize("kind", sc.KINDS)
def test_base_records_are_valid(kind: str) -> None:
    assert check(kind, [BASE[kind]]) == [[]]


@pytest.mark.parametrize("kind", sc.KINDS)
def test_every_required_field_missing_is_named(kind: str) -> None:
    for f in sc.fields(kind):
        if not f.required or f.name == "source_id":
            continue
        [reasons] = check(kind, [record(kind, **{f.name: None})])
        assert any(r.startswith(f"{f.name}: required") for r in reasons), (f.name, reasons)


HOSTILE = {
    "sql": ("x'; DROP TABLE statement; --", "contains character"),
    "huge": ("a" * 1_000_000, "characters long"),
    "nul": ("abc\x00def", "control character U+0000"),
    "newline": ("abc\ndef", "control character U+000A"),
    "rtl": ("abc\u202etxt.exe", "bidirectional-control character U+202E"),
    "zero_width": ("P\u200b1", "U+200B"),
    "homoglyph": ("Р1", "non-ASCII character U+0420"),
    "space": (" P1", "whitespace"),
    "empty_like": ("-", "must start with a letter or digit"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("field", ["record_id", "person_id", "account_id"])
def test_hostile_identifiers(case: str, field: str) -> None:
    value, expected = HOSTILE[case]
    [reasons] = check("statement", [record("statement", **{field: value})])
    assert len(reasons) == 1 and reasons[0].startswith(f"{field}: "), reasons
    assert expected in reasons[0]
    assert len(reasons[0]) < 300  # a huge value is shown truncated
    assert "\x00" not in reasons[0] and "\u202e" not in reasons[0]  # reasons are log-safe


@pytest.mark.parametrize(
    "value", ["'; DELETE FROM x; --", "purchase\u200b", "PURCHASE", "purchase ", "x" * 10_000]
)
def test_hostile_codes(value: str) -> None:
    [reasons] = check("transaction", [record("transaction", kind=value)])
    assert reasons and reasons[0].startswith("kind: ")


@pytest.mark.parametrize(
    "value,ok",
    [
        ("0", True),
        ("1", True),
        (str(sc.MAX_MONEY), True),
        (str(sc.MAX_MONEY + 1), False),
        ("-1", False),
        ("12.50", False),
        ("1e5", False),
        ("abc", False),
        (" 5", False),
        ("9" * 19, False),
        ("9223372036854775808", False),
        ("+5", False),
        ("５", False),
    ],
)
def test_money_boundaries(value: str, ok: bool) -> None:
    [reasons] = check("statement", [record("statement", balance=value)])
    assert (reasons == []) == ok, reasons
    if not ok:
        assert reasons[0].startswith("balance: ")


@pytest.mark.parametrize(
    "value,ok", [("0", True), ("3650", True), ("3651", False), ("-30", False), ("30.0", False)]
)
def test_days_past_due_boundaries(value: str, ok: bool) -> None:
    status = "current" if value == "0" else "delinquent"
    [reasons] = check("statement", [record("statement", days_past_due=value, status=status)])
    assert (reasons == []) == ok, reasons


@pytest.mark.parametrize(
    "value,ok",
    [
        ("2024-02-29", True),
        ("2023-02-29", False),
        ("2024-02-30", False),
        ("2024-13-01", False),
        ("1900-01-01", True),
        ("1899-12-31", False),
        ("24-01-01", False),
        ("2024/01/01", False),
        ("2024-01-01T00:00:00", False),
        ("", False),
    ],
)
def test_date_boundaries(value: str, ok: bool) -> None:
    [reasons] = check("account", [record("account", opened_at=value)])
    assert (reasons == []) == ok, reasons


@pytest.mark.parametrize(
    "value,ok,expected",
    [
        ("2024-03-02T08:00:00Z", True, ""),
        ("2024-03-02T08:00:00+00:00", True, ""),
        ("2024-03-02 08:00:00", True, ""),
        ("2024-03-02T08:00:00.123456Z", True, ""),
        ("2024-03-02", True, ""),
        ("2024-03-02T08:00:00+02:00", False, "must be UTC"),
        ("2024-03-02T25:00:00Z", False, "not a valid"),
        ("2099-01-01T00:00:00Z", False, "in the future"),
        ("tomorrow", False, "not a valid"),
    ],
)
def test_timestamps(value: str, ok: bool, expected: str) -> None:
    [reasons] = check("account", [record("account", reported_at=value)])
    assert (reasons == []) == ok, reasons
    if expected:
        assert any(expected in r for r in reasons), reasons


def test_cross_field_rules() -> None:
    bad = {
        "due before period": record("statement", due_date="2025-01-30"),
        "paid before bill": record("statement", paid_at="2025-01-15"),
        "paid without date": record("statement", paid_at=None),
        "date without paid": record("statement", amount_paid="0"),
        "current but late": record("statement", days_past_due="30"),
        "after report": record(
            "statement",
            period_end="2025-04-30",
            due_date="2025-05-21",
            paid_at=None,
            amount_paid="0",
        ),
        "due far": record("statement", due_date="2025-06-30"),
    }
    results = check("statement", list(bad.values()))
    for name, reasons in zip(bad, results, strict=True):
        assert reasons, name
    assert check("account", [record("account", closed_at="2024-01-01")])[0] == [
        "closed_at: before opened_at"
    ]
    assert check("account", [record("account", credit_limit=None)])[0][0].startswith(
        "credit_limit: required"
    )
    assert check("transaction", [record("transaction", merchant_category=None)])[0][0].startswith(
        "merchant_category: required"
    )
    assert check("public_record", [record("public_record", amount=None)])[0]
    assert (
        check(
            "public_record",
            [record("public_record", kind="bankruptcy", amount=None, currency=None)],
        )[0]
        == []
    )


@pytest.mark.parametrize(
    "kind,value,ok",
    [
        ("phone_since", "2016-04-01", True),
        ("phone_since", "2030-01-01", False),
        ("phone_since", "passport", False),
        ("id_verified", "passport", True),
        ("id_verified", "2016-04-01", False),
        ("employment_verified", "retired", True),
        ("employment_verified", "<script>alert(1)</script>", False),
    ],
)
def test_identity_values(kind: str, value: str, ok: bool) -> None:
    [reasons] = check("identity", [record("identity", kind=kind, value=value)])
    assert (reasons == []) == ok, reasons


def test_source_must_match() -> None:
    rows = [record("account", source_id="other"), record("account", source_id="src")]
    assert check("account", rows)[0][0].startswith("source_id: record names source 'other'")
    assert check("account", rows)[1] == []


def test_typed_columns_are_accepted_and_checked() -> None:
    """Parquet-like typed input: ints of any width, naive timestamps as UTC."""
    t = pa.table(
        {
            "record_id": ["a", "b"],
            "person_id": ["P", "P"],
            "reported_at": pa.array(
                [datetime(2024, 3, 2), datetime(2024, 3, 2)], pa.timestamp("ms")
            ),
            "account_id": ["A", "B"],
            "kind": ["credit_card", "utility"],
            "opened_at": pa.array([datetime(2024, 3, 1)] * 2, pa.timestamp("s")),
            "closed_at": pa.nulls(2, pa.date32()),
            "credit_limit": pa.array([100, -1], pa.int32()),
            "currency": ["EUR", "EUR"],
        }
    )
    result = validate("account", t, source_id="s", now=NOW)
    assert result.valid.num_rows == 1
    assert result.valid.schema.field("credit_limit").type == pa.int64()
    assert result.valid.schema.field("reported_at").type == pa.timestamp("us", tz="UTC")
    assert result.reasons == [["credit_limit: must be >= 0, got '-1'"]]


def test_every_reason_names_its_field() -> None:
    row = record(
        "statement",
        amount_due="x",
        balance="-1",
        status="??",
        currency="eur",
        period_end="2025-02-30",
    )
    [reasons] = check("statement", [row])
    fields = {r.split(":")[0] for r in reasons}
    assert {"amount_due", "balance", "status", "currency", "period_end"} <= fields


MALFORMED = {
    sc.ID: "a b",
    sc.CODE: "zzz",
    sc.MONEY: "1.5",
    sc.INT: "1.5",
    sc.DATE: "2024-02-30",
    sc.TIMESTAMP: "2024-02-30T00:00:00Z",
    sc.DATE_TEXT: "x" * 65,
}


@pytest.mark.parametrize("kind", sc.KINDS)
def test_every_field_malformed_is_named(kind: str) -> None:
    fields = [f for f in sc.fields(kind) if f.name != "source_id"]
    rows = [record(kind, **{f.name: MALFORMED[f.type]}) for f in fields]
    for f, reasons in zip(fields, check(kind, rows), strict=True):
        assert any(r.startswith(f"{f.name}: ") for r in reasons), (f.name, reasons)


# -- a settled bill of 0 -------------------------------------------------------------------
@pytest.mark.parametrize(
    "due,paid,paid_at,expected",
    [
        ("0", "0", "2025-02-18", None),  # a bill of 0, settled: accepted whole
        ("0", "0", "2025-01-31", None),  # settled on the period's last day
        ("0", "0", None, None),  # a bill of 0 left as it is
        ("0", "1", "2025-02-18", None),  # paid on a bill of 0 (a credit)
        ("1", "1", "2025-02-18", None),
        ("1", "0", "2025-02-18", "amount_paid: is 0 but paid_at is set"),
        ("0", "0", "2025-01-30", "paid_at: before period_end"),
        ("0", "1", None, "paid_at: required when amount_paid > 0"),
    ],
)
def test_a_settled_zero_bill_is_accepted(
    due: str, paid: str, paid_at: str | None, expected: str | None
) -> None:
    row = record(
        "statement",
        amount_due=due,
        amount_paid=paid,
        paid_at=paid_at,
        balance="48000",
        days_past_due="30",
        status="late",
    )
    table = pa.table(
        {
            c: pa.array([row.get(c)], pa.string())
            for c in sc.field_names("statement")
            if c != "source_id"
        }
    )
    result = validate("statement", table, source_id="src", now=NOW)
    if expected is None:
        assert result.reasons == []
        [kept] = result.valid.to_pylist()
        assert (kept["balance"], kept["days_past_due"]) == (48_000, 30)
        assert kept["amount_due"] == int(due) and kept["amount_paid"] == int(paid)
    else:
        assert len(result.reasons) == 1 and len(result.reasons[0]) == 1, result.reasons
        assert result.reasons[0][0].startswith(expected)


# -- an invalid value has exactly its own reason, never also "required" -------------------
@pytest.mark.parametrize("kind", sc.KINDS)
def test_a_malformed_value_has_exactly_one_reason(kind: str) -> None:
    fields = [f for f in sc.fields(kind) if f.name != "source_id"]
    rows = [record(kind, **{f.name: MALFORMED[f.type]}) for f in fields]
    for f, reasons in zip(fields, check(kind, rows), strict=True):
        assert len(reasons) == 1 and reasons[0].startswith(f"{f.name}: "), (f.name, reasons)
        assert "required" not in reasons[0], (f.name, reasons)


@pytest.mark.parametrize(
    "kind,changes,expected",
    [
        # Values a rule requires, present but invalid: only the value's own reason.
        ("account", {"credit_limit": "12.50"}, "credit_limit: must be integer cents"),
        ("account", {"credit_limit": "-1"}, "credit_limit: must be >= 0"),
        ("account", {"credit_limit": str(sc.MAX_MONEY + 1)}, "credit_limit: must be <="),
        ("statement", {"paid_at": "2025-02-30"}, "paid_at: not a valid calendar date"),
        ("statement", {"paid_at": "1899-12-31"}, "paid_at: before 1900-01-01"),
        ("statement", {"paid_at": "2025-13-01"}, "paid_at: not a valid calendar date"),
        ("transaction", {"merchant_category": "GROCERIES"}, "merchant_category: unknown value"),
        ("public_record", {"amount": "-1"}, "amount: must be >= 0"),
        ("public_record", {"amount": "1.5"}, "amount: must be integer cents"),
        ("public_record", {"currency": "eur"}, "currency: unknown value"),
        ("identity", {"value": "2" * 65}, "value: longer than 64 characters"),
        ("identity", {"value": "2016-02-30"}, "value: for phone_since/address_since"),
        # ... and a value truly missing has exactly the "required" one.
        ("identity", {"value": None}, "value: required but empty"),
        ("account", {"credit_limit": None}, "credit_limit: required for credit accounts"),
        ("statement", {"paid_at": None}, "paid_at: required when amount_paid > 0"),
        ("transaction", {"merchant_category": None}, "merchant_category: required for"),
        ("public_record", {"amount": None}, "amount: required for judgments"),
        ("public_record", {"currency": None}, "currency: required when amount is given"),
    ],
)
def test_exactly_the_right_reason(kind: str, changes: dict, expected: str) -> None:
    [reasons] = check(kind, [record(kind, **changes)])
    assert len(reasons) == 1 and reasons[0].startswith(expected), reasons


def test_a_value_the_reader_refused_is_not_also_missing() -> None:
    """A JSON object where a value belongs: the reader's reason, and no "required"."""
    row = record("account", credit_limit=None, person_id=None)
    table = pa.table(
        {
            c: pa.array([row.get(c)], pa.string())
            for c in sc.field_names("account")
            if c != "source_id"
        }
    )
    pre = {
        0: [
            "credit_limit: must be a scalar, got a JSON object",
            "person_id: must be a scalar, got a JSON array",
        ]
    }
    result = validate("account", table, source_id="src", now=NOW, pre_reasons=pre)
    assert result.reasons == [pre[0]]


@pytest.mark.parametrize("kind", [k for k in sc.KINDS if "currency" in sc.field_names(k)])
def test_a_record_in_another_currency_than_the_lakes_is_refused_with_both_named(
        kind: str) -> None:
    table = pa.table({c: pa.array([v for v in (BASE[kind].get(c), record(
        kind, currency="USD").get(c))], pa.string()) for c in sc.field_names(kind)
        if c != "source_id"})
    result = validate(kind, table, source_id="src", now=NOW, currency="EUR")
    assert result.valid.num_rows == 1  # the EUR record
    assert result.rejected_rows.tolist() == [1]
    [reasons] = result.reasons
    assert reasons == ["currency: 'USD' is not the lake's reporting currency EUR "
                       "(CREDO_CURRENCY): amounts are added up across records without "
                       "conversion, so send them in EUR"]
    # the same records in a USD lake: the other way round
    other = validate(kind, table, source_id="src", now=NOW, currency="USD")
    assert other.rejected_rows.tolist() == [0]
    # not checked when no reporting currency is given (a library call)
    assert validate(kind, table, source_id="src", now=NOW).valid.num_rows == 2


def test_a_public_record_without_an_amount_needs_no_currency_in_any_lake() -> None:
    rows = [record("public_record", kind="bankruptcy", amount=None, currency=None)]
    table = pa.table({c: pa.array([r.get(c) for r in rows], pa.string())
                      for c in sc.field_names("public_record") if c != "source_id"})
    assert validate("public_record", table, source_id="src", now=NOW,
                    currency="GBP").valid.num_rows == 1
