"""The feature table as of T: one row per person known before T, every catalogue feature.

Everyone with an account opened before T is in the table. Counts default to 0 where a
person has no such record; measures that need data (ratios, "time since", tenure) stay
NULL, which the scorecard bins as "missing". One column is not a feature:
``default_status`` says why a person is already in default at T (NULL for the people at
risk, whom the score ranks); it is never a model input.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from credo.features import definitions as d
from credo.features.catalogue import FEATURE_NAMES

_ZERO_WHEN_ABSENT = (
    "late30_3m", "late30_6m", "late30_12m", "late30_24m", "late60_12m", "late60_24m",
    "late90_24m", "max_days_past_due_24m", "missed_payments_6m", "charged_off_24m",
    "utility_late_12m", "bnpl_late_12m", "paid_late_12m", "current_days_past_due",
    "accounts_unpaid_now", "unpaid_bills_in_a_row", "statement_months_24m", "credit_balance",
    "cards_over_90pct", "income_months_12m", "id_verified",
    "address_changes_24m", "judgments_24m", "unsatisfied_judgments", "bankruptcies",
)
_ZERO_FLOAT_WHEN_ABSENT = ("income_monthly_6m", "income_monthly_12m")
STATUS_COLUMN = "default_status"


def feature_table(tables: dict[str, ir.Table], as_of: date) -> ir.Table:
    """Ibis expression of the feature table; ``tables`` holds the five record kinds as
    known before ``as_of`` (latest version of each record)."""
    accounts = tables["account"]
    spine = d.accounts_known(accounts, as_of).select("person_id").distinct()
    parts = [
        d.account_features(accounts, as_of),
        d.statement_features(tables["statement"], accounts, as_of),
        d.transaction_features(tables["transaction"], as_of),
        d.identity_features(tables["identity"], as_of),
        d.public_record_features(tables["public_record"], as_of),
    ]
    parts.append(d.default_status(tables["statement"], tables["public_record"], as_of))
    out = spine
    for part in parts:
        out = d.join_on_person(out, part)
    fills = {name: out[name].fill_null(0).cast("int64") for name in _ZERO_WHEN_ABSENT}
    fills |= {name: out[name].fill_null(0.0) for name in _ZERO_FLOAT_WHEN_ABSENT}
    out = out.mutate(
        **fills,
        debt_service_to_income=d._ratio(out._amount_due * 6, out._inc6_total),
        balance_to_income=d._ratio(out.credit_balance.fill_null(0), out._inc6_total * 2),
    )
    return out.select("person_id", *FEATURE_NAMES, STATUS_COLUMN).order_by("person_id")


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
