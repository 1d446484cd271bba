"""Vectorised validation: every record comes out either valid (typed) or with reasons.

Input columns may be text (CSV, JSON Lines) or already typed (Parquet, the simulator);
typed columns of the right type skip parsing, so the bulk path pays only for the rules.
Rules run as Arrow/numpy masks over the whole batch; Python only runs for the rows
that failed, to phrase a precise reason ("field: problem (got 'value')").
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credo.data import schemas as sc

# Anchored for RE2 (pyarrow) and pydantic, where "$" is the end of the text; in Python
# use re.fullmatch, since re.match's "$" also matches before a trailing newline.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@\-]{0,127}$"
INT_PATTERN = r"^-?[0-9]{1,18}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# Instants: date, or date + time with optional fraction and a UTC designator.
TS_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"(Z|[+-]00:?00)?)?$"
)
TS_OFFSET_PATTERN = r"[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?[+-][0-9]{2}:?[0-9]{2}$"
MIN_DATE = datetime(1900, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=5)
SHOW_CHARS = 40


@dataclass
class Validated:
    """The outcome of validating one batch."""

    valid: pa.Table  # rows that passed, typed as ``schemas.record_schema(kind)``
    rejected_rows: np.ndarray  # positions (in the input batch) of rejected rows
    reasons: list[list[str]] = field(default_factory=list)  # one list per rejected row


def show(value: object) -> str:
    """A short, log-safe rendering of a received value (escapes every non-ASCII char)."""
    text = value if isinstance(value, str) else str(value)
    suffix = ""
    if len(text) > SHOW_CHARS:
        suffix = f"... ({len(text)} chars)"
        text = text[:SHOW_CHARS]
    return ascii(text) + suffix


def describe_text_problem(value: str, what: str = "identifier") -> str:
    """Why a text value is not a valid identifier/code, most specific reason first."""
    if value == "":
        return "is empty"
    for ch in value:
        cat = unicodedata.category(ch)
        if cat == "Cc":
            return f"contains control character U+{ord(ch):04X}"
        if cat == "Cf":
            return f"contains invisible or bidirectional-control character U+{ord(ch):04X}"
    if len(value) > 128:
        return f"is {len(value)} characters long (max 128)"
    if value != value.strip():
        return "has leading or trailing whitespace"
    for ch in value:
        if ord(ch) > 127:
            return f"contains non-ASCII character U+{ord(ch):04X} ({what}s are ASCII)"
    for ch in value:
        if not (ch.isalnum() or ch in "._:@-"):
            return f"contains character {ch!r}, not allowed in an {what}"
    return f"must start with a letter or digit and use only A-Z a-z 0-9 . _ : @ - ({what})"


class _Checker:
    """Collects (mask, field, message) violations for one batch."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self.n = table.num_rows
        self.bad = np.zeros(self.n, dtype=bool)
        self.rules: list[tuple[np.ndarray, str, object]] = []

    def add(self, mask: pa.Array | np.ndarray, message: str, why: object = None) -> None:
        """Record a violation where ``mask`` is true. ``why`` may phrase it per value."""
        if isinstance(mask, pa.ChunkedArray | pa.Array):
            mask = pc.fill_null(mask, False).to_numpy(zero_copy_only=False)
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.bad |= mask
            self.rules.append((mask, message, why))

    def reasons(self) -> tuple[np.ndarray, list[list[str]]]:
        rows = np.flatnonzero(self.bad)
        if rows.size == 0:
            return rows, []
        position = {int(r): i for i, r in enumerate(rows)}
        out: list[list[str]] = [[] for _ in rows]
        for mask, message, why in self.rules:
            hit = np.flatnonzero(mask)
            if callable(why):
                values = why(hit)
                for r, v in zip(hit, values, strict=True):
                    out[position[int(r)]].append(message.format(v))
            else:
                for r in hit:
                    out[position[int(r)]].append(message)
        return rows, out


def _as_text(arr: pa.Array) -> pa.Array | None:
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        return arr.cast(pa.string())
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.string())
    try:
        return pc.cast(arr, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _np(mask: pa.Array) -> np.ndarray:
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False).astype(bool)


def _values(arr: pa.Array):
    return lambda rows: [show(v) for v in arr.take(pa.array(rows)).to_pylist()]


def _parse_field(
    ck: _Checker, f: sc.Field, raw: pa.Array | None, n: int, given: np.ndarray
) -> pa.Array:
    """Parse one column to its contract type; violations go to the checker."""
    target = f.arrow_type
    if raw is None:
        if f.required:
            ck.add(~given, f"{f.name}: required column is missing")
        return pa.nulls(n, target)
    if f.required:
        ck.add(~given, f"{f.name}: required but empty")

    if raw.type == target:
        parsed = raw
    elif f.type in (sc.MONEY, sc.INT) and pa.types.is_integer(raw.type):
        parsed = _cast_int(ck, f, raw)
    elif f.type == sc.TIMESTAMP and pa.types.is_timestamp(raw.type):
        parsed = raw.cast(pa.timestamp("us", tz=raw.type.tz or "UTC"), safe=False)
        parsed = parsed.cast(target)
    elif f.type == sc.TIMESTAMP and pa.types.is_date(raw.type):
        parsed = raw.cast(pa.date32()).cast(pa.timestamp("us")).cast(target)
    elif f.type == sc.DATE and pa.types.is_timestamp(raw.type):
        parsed = raw.cast(pa.date32())
    else:
        text = _as_text(raw)
        if text is None:
            ck.add(_np(pc.is_valid(raw)), f"{f.name}: must be a scalar value, got {raw.type}")
            return pa.nulls(n, target)
        parsed = _parse_text(ck, f, text)
    return _check_value(ck, f, parsed)


def _cast_int(ck: _Checker, f: sc.Field, raw: pa.Array) -> pa.Array:
    if pa.types.is_unsigned_integer(raw.type):
        too_big = pc.greater(raw, pa.scalar(2**62, raw.type)) if raw.type.bit_width == 64 else None
        if too_big is not None:
            ck.add(too_big, f"{f.name}: out of range (got {{}})", _values(raw))
            raw = pc.if_else(too_big, None, raw)
    return raw.cast(pa.int64())


def _fast_cast(text: pa.Array, ok: pa.Array, target: pa.DataType) -> pa.Array | None:
    """Arrow's strict ISO cast when every present value is well formed (the usual case).

    It rejects impossible dates (2024-02-30) and needs an explicit offset for instants;
    on any failure the per-row path below finds and explains the culprits.
    """
    if pc.any(pc.and_(pc.is_valid(text), pc.invert(ok))).as_py():
        return None
    try:
        out = pc.cast(text, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return out


def _parse_text(ck: _Checker, f: sc.Field, text: pa.Array) -> pa.Array:
    name = f.name
    present = pc.is_valid(text)
    if f.type in (sc.ID, sc.CODE, sc.DATE_TEXT):
        return text
    if f.type in (sc.MONEY, sc.INT):
        ok = pc.match_substring_regex(text, INT_PATTERN)
        bad = pc.and_(present, pc.invert(ok))
        what = "integer cents" if f.type == sc.MONEY else "a whole number"
        ck.add(bad, f"{name}: must be {what}, got {{}}", _values(text))
        return pc.cast(pc.if_else(ok, text, None), pa.int64())
    if f.type == sc.DATE:
        ok = pc.match_substring_regex(text, DATE_PATTERN)
        fast = _fast_cast(text, ok, pa.date32())
        if fast is not None:
            return fast
        parsed = pc.strptime(
            pc.if_else(ok, text, None), format="%Y-%m-%d", unit="s", error_is_null=True
        )
        # strptime rolls 2024-02-30 over to March: accept only exact round trips.
        exact = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), text)
        bad = pc.and_(present, pc.invert(pc.fill_null(exact, False)))
        ck.add(bad, f"{name}: not a valid calendar date YYYY-MM-DD, got {{}}", _values(text))
        return pc.if_else(pc.fill_null(exact, False), parsed, None).cast(pa.date32())
    if f.type == sc.TIMESTAMP:
        ok = pc.match_substring_regex(text, TS_PATTERN)
        fast = _fast_cast(text, ok, pa.timestamp("us", tz="UTC"))
        if fast is not None:
            return pc.floor_temporal(fast, unit="second")
        offset = pc.match_substring_regex(text, TS_OFFSET_PATTERN)
        body = pc.utf8_slice_codeunits(pc.if_else(ok, text, None), 0, 19)
        body = pc.replace_substring(body, " ", "T")
        is_date = pc.equal(pc.utf8_length(body), 10)
        full = pc.if_else(is_date, pc.binary_join_element_wise(body, "T00:00:00", ""), body)
        parsed = pc.strptime(full, format="%Y-%m-%dT%H:%M:%S", unit="s", error_is_null=True)
        exact = pc.equal(pc.strftime(parsed, format="%Y-%m-%dT%H:%M:%S"), full)
        good = pc.fill_null(exact, False)
        non_utc = pc.and_(pc.and_(present, pc.invert(ok)), pc.fill_null(offset, False))
        ck.add(
            non_utc, f"{name}: timestamps must be UTC (suffix Z or +00:00), got {{}}", _values(text)
        )
        bad = pc.and_(pc.and_(present, pc.invert(good)), pc.invert(non_utc))
        ck.add(bad, f"{name}: not a valid ISO 8601 UTC timestamp, got {{}}", _values(text))
        # Sub-second fractions are accepted but not kept: seconds are enough here.
        parsed = parsed.cast(pa.timestamp("us"))
        return pc.if_else(good, parsed, None).cast(pa.timestamp("us", tz="UTC"))
    raise AssertionError(f.type)


def _check_value(ck: _Checker, f: sc.Field, parsed: pa.Array) -> pa.Array:
    """Rules on parsed values; returns the array with violating values nulled."""
    name = f.name
    if f.type == sc.ID:
        bad = pc.invert(pc.fill_null(pc.match_substring_regex(parsed, ID_PATTERN), True))
        ck.add(
            bad,
            f"{name}: {{}}",
            lambda rows: [
                f"{describe_text_problem(v)} (got {show(v)})"
                for v in parsed.take(pa.array(rows)).to_pylist()
            ],
        )
        return pc.if_else(bad, None, parsed)
    if f.type == sc.CODE:
        assert f.codes is not None
        bad = _not_in(parsed, f.codes)
        listing = ", ".join(f.codes) if len(f.codes) <= 20 else "an ISO 4217 code such as EUR"
        ck.add(
            bad,
            f"{name}: {{}}",
            lambda rows: [
                _code_problem(v, listing) for v in parsed.take(pa.array(rows)).to_pylist()
            ],
        )
        return pc.if_else(bad, None, parsed)
    if f.type == sc.DATE_TEXT:
        bad = pc.greater(pc.utf8_length(parsed), 64)
        ck.add(bad, f"{name}: longer than 64 characters (got {{}})", _values(parsed))
        return pc.if_else(pc.fill_null(bad, False), None, parsed)
    if f.type in (sc.MONEY, sc.INT):
        if f.minimum is not None:
            bad = pc.less(parsed, f.minimum)
            ck.add(bad, f"{name}: must be >= {f.minimum}, got {{}}", _values(parsed))
            parsed = pc.if_else(pc.fill_null(bad, False), None, parsed)
        if f.maximum is not None:
            bad = pc.greater(parsed, f.maximum)
            ck.add(bad, f"{name}: must be <= {f.maximum}, got {{}}", _values(parsed))
            parsed = pc.if_else(pc.fill_null(bad, False), None, parsed)
        return parsed
    if f.type in (sc.DATE, sc.TIMESTAMP):
        low = pa.scalar(MIN_DATE.date() if f.type == sc.DATE else MIN_DATE, parsed.type)
        bad = pc.less(parsed, low)
        ck.add(bad, f"{name}: before 1900-01-01, got {{}}", _values(parsed))
        return pc.if_else(pc.fill_null(bad, False), None, parsed)
    return parsed


def _not_in(arr: pa.Array, codes: tuple[str, ...]) -> pa.Array:
    """True where a value is present and not one of ``codes`` (null stays allowed)."""
    return pc.and_(pc.is_valid(arr), pc.invert(pc.is_in(arr, pa.array(codes))))


def _code_problem(value: str, listing: str) -> str:
    problem = describe_text_problem(value, "code")
    if problem.startswith("contains") or problem.startswith("is "):
        return f"{problem} (got {show(value)})"
    return f"unknown value {show(value)}; expected {listing}"


def validate(
    kind: str,
    table: pa.Table,
    *,
    source_id: str,
    now: datetime | None = None,
    pre_reasons: dict[int, list[str]] | None = None,
    currency: str | None = None,
) -> Validated:
    """Check every record of ``table`` against the contract of ``kind``.

    ``pre_reasons`` carries problems a reader already found per row (bad JSON types,
    unknown fields). Columns not in the contract must have been rejected by the caller.
    ``currency``: the lake's reporting currency; a record in another is refused, since
    the features add amounts up without converting them (None: not checked).
    """
    now = now or datetime.now(UTC)
    n = table.num_rows
    ck = _Checker(table)
    raws = {
        f.name: table.column(f.name).combine_chunks() if f.name in table.column_names else None
        for f in sc.fields(kind)
    }
    # Where a value was received at all. A present but invalid value is nulled by its
    # own rule (or by the reader, which then names the field in a reason of its own),
    # and must not also count as missing for the rules that require a value.
    given = {
        name: np.zeros(n, dtype=bool) if raw is None else ~_np(pc.is_null(raw))
        for name, raw in raws.items()
    }
    for row, reasons in (pre_reasons or {}).items():
        for reason in reasons:
            name = reason.split(":", 1)[0]
            if name in given:
                given[name][row] = True

    cols: dict[str, pa.Array] = {}
    for f in sc.fields(kind):
        raw = raws[f.name]
        if f.name == "source_id":
            cols[f.name] = _source_column(ck, raw, source_id, n)
            continue
        cols[f.name] = _parse_field(ck, f, raw, n, given[f.name])

    _cross_rules(kind, ck, cols, given, now)
    if currency is not None and "currency" in cols:
        _reporting_currency(ck, cols["currency"], currency)
    for row, reasons in (pre_reasons or {}).items():
        mask = np.zeros(n, dtype=bool)
        mask[row] = True
        for reason in reasons:
            ck.add(mask, reason)

    rows, reasons = ck.reasons()
    valid = pa.table(cols, schema=_nullable(sc.record_schema(kind)))
    if rows.size:
        valid = valid.filter(pa.array(~ck.bad))
    valid = valid.cast(sc.record_schema(kind))
    return Validated(valid=valid, rejected_rows=rows, reasons=reasons)


def _nullable(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_nullable(True) for f in schema], metadata=schema.metadata)


def _source_column(ck: _Checker, raw: pa.Array | None, source_id: str, n: int) -> pa.Array:
    """A record may name its source only if it is the one the file is ingested for."""
    if raw is None:
        return pa.array([source_id] * n, pa.string()) if n else pa.array([], pa.string())
    text = _as_text(raw)
    filled = pc.fill_null(text, source_id) if text is not None else None
    if filled is None:
        ck.add(np.ones(n, dtype=bool), "source_id: must be text")
        return pa.nulls(n, pa.string())
    bad = pc.not_equal(filled, source_id)
    ck.add(
        bad,
        f"source_id: record names source {{}} but is ingested for {source_id!r}",
        _values(filled),
    )
    return pc.if_else(pc.fill_null(bad, False), None, filled)


def _cross_rules(
    kind: str, ck: _Checker, c: dict[str, pa.Array], given: dict[str, np.ndarray], now: datetime
) -> None:
    """Rules across fields, on the parsed values (an invalid value is null by now and
    already has its reason). "Required when ..." looks at ``given``: only a value not
    received at all is missing."""
    ts_type = pa.timestamp("us", tz="UTC")
    rep = c["reported_at"]
    future = pc.greater(rep, pa.scalar(now + CLOCK_SKEW, ts_type))
    ck.add(future, "reported_at: in the future, got {}", _values(rep))
    rep_day = rep.cast(pa.date32())
    for f in sc.KIND_FIELDS[kind]:
        if f.type not in (sc.DATE, sc.TIMESTAMP) or not f.not_after_report:
            continue
        col = c[f.name]
        later = pc.greater(col, rep_day if f.type == sc.DATE else rep)
        ck.add(
            later,
            f"{f.name}: after reported_at (a source cannot report the future), got {{}}",
            _values(col),
        )

    def code_is(name: str, values: tuple[str, ...]) -> pa.Array:
        return pc.fill_null(pc.is_in(c[name], pa.array(values)), False)

    if kind == "account":
        ck.add(pc.less(c["closed_at"], c["opened_at"]), "closed_at: before opened_at")
        need = _np(code_is("kind", sc.CREDIT_KINDS)) & ~given["credit_limit"]
        ck.add(need, "credit_limit: required for credit accounts (limit or principal in cents)")
    elif kind == "statement":
        pe, due, paid = c["period_end"], c["due_date"], c["paid_at"]
        ck.add(pc.less(due, pe), "due_date: before period_end")
        ck.add(
            pc.greater(pc.subtract(due.cast(pa.int32()), pe.cast(pa.int32())), 90),
            "due_date: more than 90 days after period_end",
        )
        ck.add(pc.less(paid, pe), "paid_at: before period_end (the bill did not exist yet)")
        ck.add(
            _np(pc.greater(c["amount_paid"], 0)) & ~given["paid_at"],
            "paid_at: required when amount_paid > 0",
        )
        # A bill of 0 may be settled (paid_at set) with nothing paid; any other bill
        # with a settlement date must show what was paid.
        ck.add(
            pc.and_(
                pc.and_(pc.is_valid(paid), pc.equal(c["amount_paid"], 0)),
                pc.greater(c["amount_due"], 0),
            ),
            "amount_paid: is 0 but paid_at is set on a bill with amount_due > 0",
        )
        ck.add(
            pc.and_(code_is("status", ("current",)), pc.greater(c["days_past_due"], 0)),
            "status: 'current' but days_past_due > 0",
        )
        ck.add(
            pc.and_(code_is("status", ("delinquent",)), pc.less(c["days_past_due"], 30)),
            "status: 'delinquent' needs days_past_due >= 30",
        )
    elif kind == "transaction":
        need = _np(code_is("kind", ("purchase", "refund"))) & ~given["merchant_category"]
        ck.add(need, "merchant_category: required for purchases and refunds")
    elif kind == "identity":
        _identity_rules(ck, c)
    elif kind == "public_record":
        # An unknown kind has its own reason: only a known non-bankruptcy needs amount.
        with_amount = tuple(k for k in sc.PUBLIC_RECORD_KINDS if k != "bankruptcy")
        need = _np(code_is("kind", with_amount)) & ~given["amount"]
        ck.add(need, "amount: required for judgments, liens and satisfactions")
        ck.add(
            _np(pc.is_valid(c["amount"])) & ~given["currency"],
            "currency: required when amount is given",
        )


def _reporting_currency(ck: _Checker, codes: pa.Array, currency: str) -> None:
    other = pc.and_(pc.is_valid(codes), pc.not_equal(codes, currency))
    ck.add(other, f"currency: {{}} is not the lake's reporting currency {currency} "
                  f"(CREDO_CURRENCY): amounts are added up across records without "
                  f"conversion, so send them in {currency}", _values(codes))


def _identity_rules(ck: _Checker, c: dict[str, pa.Array]) -> None:
    kind, value = c["kind"], c["value"]
    rules = {
        "id_verified": (sc.ID_DOCUMENTS, "a document type: " + ", ".join(sc.ID_DOCUMENTS)),
        "employment_verified": (sc.EMPLOYMENT_TYPES, "one of " + ", ".join(sc.EMPLOYMENT_TYPES)),
    }
    for k, (codes, expected) in rules.items():
        bad = pc.and_(pc.equal(kind, k), _not_in(value, codes))
        ck.add(bad, f"value: for {k} must be {expected}, got {{}}", _values(value))
    is_since = pc.is_in(kind, pa.array(["phone_since", "address_since"]))
    ok = pc.match_substring_regex(value, DATE_PATTERN)
    parsed = pc.strptime(
        pc.if_else(ok, value, None), format="%Y-%m-%d", unit="s", error_is_null=True
    )
    exact = pc.fill_null(pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), value), False)
    # A value missing or already refused (too long) has its reason: check only the rest.
    bad = pc.and_(pc.and_(pc.fill_null(is_since, False), pc.is_valid(value)), pc.invert(exact))
    ck.add(
        bad,
        "value: for phone_since/address_since must be a date YYYY-MM-DD, got {}",
        _values(value),
    )
    since = pc.if_else(exact, parsed, None).cast(pa.date32())
    later = pc.and_(is_since, pc.greater(since, c["occurred_at"].cast(pa.date32())))
    ck.add(later, "value: date is after occurred_at, got {}", _values(value))
    early = pc.and_(is_since, pc.less(since, pa.scalar(MIN_DATE.date(), pa.date32())))
    ck.add(early, "value: date before 1900-01-01, got {}", _values(value))


def record_json(table: pa.Table, rows: np.ndarray) -> list[str]:
    """The rejected records as received, one JSON object each (values as text)."""
    if rows.size == 0:
        return []
    taken = table.take(pa.array(rows))
    return [json.dumps(r, default=str, ensure_ascii=False) for r in taken.to_pylist()]
