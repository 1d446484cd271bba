"""The feature table as of T: one row per person known before T, every catalogue feature.

Everyone with an account opened before T is in the table, built from the catalogue:
each record pass joined on the person, then each feature's fill value for people
without such records (counts are 0; measures that need data, such as ratios, "time
since" and tenure, stay NULL, which the scorecard bins as "missing"), and the ratios
across kinds. One column is not a feature:
``default_status`` says why a person is already in default at T (NULL for the people at
risk, whom the score ranks); it is never a model input.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from credo.features import definitions as d
from credo.features.catalogue import CATALOGUE, FEATURE_NAMES

STATUS_COLUMN = "default_status"
# The feature table's columns, in order.
FEATURE_TABLE_COLUMNS = ("person_id", *FEATURE_NAMES, STATUS_COLUMN)


def _filled(column: ir.Column, fill: int | float) -> ir.Column:
    # A count filled with 0 stays int64 on every engine; a float fill keeps the type.
    if isinstance(fill, int):
        return column.fill_null(fill).cast("int64")
    return column.fill_null(fill)


def feature_table(tables: dict[str, ir.Table], as_of: date) -> ir.Table:
    """Ibis expression of the feature table; ``tables`` holds the five record kinds as
    known before ``as_of`` (latest version of each record)."""
    spine = d.accounts_known(tables["account"], as_of).select("person_id").distinct()
    parts = [p.per_person(tables, as_of) for p in d.RECORD_PASSES]
    parts.append(d.default_status(tables["statement"], tables["public_record"], as_of))
    out = spine
    for part in parts:
        out = d.join_on_person(out, part)
    fills = {f.name: _filled(out[f.name], f.fill) for f in CATALOGUE if f.fill is not None}
    out = out.mutate(**fills, **d.ACROSS_KINDS.compute(out))
    return out.select(*FEATURE_TABLE_COLUMNS).order_by("person_id")


def outcome_table(tables: dict[str, ir.Table], as_of: date, horizon_days: int = 365) -> ir.Table:
    """Who turned bad in the ``horizon_days`` after ``as_of``: 90+ days past due, a
    charge-off, or a new court judgment or bankruptcy. ``tables`` should hold everything
    known now (the outcome looks forward, the features never do)."""
    start = ibis.date(as_of)
    end = ibis.date(as_of) + ibis.interval(days=horizon_days)
    s = tables["statement"]
    s = s.filter((s.period_end >= start) & (s.period_end < end))
    s = s.filter((s.days_past_due >= 90) | (s.status == "charged_off"))
    r = tables["public_record"]
    r_day = r.occurred_at.date()
    r = r.filter((r_day >= start) & (r_day < end) & r.kind.isin(("court_judgment", "bankruptcy")))
    bad = s.select("person_id").union(r.select("person_id")).distinct()
    return bad.mutate(bad=ibis.literal(1, type="int8"))
