"""Records as the simulated sources would report them, generated from the latent process.

Sources: ``sim-bank`` (cards, loans, mortgages, offline purchases, income), ``sim-bnpl``,
``sim-pay`` (online payments), ``sim-utility``, ``sim-telecom``, ``sim-landlord``,
``sim-courts`` and ``sim-idv`` (identity checks). Everything is vectorised per chunk;
only the rare default spirals run in a Python loop.

Reporting conventions of the simulated sources (the contract allows others):
statements are reported 50 days after period end (or ``lag_days``, at least the
latest payment day, so that a statement shows its bill paid or missed) with
``days_past_due`` in 30-day buckets; transactions the next day; accounts when opened and
again when closed (a new version of the same record); public records 3 days after the
court date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credo.money import DEFAULT_CURRENCY
from credo.simulate.traits import AGE_MID_YEARS, People

CURRENCY = DEFAULT_CURRENCY  # the reporting currency credo assumes unless told
ACCOUNT_KINDS = ("credit_card", "instalment_loan", "bnpl", "mortgage", "utility", "telecom", "rent")
CARD, LOAN, BNPL, MORTGAGE, UTILITY, TELECOM, RENT = range(7)
ACCOUNT_SOURCE = np.array(
    ["sim-bank", "sim-bank", "sim-bnpl", "sim-bank", "sim-utility", "sim-telecom", "sim-landlord"]
)
NEVER = 10**6
STATEMENT_LAG_DAYS = 50
DUE_DAYS = 21
LATE_DAYS = 25  # a late payment comes 1 to LATE_DAYS days after the due date
LATEST_PAYMENT_DAY = DUE_DAYS + LATE_DAYS  # days after period end
CATEGORIES = np.array(
    [
        "groceries",
        "restaurants",
        "fuel",
        "transport",
        "travel",
        "electronics",
        "clothing",
        "health",
        "education",
        "entertainment",
        "home",
        "utilities",
        "telecom",
        "cash_withdrawal",
        "other",
    ]
)
TX_CATEGORIES = (*CATEGORIES, "gambling", "salary", "benefits")
GAMBLING, SALARY, BENEFITS = len(CATEGORIES), len(CATEGORIES) + 1, len(CATEGORIES) + 2
CATEGORY_P = np.array(
    [0.28, 0.12, 0.08, 0.07, 0.03, 0.04, 0.08, 0.05, 0.02, 0.06, 0.06, 0.02, 0.02, 0.04, 0.03]
)
TS = pa.timestamp("us", tz="UTC")


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


class Calendar:
    """Month index 0 is the first simulated month; negative indices are the past."""

    def __init__(self, end_month: str, months: int) -> None:
        self.months = months
        self.start = np.datetime64(end_month, "M") - (months - 1)

    def month_start(self, m: np.ndarray) -> np.ndarray:
        return (self.start + m).astype("datetime64[D]")

    def period_end(self, m: np.ndarray) -> np.ndarray:
        return (self.start + m + 1).astype("datetime64[D]") - np.timedelta64(1, "D")

    def as_of(self, m: np.ndarray) -> np.ndarray:
        return (self.start + m + 1).astype("datetime64[D]")

    def month_code(self, m: np.ndarray) -> np.ndarray:
        return (self.start + m).astype(np.int64)  # months since 1970-01


def ids(prefix: pa.Array | np.ndarray, tag: str, number: np.ndarray) -> pa.Array:
    """Vectorised ``prefix + tag + number`` identifiers."""
    num = pc.cast(pa.array(np.asarray(number, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(pa.array(prefix), pa.scalar(tag), num, "")


def lookup(values: np.ndarray | list | tuple, codes: np.ndarray) -> pa.Array:
    """``values[codes]`` as an Arrow string array (C++ take, no Python strings)."""
    return pa.array(np.asarray(values), pa.string()).take(pa.array(np.asarray(codes)))


def ts(days: np.ndarray, seconds: np.ndarray | int = 0) -> pa.Array:
    us = days.astype("datetime64[us]") + np.asarray(seconds).astype("timedelta64[s]")
    return pa.array(us).cast(TS)


def dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("datetime64[D]"), pa.date32())


def money(x: np.ndarray) -> np.ndarray:
    return np.maximum(np.round(x), 0).astype(np.int64)


@dataclass
class Accounts:
    person: np.ndarray  # index into the chunk
    kind: np.ndarray  # index into ACCOUNT_KINDS
    open_m: np.ndarray
    open_day: np.ndarray
    close_m: np.ndarray  # first month without a statement (NEVER if open)
    closed_at: np.ndarray  # datetime64[D], NaT if open
    limit: np.ndarray  # cents, -1 for none
    base_due: np.ndarray  # cents, the account's typical bill
    spiral: np.ndarray  # spiral start month or NEVER

    @property
    def n(self) -> int:
        return len(self.person)


def draw_accounts(rng: np.random.Generator, p: People, cal: Calendar) -> Accounts:
    n, months = p.n, cal.months
    li = p.log_income - 7.6
    owner = rng.random(n) < sigmoid(-0.3 + 1.2 * li + np.array([-2, -1, 0, 0.5, 0.8, 1.0])[p.age])
    counts = np.zeros((n, 7), dtype=np.int64)
    counts[:, CARD] = np.minimum(rng.poisson(np.exp(0.15 + 0.35 * p.leverage + 0.4 * li)), 6)
    counts[:, LOAN] = np.minimum(rng.poisson(np.exp(-1.1 + 0.4 * p.leverage)), 4)
    young = np.where(p.age <= 1, 0.5, 0.0)
    counts[:, BNPL] = np.minimum(rng.poisson(np.exp(-0.9 + 0.5 * p.leverage + young)), 4)
    counts[:, MORTGAGE] = owner & (rng.random(n) < 0.65)
    counts[:, UTILITY] = rng.random(n) < 0.85
    counts[:, TELECOM] = 1
    counts[:, RENT] = ~owner & (rng.random(n) < 0.7)
    flat = counts.ravel()
    person = np.repeat(np.repeat(np.arange(n), 7), flat)
    kind = np.repeat(np.tile(np.arange(7), n), flat)
    a = len(person)

    years_adult = np.maximum(AGE_MID_YEARS[p.age] - 18, 1)[person]
    back = rng.integers(1, np.minimum(120, years_adult * 12) + 1)
    pre_p = np.select([kind == TELECOM, kind == MORTGAGE], [1.0, 0.85], 0.6)
    pre = rng.random(a) < pre_p
    open_m = np.where(pre, -back, rng.integers(0, months, a))
    open_day = rng.integers(0, 28, a)
    term = rng.integers(12, 61, a)
    churn = np.select([kind == CARD, kind == BNPL, kind == RENT], [0.006, 0.02, 0.012], 0.004)
    close_m = np.where(
        kind == LOAN,
        open_m + term,
        np.where(kind == MORTGAGE, NEVER, open_m + 1 + rng.geometric(churn)),
    )
    close_m = np.where(close_m > months + 24, NEVER, close_m)
    close_day = np.where(close_m == open_m, open_day, rng.integers(0, 28, a))

    income = np.exp(p.log_income)[person] * 100
    limit = np.select(
        [kind == CARD, kind == LOAN, kind == BNPL, kind == MORTGAGE],
        [
            np.round(income * rng.uniform(0.5, 3, a) * np.exp(0.2 * p.leverage[person]), -4),
            np.round(income * rng.uniform(1, 12, a), -4),
            np.round(rng.uniform(200, 1500, a) * 100, -4),
            np.round(income * rng.uniform(60, 150, a), -4),
        ],
        -1,
    ).astype(np.int64)
    base_due = np.select(
        [kind == LOAN, kind == MORTGAGE, kind == UTILITY, kind == TELECOM, kind == RENT],
        [
            limit / term,
            limit / 300,
            income * 0.03,
            rng.uniform(1500, 6000, a),
            income * rng.uniform(0.2, 0.4, a),
        ],
        0,
    )
    closed_at = np.where(
        close_m >= NEVER,
        np.datetime64("NaT"),
        cal.month_start(np.minimum(close_m, NEVER // 2)) + close_day.astype("timedelta64[D]"),
    )
    return Accounts(
        person,
        kind,
        open_m,
        open_day,
        close_m,
        closed_at,
        limit,
        money(base_due),
        np.full(a, NEVER),
    )


@dataclass
class Spirals:
    person: np.ndarray
    start: np.ndarray
    account: np.ndarray  # index into Accounts, -1 when no account could carry it
    legal_kind: np.ndarray  # "", "court_judgment" or "bankruptcy"
    legal_month: np.ndarray  # NEVER if none
    amount: np.ndarray  # cents owed

    def last_event(self) -> np.ndarray:
        last = np.where(self.account >= 0, self.start + 3, self.start + 2)
        return np.maximum(last, np.where(self.legal_month < NEVER, self.legal_month, 0)) + 0

    def events(self) -> tuple[np.ndarray, np.ndarray]:
        """(person, month) of every bad event: 90 dpd, charge-off, judgment/bankruptcy."""
        has_acc = self.account >= 0
        person = [self.person[has_acc], self.person[has_acc]]
        month = [self.start[has_acc] + 2, self.start[has_acc] + 3]
        legal = self.legal_month < NEVER
        person.append(self.person[legal])
        month.append(self.legal_month[legal])
        return np.concatenate(person), np.concatenate(month)


def assign_spirals(
    rng: np.random.Generator, p: People, acc: Accounts, starts: np.ndarray, cal: Calendar
) -> Spirals:
    """Pick the account each spiral hits and its legal aftermath; truncate that account."""
    sp_person, sp_start = np.nonzero(starts)
    k = len(sp_person)
    first = np.searchsorted(acc.person, np.arange(p.n + 1))
    account = np.full(k, -1)
    for i in range(k):
        pi, s = sp_person[i], sp_start[i]
        lo, hi = first[pi], first[pi + 1]
        ok = np.flatnonzero(
            (acc.open_m[lo:hi] <= s - 1)
            & (acc.close_m[lo:hi] > s + 3)
            & (acc.spiral[lo:hi] >= NEVER)
        )
        if ok.size:
            a = lo + ok[rng.integers(0, ok.size)]
            account[i] = a
            acc.spiral[a] = s
            acc.close_m[a] = s + 4
            acc.closed_at[a] = cal.period_end(np.array(s + 3))
    u = rng.random(k)
    lag = rng.integers(5, 10, k)
    legal_kind = np.where(u < 0.35, "court_judgment", np.where(u < 0.39, "bankruptcy", ""))
    legal_month = np.where(legal_kind != "", sp_start + lag, NEVER)
    # A spiral no reported account can carry surfaces as a judgment on unreported debt.
    no_acc = account < 0
    legal_kind = np.where(no_acc, "court_judgment", legal_kind)
    legal_month = np.where(no_acc, sp_start + 2, legal_month)
    income = np.exp(p.log_income[sp_person]) * 100
    amount = np.where(
        account >= 0,
        np.maximum(acc.limit[account], acc.base_due[account] * 4),
        income * rng.uniform(1, 6, k),
    )
    return Spirals(sp_person, sp_start, account, legal_kind.astype(str), legal_month, money(amount))


def account_table(p: People, acc: Accounts, cal: Calendar, rng: np.random.Generator) -> pa.Table:
    """One version at opening and, for closed accounts, a second version at closing."""
    opened = cal.month_start(acc.open_m) + acc.open_day.astype("timedelta64[D]")
    horizon_end = cal.period_end(np.array(cal.months - 1))
    closed_known = ~np.isnat(acc.closed_at) & (acc.closed_at <= horizon_end)
    rows = np.concatenate([np.arange(acc.n), np.flatnonzero(closed_known)])
    is_close = np.r_[np.zeros(acc.n, bool), np.ones(closed_known.sum(), bool)]
    seen_at = np.where(is_close, acc.closed_at[rows], opened[rows])
    rep_delay = rng.integers(1, 5, len(rows)) * 86400 + rng.integers(0, 86400, len(rows))
    account_id = ids(lookup(p.person_id, acc.person[rows]), "-a", rows)
    limit = acc.limit[rows]
    return pa.table(
        {
            "record_id": account_id,
            "person_id": lookup(p.person_id, acc.person[rows]),
            "source_id": lookup(ACCOUNT_SOURCE, acc.kind[rows]),
            "reported_at": ts(seen_at, rep_delay),
            "account_id": account_id,
            "kind": lookup(ACCOUNT_KINDS, acc.kind[rows]),
            "opened_at": dates(opened[rows]),
            "closed_at": pa.array(
                np.where(is_close, acc.closed_at[rows], np.datetime64("NaT")).astype(
                    "datetime64[D]"
                ),
                pa.date32(),
            ),
            "credit_limit": pa.array(limit, mask=limit < 0),
            "currency": lookup([CURRENCY], np.zeros(len(rows), np.int64)),
        }
    )


def statement_table(
    p: People,
    acc: Accounts,
    shocks: np.ndarray,
    cal: Calendar,
    rng: np.random.Generator,
    lag_days: int = STATEMENT_LAG_DAYS,
) -> pa.Table:
    """One statement per account and month; reported ``lag_days`` after the period ends."""
    months = cal.months
    lo = np.maximum(acc.open_m, 0)
    hi = np.minimum(acc.close_m - 1, months - 1)
    length = np.maximum(hi - lo + 1, 0)
    a = np.repeat(np.arange(acc.n), length)
    offs = np.arange(len(a)) - np.repeat(np.cumsum(length) - length, length)
    t = lo[a] + offs
    r = len(a)
    person = acc.person[a]
    kind = acc.kind[a]
    shock = shocks[person, t]
    disc, lev = p.discipline[person], p.leverage[person]
    income = np.exp(p.log_income[person]) * 100

    # Amounts by account kind.
    util = np.clip(sigmoid(-0.8 + 0.6 * lev) + 0.2 * shock + rng.normal(0, 0.1, r), 0.01, 1)
    limit = np.maximum(acc.limit[a], 0)
    age_m = t - acc.open_m[a]
    term_left = np.clip(1 - age_m / np.maximum(limit / np.maximum(acc.base_due[a], 1), 1), 0, 1)
    balance = np.select(
        [kind == CARD, kind == BNPL, kind == LOAN, kind == MORTGAGE],
        [
            limit * util,
            limit * util * rng.uniform(0.3, 1, r),
            limit * term_left,
            limit * np.clip(1 - age_m / 300, 0, 1),
        ],
        0,
    )
    noise = rng.lognormal(0, 0.15, r)
    due = np.select(
        [kind == CARD, kind == BNPL, kind == UTILITY],
        [np.minimum(balance, np.maximum(2500, balance * 0.05)), balance / 4, income * 0.03 * noise],
        acc.base_due[a] * np.where(kind == TELECOM, noise, 1),
    )
    due = money(due)
    balance = money(np.where(np.isin(kind, [UTILITY, TELECOM, RENT]), due, balance))

    # Payment behaviour: on time, late within the cycle, or a missed cycle that cures.
    p_late = sigmoid(-3.0 - 1.0 * disc + 1.0 * shock + 0.3 * lev)
    p_miss = sigmoid(-5.2 - 1.0 * disc + 1.3 * shock + 0.3 * lev)
    u = rng.random(r)
    spiral = acc.spiral[a]
    zone = t >= spiral - 2
    miss = (u < p_miss) & ~zone & (t < hi[a])
    late = (u >= p_miss) & (u < p_miss + p_late) & ~zone
    prev_miss = np.r_[False, miss[:-1]] & (np.r_[-1, a[:-1]] == a)
    dpd = np.where(prev_miss, 30, 0)
    in_sp = t >= spiral - 1
    k = t - spiral  # -1: the unpaid bill; 0..2: 30..90 dpd; 3: charged off
    dpd = np.where(in_sp, np.clip(k + 1, 0, 4) * 30, dpd)
    unpaid = miss | in_sp
    paid = np.where(unpaid, 0, np.where(prev_miss, 2 * due, due))
    full = (kind == CARD) & (rng.random(r) < sigmoid(0.8 * disc))
    paid = np.where(full & ~unpaid & ~prev_miss, np.maximum(balance, due), paid)
    paid = np.where(due == 0, 0, paid)
    period_end = cal.period_end(t)
    due_date = period_end + np.timedelta64(DUE_DAYS, "D")
    pay_day = np.where(
        late, DUE_DAYS + rng.integers(1, LATE_DAYS + 1, r), rng.integers(3, DUE_DAYS + 1, r)
    )
    paid_at = np.where(
        paid > 0, period_end + pay_day.astype("timedelta64[D]"), np.datetime64("NaT")
    )
    status = np.select([in_sp & (k >= 3), dpd >= 30, late | unpaid], [3, 2, 1], 0)
    # Emit in month order: the lake then writes its month partitions without a re-sort.
    o = np.argsort(t, kind="stable")
    account_id = ids(lookup(p.person_id, person[o]), "-a", a[o])
    report = period_end[o] + np.timedelta64(lag_days, "D")
    return pa.table(
        {
            "record_id": ids(account_id, "-m", cal.month_code(t[o])),
            "person_id": lookup(p.person_id, person[o]),
            "source_id": lookup(ACCOUNT_SOURCE, kind[o]),
            "reported_at": ts(report, rng.integers(0, 86400, r)),
            "account_id": account_id,
            "period_end": dates(period_end[o]),
            "due_date": dates(due_date[o]),
            "amount_due": due[o],
            "amount_paid": paid[o],
            "paid_at": pa.array(paid_at[o].astype("datetime64[D]"), pa.date32()),
            "balance": balance[o],
            "days_past_due": dpd[o].astype(np.int64),
            "status": lookup(["current", "late", "delinquent", "charged_off"], status[o]),
            "currency": lookup([CURRENCY], np.zeros(r, np.int64)),
        }
    )


def transaction_table(
    p: People, shocks: np.ndarray, cal: Calendar, rng: np.random.Generator, scale: float = 1.0
) -> pa.Table:
    n, months = shocks.shape
    li = p.log_income - 7.6
    income = np.exp(p.log_income) * 100
    p_online = sigmoid(0.6 - 0.45 * p.age + rng.normal(0, 0.7, n))
    p_gamble = np.minimum(0.01 * np.exp(-0.7 * p.discipline), 0.2)
    budget = income * np.clip(0.45 + 0.1 * p.leverage - 0.05 * p.discipline, 0.2, 0.9)
    lam = np.clip(3.5 * np.exp(0.3 * li), 1, 12) * scale

    parts = []
    # Codes: kind 0 purchase 1 refund 2 income 3 transfer; channel 0 online 1 offline;
    # category indexes TX_CATEGORIES (-1: none).
    pm_person = np.repeat(np.arange(n), months)
    pm_t = np.tile(np.arange(months), n)
    pm_shock = shocks.ravel()
    # Income: monthly, irregular for unstable people, reduced during shocks.
    has = rng.random(n * months) < (0.98 - 0.35 * (1 - p.stability))[pm_person]
    sd = (0.03 + 0.35 * (1 - p.stability))[pm_person]
    amt = income[pm_person] * np.where(pm_shock, 0.4, 1.0) * rng.lognormal(0, sd)
    cat = np.where(pm_shock & (rng.random(n * months) < 0.6), BENEFITS, SALARY)
    k = int(has.sum())
    parts.append(
        (
            pm_person[has],
            pm_t[has],
            np.full(k, 2),
            amt[has],
            np.full(k, 1),
            cat[has],
            rng.integers(23, 28, k),
        )
    )
    # Purchases (and some refunds), spending less during shocks.
    cnt = rng.poisson(np.repeat(lam, months) * np.where(pm_shock, 0.75, 1.0))
    pp = np.repeat(pm_person, cnt)
    pt = np.repeat(pm_t, cnt)
    m = len(pp)
    per = budget[pp] / lam[pp] * np.where(np.repeat(pm_shock, cnt), 0.7, 1.0)
    amt = per * rng.lognormal(-0.3, 0.8, m)
    cat = rng.choice(len(CATEGORIES), m, p=CATEGORY_P)
    cat = np.where(rng.random(m) < p_gamble[pp], GAMBLING, cat)
    channel = (rng.random(m) >= p_online[pp]).astype(np.int64)
    parts.append((pp, pt, np.zeros(m, np.int64), amt, channel, cat, rng.integers(0, 28, m)))
    ref = rng.random(m) < 0.03
    k = int(ref.sum())
    parts.append(
        (
            pp[ref],
            pt[ref],
            np.ones(k, np.int64),
            amt[ref],
            channel[ref],
            cat[ref],
            rng.integers(0, 28, k),
        )
    )
    # Transfers to and from other people.
    cnt = rng.poisson(0.4 * scale, n * months)
    tp, tt = np.repeat(pm_person, cnt), np.repeat(pm_t, cnt)
    k = len(tp)
    parts.append(
        (
            tp,
            tt,
            np.full(k, 3),
            income[tp] * 0.1 * rng.lognormal(0, 0.7, k),
            np.zeros(k, np.int64),
            np.full(k, -1),
            rng.integers(0, 28, k),
        )
    )

    person, t, kind, amount, channel, category, day = (
        np.concatenate([x[i] for x in parts]) for i in range(7)
    )
    r = len(person)
    occurred = cal.month_start(t) + day.astype("timedelta64[D]")
    o = np.argsort(occurred, kind="stable")  # month order, see statement_table
    person, kind, amount, channel, category, occurred = (
        x[o] for x in (person, kind, amount, channel, category, occurred)
    )
    secs = rng.integers(6 * 3600, 23 * 3600, r)
    cat_arr = pa.array(np.asarray(TX_CATEGORIES), pa.string()).take(
        pa.array(np.maximum(category, 0), mask=category < 0)
    )
    return pa.table(
        {
            "record_id": ids(lookup(p.person_id, person), "-t", np.arange(r)),
            "person_id": lookup(p.person_id, person),
            "source_id": lookup(["sim-pay", "sim-bank"], channel),
            "reported_at": ts(occurred + np.timedelta64(1, "D"), secs),
            "occurred_at": ts(occurred, secs),
            "kind": lookup(["purchase", "refund", "income", "transfer"], kind),
            "amount": money(np.maximum(amount, 100)),
            "currency": lookup([CURRENCY], np.zeros(r, np.int64)),
            "channel": lookup(["online", "offline"], channel),
            "merchant_category": cat_arr,
            "account_id": pa.nulls(r, pa.string()),
        }
    )


def identity_table(p: People, cal: Calendar, rng: np.random.Generator) -> pa.Table:
    n, months = p.n, cal.months
    years = AGE_MID_YEARS[p.age] - 18
    parts = []
    docs = np.array(["national_id", "passport", "driving_licence", "residence_permit"])
    parts.append(
        (
            np.arange(n),
            rng.integers(-24, months, n),
            np.full(n, "id_verified"),
            docs[rng.choice(4, n, p=[0.6, 0.25, 0.12, 0.03])],
            np.full(n, "sim-idv"),
        )
    )
    for kind, source, rate, mean_years in (
        ("phone_since", "sim-telecom", 0.010, 7.0),
        ("address_since", "sim-utility", 0.014, 5.0),
    ):
        # First report at the start of the simulation, then one per change.
        since = cal.month_start(np.zeros(n, int)) - (
            np.minimum(rng.exponential(mean_years * p.stability, n), years) * 365.25
        ).astype("timedelta64[D]")
        parts.append(
            (
                np.arange(n),
                np.zeros(n, int),
                np.full(n, kind),
                np.datetime_as_string(since, "D"),
                np.full(n, source),
            )
        )
        cnt = rng.poisson(rate * months * (1.6 - p.stability) * 1.5)
        cp = np.repeat(np.arange(n), cnt)
        cm = rng.integers(0, months, len(cp))
        day = cal.month_start(cm) + rng.integers(0, 28, len(cp)).astype("timedelta64[D]")
        parts.append(
            (
                cp,
                cm,
                np.full(len(cp), kind),
                np.datetime_as_string(day, "D"),
                np.full(len(cp), source),
            )
        )
    u = rng.random(n)
    emp = np.select(
        [
            (p.age == 0) & (u < 0.4),
            (p.age == 5) & (u < 0.7),
            u < 0.12 + 0.1 * (1 - p.stability),
            u < 0.35,
        ],
        ["student", "retired", "self_employed", "public_sector"],
        "employed",
    )
    cnt = 1 + rng.poisson(0.5, n)
    ep = np.repeat(np.arange(n), cnt)
    parts.append(
        (
            ep,
            rng.integers(-12, months, len(ep)),
            np.full(len(ep), "employment_verified"),
            emp[ep],
            np.full(len(ep), "sim-idv"),
        )
    )

    person, m, kind, value, source = (np.concatenate([x[i] for x in parts]) for i in range(5))
    r = len(person)
    # A "*_since" fact cannot be reported before the day it names.
    occurred = cal.month_start(m) + rng.integers(0, 28, r).astype("timedelta64[D]")
    is_since = np.char.endswith(kind.astype(str), "_since")
    value_day = np.where(is_since, value, "1970-01-01").astype("datetime64[D]")
    occurred = np.where(is_since, np.maximum(occurred, value_day), occurred)
    secs = rng.integers(0, 86400, r)
    return pa.table(
        {
            "record_id": ids(lookup(p.person_id, person), "-i", np.arange(r)),
            "person_id": lookup(p.person_id, person),
            "source_id": pa.array(source.astype(str)),
            "reported_at": ts(occurred + np.timedelta64(1, "D"), secs),
            "occurred_at": ts(occurred, secs),
            "kind": pa.array(kind.astype(str)),
            "value": pa.array(value.astype(str)),
        }
    )


def public_record_table(
    p: People, sp: Spirals, cal: Calendar, rng: np.random.Generator
) -> pa.Table:
    months = cal.months
    legal = np.flatnonzero((sp.legal_month < months) & (sp.legal_kind != ""))
    k = len(legal)
    person = sp.person[legal]
    month = sp.legal_month[legal]
    kind = sp.legal_kind[legal]
    amount = sp.amount[legal]
    case = ids(lookup(p.person_id, person), "-c", legal)
    # Some judgments are later satisfied (paid): a separate record with the same case.
    sat_lag = rng.integers(3, 19, k)
    sat = (kind == "court_judgment") & (rng.random(k) < 0.4) & (month + sat_lag < months)
    rows_person = np.r_[person, person[sat]]
    rows_month = np.r_[month, (month + sat_lag)[sat]]
    rows_kind = np.r_[kind, np.full(sat.sum(), "satisfaction")]
    rows_amount = np.r_[amount, amount[sat]]
    rows_case = (
        pa.concat_arrays([case, case.filter(pa.array(sat))]) if k else pa.array([], pa.string())
    )
    r = len(rows_person)
    occurred = cal.month_start(rows_month) + rng.integers(0, 28, r).astype("timedelta64[D]")
    secs = rng.integers(9 * 3600, 17 * 3600, r)
    amt = pa.array(rows_amount, mask=rows_kind == "bankruptcy")
    return pa.table(
        {
            "record_id": ids(rows_case, "-", np.arange(r)),
            "person_id": lookup(p.person_id, rows_person),
            "source_id": pa.array(np.full(r, "sim-courts")),
            "reported_at": ts(occurred + np.timedelta64(3, "D"), secs),
            "occurred_at": ts(occurred, secs),
            "kind": pa.array(rows_kind.astype(str)),
            "amount": amt,
            "currency": pa.array(np.where(rows_kind == "bankruptcy", None, CURRENCY), pa.string()),
            "case_id": rows_case,
        }
    )
