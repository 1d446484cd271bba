"""Feature definitions, written once as Ibis expressions, run on DuckDB or Spark.

Rules that keep the engines in agreement to the last bit:
- money stays integer cents and is only divided at the very end (a ratio of two exact
  integer sums is the same double on every engine; a float sum is not);
- durations are whole days between dates, never epoch seconds;
- every window is "within N days before T", from dates, so no time zone can shift it;
- counts and sums are cast to int64 explicitly.

``T`` is the as-of date: a record counts only if it was reported before T (the lake
reader filters on that) and if the event itself happened before T.

The features are computed in passes (:class:`Computation`): one per kind of record,
each a single group-by per person yielding many features at once, which keeps the
engines fast and in agreement; and one pass across kinds, over the joined per-person
table, for the ratios that need two kinds. Each feature's catalogue entry names the
pass that computes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from credo.data.schemas import CREDIT_KINDS

D3, D6, D12, D24 = 91, 182, 365, 730
I64 = "int64"
F64 = "float64"
SERVICE_KINDS = ("utility", "telecom", "rent")
# Monthly amounts are clipped (in whole units) before squaring, so that a sum of
# squares over a year stays far inside int64 even for absurd but valid amounts.
_UNIT_CLIP = 1_000_000


def _days_before(as_of: date, day: ir.DateValue) -> ir.IntegerValue:
    return ibis.date(as_of).delta(day, unit="day").cast(I64)


def _count(condition: ir.BooleanValue) -> ir.IntegerScalar:
    return condition.ifelse(1, 0).sum().cast(I64)


def _ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """numerator / denominator, or NULL when the denominator is 0 or NULL."""
    return (denominator > 0).ifelse(numerator.cast(F64) / denominator.cast(F64), ibis.null())


def _without_helpers(t: ir.Table, keep: tuple[str, ...] = ()) -> ir.Table:
    """``t`` without its intermediate columns (named with a leading underscore), except
    those in ``keep`` that a later step still needs."""
    return t.drop(*[c for c in t.columns if c.startswith("_") and c not in keep])


def join_on_person(left: ir.Table, right: ir.Table, how: str = "left") -> ir.Table:
    """Join two per-person tables, keeping one ``person_id`` column."""
    joined = left.join(right, "person_id", how=how)
    if "person_id_right" in joined.columns:
        joined = joined.mutate(person_id=joined.person_id.fill_null(joined.person_id_right)).drop(
            "person_id_right"
        )
    return joined


def accounts_known(accounts: ir.Table, as_of: date) -> ir.Table:
    return accounts.filter(accounts.opened_at < ibis.date(as_of))


def statement_features(statements: ir.Table, accounts: ir.Table, as_of: date) -> ir.Table:
    acc = accounts_known(accounts, as_of).select(
        "account_id", "person_id", account_kind="kind", credit_limit="credit_limit"
    )
    s = statements.filter(statements.period_end < ibis.date(as_of))
    s = s.join(acc, ["account_id", "person_id"], how="inner")
    s = s.mutate(days=_days_before(as_of, s.period_end))
    dpd = s.days_past_due
    credit = s.account_kind.isin(CREDIT_KINDS)
    on_time = (s.amount_paid >= s.amount_due) & s.paid_at.notnull() & (s.paid_at <= s.due_date)
    paid_late = s.paid_at.notnull() & (s.paid_at > s.due_date)
    due_known = s.due_date < ibis.date(as_of)
    billed_24m = due_known & (s.amount_due > 0) & (s.days <= D24)
    card_bill_24m = billed_24m & (s.account_kind == "credit_card")
    history = s.group_by("person_id").aggregate(
        late30_3m=_count((dpd >= 30) & (s.days <= D3)),
        late30_6m=_count((dpd >= 30) & (s.days <= D6)),
        late30_12m=_count((dpd >= 30) & (s.days <= D12)),
        late30_24m=_count((dpd >= 30) & (s.days <= D24)),
        late60_12m=_count((dpd >= 60) & (s.days <= D12)),
        late60_24m=_count((dpd >= 60) & (s.days <= D24)),
        late90_24m=_count((dpd >= 90) & (s.days <= D24)),
        max_days_past_due_24m=(s.days <= D24).ifelse(dpd, 0).max().cast(I64),
        days_since_late30=(dpd >= 30).ifelse(s.days, ibis.null()).min().cast(I64),
        _bills_12m=_count(due_known & (s.days <= D12)),
        _on_time_12m=_count(due_known & on_time & (s.days <= D12)),
        paid_late_12m=_count(due_known & paid_late & (s.days <= D12)),
        _bills_24m=_count(billed_24m),
        _paid_late_24m=_count(billed_24m & paid_late),
        _card_bills_24m=_count(card_bill_24m),
        _card_full_24m=_count(card_bill_24m & (s.amount_paid >= s.balance)),
        missed_payments_6m=_count(
            due_known & (s.amount_due > 0) & (s.amount_paid == 0) & (s.days <= D6)
        ),
        charged_off_24m=_count((s.status == "charged_off") & (s.days <= D24)),
        utility_late_12m=_count(s.account_kind.isin(SERVICE_KINDS) & (dpd > 0) & (s.days <= D12)),
        bnpl_late_12m=_count((s.account_kind == "bnpl") & (dpd > 0) & (s.days <= D12)),
        statement_months_24m=(s.days <= D24)
        .ifelse(s.period_end.year() * 12 + s.period_end.month(), ibis.null())
        .nunique()
        .cast(I64),
    )
    history = history.mutate(
        on_time_share_12m=_ratio(history._on_time_12m, history._bills_12m),
        paid_late_share_24m=_ratio(history._paid_late_24m, history._bills_24m),
        card_paid_in_full_share_24m=_ratio(history._card_full_24m, history._card_bills_24m),
    ).pipe(_without_helpers)

    # Statements of credit accounts numbered from the latest known one (0), for
    # accounts still reporting (latest within ~3 months; sources report with a lag).
    c = s.filter(credit)
    c = c.mutate(
        _rank=ibis.row_number().over(
            ibis.window(group_by=c.account_id, order_by=[c.period_end.desc()])
        ),
        _latest_days=c.days.min().over(ibis.window(group_by=c.account_id)),
    ).filter(lambda t: t._latest_days <= 100)
    growth = c.group_by("person_id").aggregate(
        _now=(c._rank == 0).ifelse(c.balance, 0).sum().cast(I64),
        _before=(c._rank == 6).ifelse(c.balance, 0).sum().cast(I64),
    )
    growth = growth.mutate(balance_growth_6m=_ratio(growth._now, growth._before)).drop(
        "_now", "_before"
    )
    latest = c.filter(c._rank == 0)
    cards = latest.account_kind == "credit_card"
    current = latest.group_by("person_id").aggregate(
        credit_balance=latest.balance.sum().cast(I64),
        _card_balance=cards.ifelse(latest.balance, 0).sum().cast(I64),
        _card_limit=cards.ifelse(latest.credit_limit.fill_null(0), 0).sum().cast(I64),
        cards_over_90pct=_count(
            cards & (latest.balance * 10 >= latest.credit_limit.fill_null(0) * 9)
        ),
        _amount_due=latest.amount_due.sum().cast(I64),
    )
    # Where each account stands now, from every kind of account (bills included).
    every = s.mutate(
        _rank=ibis.row_number().over(
            ibis.window(group_by=s.account_id, order_by=[s.period_end.desc()])
        )
    )
    unpaid = (every.amount_due > 0) & (every.amount_paid == 0)
    # Bills left unpaid in a row up to the latest one (at most the latest 6) mark an
    # account rolling into default; a single missed bill caught up the next month does
    # not. Each stage of the roll is a state of its own (see the catalogue's special
    # values): one unpaid bill is often a slip, two in a row mostly a default under way.
    recent = every.mutate(_paid=~unpaid)
    recent = recent.filter((recent._rank <= 5) & (recent.days <= 250))
    runs = recent.group_by(["person_id", "account_id"]).aggregate(
        _first_paid=recent._paid.ifelse(recent._rank, ibis.null()).min().cast(I64),
        _statements=recent.count().cast(I64),
        _latest_days=recent.days.min().cast(I64),
    )
    runs = runs.filter(runs._latest_days <= 100)
    streaks = runs.group_by("person_id").aggregate(
        unpaid_bills_in_a_row=runs._first_paid.fill_null(runs._statements).max().cast(I64)
    )
    now = every.filter((every._rank == 0) & (every.days <= 100))
    standing = now.group_by("person_id").aggregate(
        current_days_past_due=now.days_past_due.max().cast(I64),
        accounts_unpaid_now=_count((now.amount_due > 0) & (now.amount_paid == 0)),
    )
    standing = join_on_person(standing, streaks, how="outer")
    current = current.mutate(
        revolving_utilisation=_ratio(current._card_balance, current._card_limit)
    ).drop("_card_balance", "_card_limit")
    return join_on_person(join_on_person(join_on_person(history, current), growth), standing)


def _monthly(t: ir.Table, as_of: date, window: int, name: str) -> ir.Table:
    """Per person: months with activity, sum (cents) and sum of squares (whole units)."""
    windowed = t.filter(t.days <= window)
    monthly = windowed.group_by(["person_id", "month"]).aggregate(
        cents=windowed.amount.sum().cast(I64)
    )
    units = (monthly.cents // 100).clip(upper=_UNIT_CLIP).cast(I64)
    monthly = monthly.mutate(units=units)
    return monthly.group_by("person_id").aggregate(
        **{
            f"_{name}_months": monthly.month.nunique().cast(I64),
            f"_{name}_cents": monthly.cents.sum().cast(I64),
            f"_{name}_units": monthly.units.sum().cast(I64),
            f"_{name}_squares": (monthly.units * monthly.units).sum().cast(I64),
        }
    )


def _variability(t: ir.Table, name: str, months: int | None = None) -> ir.FloatingValue:
    """Coefficient of variation of monthly amounts: over ``months`` (idle months count
    as 0), or, with ``None``, over the months that had any (and only from 3 of them)."""
    total = t[f"_{name}_units"].cast(F64)
    squares = t[f"_{name}_squares"].cast(F64)
    enough = total > 0
    over: ir.FloatingValue | int
    if months is None:
        over = t[f"_{name}_months"].cast(F64)
        enough = (t[f"_{name}_months"] >= 3) & enough
    else:
        over = months
    mean = total / over
    variance = (squares / over - mean * mean).clip(lower=0)
    return enough.ifelse(variance.sqrt() / mean, ibis.null())


def transaction_features(transactions: ir.Table, as_of: date) -> ir.Table:
    day = transactions.occurred_at.date()
    t = transactions.filter(day < ibis.date(as_of))
    # The month of the day, not of the instant: the same month, and a query that takes
    # parts of a time-zoned instant is bound again by DuckDB at every execution of its
    # prepared statement (what a what-if request waits on).
    t_day = t.occurred_at.date()
    t = t.mutate(
        days=_days_before(as_of, t_day),
        month=(t_day.year() * 12 + t_day.month()).cast(I64),
    )
    income = t.filter(t.kind == "income")
    income6 = _monthly(income, as_of, D6, "inc6")
    income12 = _monthly(income, as_of, D12, "inc12")
    # Salary alone (benefits and other income left out): its usual level, its
    # regularity, and whether the last month's salary came in as usual.
    salary12 = _monthly(income.filter(income.merchant_category == "salary"), as_of, D12, "sal12")

    y = t.filter(t.days <= D24)
    in_12m = y.days <= D12
    # Spending counts only as a total against income (capacity): never what, where or
    # how a person buys (see credo.policy.admissibility).
    purchase = (y.kind == "purchase") & in_12m
    category = y.merchant_category
    mix = y.group_by("person_id").aggregate(
        _spent=purchase.ifelse(y.amount, 0).sum().cast(I64),
        _salary_1m=((y.kind == "income") & (category == "salary") & (y.days <= 31))
        .ifelse(y.amount, 0)
        .sum()
        .cast(I64),
        _inc_recent=((y.kind == "income") & (y.days <= D3)).ifelse(y.amount, 0).sum().cast(I64),
        _inc_before=((y.kind == "income") & (y.days > D3) & in_12m)
        .ifelse(y.amount, 0)
        .sum()
        .cast(I64),
    )
    out = mix
    for part in (income6, income12, salary12):
        out = join_on_person(out, part, how="outer")
    return out.mutate(
        income_monthly_6m=out._inc6_cents.fill_null(0).cast(F64) / 6.0,
        income_monthly_12m=out._inc12_cents.fill_null(0).cast(F64) / 12.0,
        income_months_12m=out._inc12_months.fill_null(0),
        income_variability_12m=_variability(out, "inc12", 12),
        spend_to_income_12m=_ratio(out._spent, out._inc12_cents),
        salary_monthly_12m=_ratio(out._sal12_cents, out._sal12_months),
        salary_variability_12m=_variability(out, "sal12"),
        # The last month's salary against the usual month: near 0 when it stopped.
        salary_change_1m=_ratio(out._salary_1m * out._sal12_months, out._sal12_cents),
        # Last 3 months against the 9 before them, per month: a drop flags a shock.
        income_change_3m=_ratio(out._inc_recent * 3, out._inc_before),
        _inc6_total=out._inc6_cents.fill_null(0),
    ).pipe(_without_helpers, keep=("_inc6_total",))


def account_features(accounts: ir.Table, as_of: date) -> ir.Table:
    a = accounts_known(accounts, as_of)
    today = ibis.date(as_of)
    is_open = a.closed_at.isnull() | (a.closed_at >= today)
    age = _days_before(as_of, a.opened_at)
    closed_days = a.closed_at.notnull().ifelse(_days_before(as_of, a.closed_at), ibis.null())
    out = a.group_by("person_id").aggregate(
        oldest_account_days=age.max().cast(I64),
        _age_sum=age.sum().cast(I64),
        _accounts=a.count().cast(I64),
        open_accounts=_count(is_open),
        open_credit_accounts=_count(is_open & a.kind.isin(CREDIT_KINDS)),
        account_kinds=a.kind.nunique().cast(I64),
        accounts_opened_6m=_count(age <= D6),
        accounts_opened_12m=_count(age <= D12),
        accounts_closed_12m=_count(
            closed_days.notnull()
            & (closed_days >= 0)
            & (closed_days <= D12)
            & (a.closed_at < today)
        ),
        card_limit_total=(is_open & (a.kind == "credit_card"))
        .ifelse(a.credit_limit.fill_null(0), 0)
        .sum()
        .cast(I64),
    )
    return out.mutate(average_account_days=_ratio(out._age_sum, out._accounts)).drop(
        "_age_sum", "_accounts"
    )


def identity_features(identity: ir.Table, as_of: date) -> ir.Table:
    i = identity.filter(identity.occurred_at.date() < ibis.date(as_of))
    i = i.mutate(days=_days_before(as_of, i.occurred_at.date()))
    latest = i.mutate(
        _rank=ibis.row_number().over(
            ibis.window(
                group_by=[i.person_id, i.kind], order_by=[i.occurred_at.desc(), i.record_id.desc()]
            )
        )
    ).filter(lambda t: t._rank == 0)
    since = latest.value.cast("date")
    phone = latest.kind == "phone_since"
    address = latest.kind == "address_since"
    employment = latest.kind == "employment_verified"
    facts = latest.group_by("person_id").aggregate(
        id_verified=_count(latest.kind == "id_verified"),
        phone_tenure_days=phone.ifelse(_days_before(as_of, since), ibis.null()).max().cast(I64),
        address_tenure_days=address.ifelse(_days_before(as_of, since), ibis.null()).max().cast(I64),
        employment_type=employment.ifelse(latest.value, ibis.null()).max(),
        days_since_employment_verified=employment.ifelse(latest.days, ibis.null()).min().cast(I64),
    )
    # A move is an address reported after an earlier one: the first address on record
    # is where the person lived, not a change. The earlier one may predate the window.
    # Ties on the instant are ordered by record_id; either order gives the same count.
    a = i.filter(i.kind == "address_since")
    a = a.mutate(
        _order=ibis.row_number().over(
            ibis.window(group_by=a.person_id, order_by=[a.occurred_at, a.record_id])
        )
    )
    moves = a.group_by("person_id").aggregate(
        address_changes_24m=_count((a._order > 0) & (a.days <= D24))
    )
    out = join_on_person(facts, moves)
    return out.mutate(address_changes_24m=out.address_changes_24m.fill_null(0))


def public_record_features(records: ir.Table, as_of: date) -> ir.Table:
    r = records.filter(records.occurred_at.date() < ibis.date(as_of))
    r = r.mutate(days=_days_before(as_of, r.occurred_at.date()))
    satisfied = (
        r.filter(r.kind == "satisfaction").select("person_id", satisfied_case="case_id").distinct()
    )
    judgments = r.filter(r.kind == "court_judgment")
    judgments = judgments.left_join(
        satisfied,
        (judgments.person_id == satisfied.person_id)
        & (judgments.case_id == satisfied.satisfied_case),
    )
    if "person_id_right" in judgments.columns:
        judgments = judgments.drop("person_id_right")
    open_judgments = judgments.group_by("person_id").aggregate(
        unsatisfied_judgments=_count(judgments.satisfied_case.isnull())
    )
    counts = r.group_by("person_id").aggregate(
        judgments_24m=_count((r.kind == "court_judgment") & (r.days <= D24)),
        bankruptcies=_count(r.kind == "bankruptcy"),
        days_since_judgment=(r.kind == "court_judgment")
        .ifelse(r.days, ibis.null())
        .min()
        .cast(I64),
    )
    return join_on_person(counts, open_judgments)


# Why a person is in default at T, strongest first: a bankruptcy, then a charge-off, then
# an account 90+ days past due now.
DEFAULT_STATUSES = ("bankruptcy", "charged_off", "past_due_90")


def default_status(statements: ir.Table, records: ir.Table, as_of: date) -> ir.Table:
    """person_id and ``default_status`` for everyone already in default at T.

    In default (the usual prudential definition: 90 days past due, or unlikely to pay):
    an account whose latest statement, reported in the last ~3 months, is 90+ days past
    due; a charge-off in the last 12 months; or a bankruptcy in the last 12 months. The
    12 months are the probation a defaulter serves before being ranked again: until then
    the outcome a score predicts has, for them, already happened.
    """
    today = ibis.date(as_of)
    s = statements.filter(statements.period_end < today)
    s = s.mutate(days=_days_before(as_of, s.period_end))
    latest = s.mutate(
        _rank=ibis.row_number().over(
            ibis.window(group_by=s.account_id, order_by=[s.period_end.desc()])
        )
    )
    latest = latest.filter((latest._rank == 0) & (latest.days <= 100))
    past_due = latest.filter(latest.days_past_due >= 90).select("person_id").mutate(
        _level=ibis.literal(1, type=I64)
    )
    charged = s.filter((s.status == "charged_off") & (s.days <= D12)).select("person_id").mutate(
        _level=ibis.literal(2, type=I64)
    )
    r = records.filter(
        (records.kind == "bankruptcy") & (records.occurred_at.date() < today)
    )
    bankrupt = r.filter(_days_before(as_of, r.occurred_at.date()) <= D12).select(
        "person_id"
    ).mutate(_level=ibis.literal(3, type=I64))
    events = past_due.union(charged).union(bankrupt)
    worst = events.group_by("person_id").aggregate(_level=events._level.max())
    return worst.mutate(
        default_status=ibis.cases(
            (worst._level == 3, DEFAULT_STATUSES[0]),
            (worst._level == 2, DEFAULT_STATUSES[1]),
            else_=DEFAULT_STATUSES[2],
        )
    ).drop("_level")



def across_kinds(person: ir.Table) -> dict[str, ir.FloatingValue]:
    """Ratios across kinds of record, over the joined per-person table: what is due
    each month (statements) and what is owed against income (transactions)."""
    return {
        "debt_service_to_income": _ratio(person._amount_due * 6, person._inc6_total),
        "balance_to_income": _ratio(person.credit_balance.fill_null(0),
                                    person._inc6_total * 2),
    }


@dataclass(frozen=True)
class Computation:
    """A pass that computes several features at once.

    A pass over records reads the kinds ``reads`` (in that order, then T) and returns a
    per-person table; the pass across kinds (``reads`` empty) returns expressions over
    the joined per-person table, where the record passes' helper columns (named with a
    leading underscore) are still present."""

    name: str
    reads: tuple[str, ...]
    compute: Callable[..., Any]

    def per_person(self, tables: dict[str, ir.Table], as_of: date) -> ir.Table:
        """A record pass's per-person table."""
        return self.compute(*(tables[kind] for kind in self.reads), as_of)


ACCOUNTS = Computation("accounts", ("account",), account_features)
STATEMENTS = Computation("statements", ("statement", "account"), statement_features)
TRANSACTIONS = Computation("transactions", ("transaction",), transaction_features)
IDENTITY = Computation("identity", ("identity",), identity_features)
PUBLIC_RECORDS = Computation("public records", ("public_record",), public_record_features)
RECORD_PASSES = (ACCOUNTS, STATEMENTS, TRANSACTIONS, IDENTITY, PUBLIC_RECORDS)
ACROSS_KINDS = Computation("across kinds", (), across_kinds)
