"""Deliberately bad records: copies of good ones, corrupted the way real feeds go wrong.

They are written as CSV files (text, as a source would send them) and ingested through
the real ingest path, so the quarantine is exercised end to end. Exact duplicates are
included too: they must be counted as duplicates, not stored twice.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credo.data import schemas as sc

# Corruptions that must each make the record invalid, by field type.
HOSTILE_IDS = [
    "p1'; DROP TABLE statement; --",
    "admin\u202egnp.exe",  # right-to-left override
    "p\u200b123",  # zero-width space
    "x" * 5000,
    "p1\x07bell",
    "Ρ001",  # Greek capital rho posing as a P
]
BAD_MONEY = ["12.50", "abc", "-100", "1e5", "99999999999999999999", " 100", "true"]
BAD_DATES = ["2024-02-30", "2024-13-01", "31/01/2024", "2099-01-01", "1800-01-01", "yesterday"]
BAD_TIMESTAMPS = ["2099-01-01T00:00:00Z", "2024-01-01T25:00:00Z", "2024-01-01T10:00:00+05:00",
                  "not a time", "2024-02-30T00:00:00Z"]
BAD_CODES = ["unknown", "CREDIT_CARD", "", "x" * 300]


def to_text(table: pa.Table) -> pa.Table:
    """A typed record table rendered as the strings a CSV would carry."""
    cols = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_timestamp(col.type):
            col = pc.strftime(col, format="%Y-%m-%dT%H:%M:%SZ")
        cols[name] = pc.cast(col, pa.string())
    return pa.table(cols)


def _pick(rng: np.random.Generator, options: list[str]) -> str:
    return options[int(rng.integers(0, len(options)))]


def corrupt(
    kind: str, table: pa.Table, rng: np.random.Generator
) -> tuple[pa.Table, pa.Table, Counter[str]]:
    """(invalid records, exact duplicates, counts by corruption) from good records."""
    text = to_text(table)
    n = text.num_rows
    dup = rng.random(n) < 0.2
    dupes = text.filter(pa.array(dup))
    bad = text.filter(pa.array(~dup))
    fields = [f for f in sc.fields(kind) if f.name != "source_id"]
    rows = bad.to_pylist()
    counts: Counter[str] = Counter()
    for row in rows:
        f = fields[int(rng.integers(0, len(fields)))]
        if f.type == sc.ID:
            row[f.name], what = _pick(rng, HOSTILE_IDS), "hostile identifier"
        elif f.type in (sc.MONEY, sc.INT):
            row[f.name], what = _pick(rng, BAD_MONEY), "malformed number"
        elif f.type == sc.DATE:
            row[f.name], what = _pick(rng, BAD_DATES), "impossible date"
        elif f.type == sc.TIMESTAMP:
            row[f.name], what = _pick(rng, BAD_TIMESTAMPS), "impossible timestamp"
        else:
            row[f.name], what = _pick(rng, BAD_CODES), "unknown code"
        if not f.required and row[f.name] == "":
            row[f.name] = "unknown"
        counts[what] += 1
    counts["exact duplicate"] = dupes.num_rows
    schema = pa.schema([(c, pa.string()) for c in text.column_names])
    return pa.Table.from_pylist(rows, schema=schema), dupes, counts
