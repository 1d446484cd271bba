"""What-if scenarios as records: each action turns a person's own records, as known at
the latest run's date T, into the records the same situation would produce.

The scenario's records are then scored by the real pipeline (see
:mod:`credo.pipeline.whatif`), so an answer is exact for these records, never an
estimate on features. Every record made here is a valid record of the data contract: a
test writes them into a copy of the lake and runs ``credo run`` on it.

What each action means:

- ``PayDown``: the latest statement of a credit account showed this balance.
- ``CloseAccount``: the account was closed the day before T.
- ``OpenAccount``: a new account of that kind (and limit) was opened the day before T.
- ``LeaveOut``: one record is left out, as an open dispute of it would.
- ``OnTime``: N more months pass in which every account still reporting bills as its
  latest statement did, each bill is paid in full on its due date, and the month of the
  person's latest income repeats (income and spending alike); the score is then as of
  T + N months, so everything else ages by N months too.

The edits at T are applied first, in the order given, then the months on time.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pyarrow as pa

from credo.data.schemas import ACCOUNT_KINDS, CREDIT_KINDS, KINDS, record_schema
from credo.errors import InputError
from credo.money import money_in_words

MAX_MONTHS = 24
MAX_ACTIONS = 6
INSTALMENT_KINDS = ("instalment_loan", "mortgage", "bnpl")
WHAT_IF_SOURCE = "what-if"  # the source of accounts a scenario opens
REPORTING_DAYS = 100  # an account "still reports" when its latest bill is this recent
_ENDED = ("charged_off", "closed")


class ScenarioError(InputError):
    """A scenario that cannot apply to this person's records (says which and why)."""


@dataclass(frozen=True)
class PayDown:
    account_id: str
    balance: int  # cents

    def describe(self, currency: str) -> str:
        return (f"Pay the balance of account {self.account_id} down to "
                f"{money_in_words(self.balance, currency)}")


@dataclass(frozen=True)
class OnTime:
    months: int

    def describe(self, currency: str) -> str:
        return f"Pay every bill on time for {self.months} more month(s)"


@dataclass(frozen=True)
class CloseAccount:
    account_id: str

    def describe(self, currency: str) -> str:
        return f"Close account {self.account_id}"


@dataclass(frozen=True)
class OpenAccount:
    kind: str
    credit_limit: int | None = None  # cents

    def describe(self, currency: str) -> str:
        limit = ("" if self.credit_limit is None
                 else f" with a limit of {money_in_words(self.credit_limit, currency)}")
        return f"Open a new {self.kind.replace('_', ' ')} account{limit}"


@dataclass(frozen=True)
class LeaveOut:
    kind: str
    source_id: str
    record_id: str

    def describe(self, currency: str) -> str:
        return f"Leave out the {self.kind.replace('_', ' ')} {self.record_id} (as a dispute would)"


Action = PayDown | OnTime | CloseAccount | OpenAccount | LeaveOut
Records = dict[str, list[dict]]


def as_of_instant(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def add_months(day: date, months: int, *, month_end: bool = False) -> date:
    """``day`` moved by ``months``, the day clipped to the month's length (or the
    month's last day when ``month_end``)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, last if month_end else min(day.day, last))


def _is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def to_rows(tables: dict[str, pa.Table]) -> Records:
    return {kind: tables[kind].select(record_schema(kind).names).to_pylist() for kind in KINDS}


def to_tables(records: Records) -> dict[str, pa.Table]:
    return {kind: pa.Table.from_pylist(records[kind], schema=record_schema(kind))
            for kind in KINDS}


def apply(records: Records, actions: Sequence[Action], as_of: date) -> tuple[Records, date]:
    """The records the scenario gives, and the date they are scored as of."""
    if len(actions) > MAX_ACTIONS:
        raise ScenarioError(f"a scenario holds at most {MAX_ACTIONS} actions; split it")
    out = {kind: [dict(r) for r in rows] for kind, rows in records.items()}
    months = [a for a in actions if isinstance(a, OnTime)]
    if len(months) > 1:
        raise ScenarioError("a scenario holds at most one 'on time for N months' action")
    for number, action in enumerate(a for a in actions if not isinstance(a, OnTime)):
        if isinstance(action, PayDown):
            _pay_down(out, action, as_of)
        elif isinstance(action, CloseAccount):
            _close(out, action, as_of)
        elif isinstance(action, OpenAccount):
            _open(out, action, as_of, number)
        else:
            _leave_out(out, action)
    if months:
        return _months_on_time(out, months[0].months, as_of)
    return out, as_of


def _correction_time(original: dict, as_of: date) -> datetime:
    """When a scenario's new version of a record is reported: just before T, after the
    version it replaces."""
    latest = as_of_instant(as_of) - timedelta(seconds=1)
    return max(latest, original["reported_at"] + timedelta(microseconds=1))


def _account(records: Records, account_id: str) -> dict:
    for row in records["account"]:
        if row["account_id"] == account_id:
            return row
    raise ScenarioError(f"account {account_id!r} is not one of your accounts: choose one "
                        "listed on your records")


def _is_open(account: dict, as_of: date) -> bool:
    return account["opened_at"] < as_of and (account["closed_at"] is None
                                             or account["closed_at"] >= as_of)


def _latest_statement(records: Records, account_id: str, as_of: date) -> dict | None:
    rows = [s for s in records["statement"]
            if s["account_id"] == account_id and s["period_end"] < as_of]
    return max(rows, key=lambda s: s["period_end"]) if rows else None


def _pay_down(records: Records, action: PayDown, as_of: date) -> None:
    account = _account(records, action.account_id)
    if account["kind"] not in CREDIT_KINDS:
        raise ScenarioError(f"account {action.account_id!r} is a {account['kind']} account: "
                            "only a credit account's balance can be paid down")
    latest = _latest_statement(records, action.account_id, as_of)
    if latest is None:
        raise ScenarioError(f"account {action.account_id!r} has no statement yet: there is "
                            "no balance to pay down")
    if not 0 <= action.balance < latest["balance"]:
        raise ScenarioError(
            f"account {action.account_id!r} has a balance of "
            f"{money_in_words(latest['balance'], latest['currency'])}: "
            "choose a lower balance, from 0")
    latest.update(balance=action.balance, reported_at=_correction_time(latest, as_of))


def _close(records: Records, action: CloseAccount, as_of: date) -> None:
    account = _account(records, action.account_id)
    if not _is_open(account, as_of):
        raise ScenarioError(f"account {action.account_id!r} is already closed")
    account.update(closed_at=as_of - timedelta(days=1),
                   reported_at=_correction_time(account, as_of))


def _open(records: Records, action: OpenAccount, as_of: date, number: int) -> None:
    if action.kind not in ACCOUNT_KINDS:
        raise ScenarioError(f"account kind {action.kind[:40]!r}: choose one of "
                            f"{', '.join(ACCOUNT_KINDS)}")
    if action.kind in CREDIT_KINDS and not action.credit_limit:
        raise ScenarioError(f"a new {action.kind} account needs its credit limit (in cents, "
                            "above 0)")
    currencies = [a["currency"] for a in records["account"]]
    person = records["account"][0]["person_id"] if records["account"] else None
    if person is None:
        raise ScenarioError("you have no account on record yet, so there is no score to "
                            "compare with")
    # Unique across people too: sources' ids are per source, and accounts join on theirs.
    account_id = f"new{number + 1}.{person}"[:128]
    records["account"].append({
        "record_id": account_id, "person_id": person, "source_id": WHAT_IF_SOURCE,
        "reported_at": as_of_instant(as_of) - timedelta(seconds=1),
        "account_id": account_id, "kind": action.kind,
        "opened_at": as_of - timedelta(days=1), "closed_at": None,
        "credit_limit": action.credit_limit, "currency": max(set(currencies),
                                                             key=currencies.count),
    })


def _leave_out(records: Records, action: LeaveOut) -> None:
    if action.kind not in KINDS:
        raise ScenarioError(f"record kind {action.kind[:40]!r}: choose one of {', '.join(KINDS)}")
    rows = records[action.kind]
    kept = [r for r in rows
            if (r["source_id"], r["record_id"]) != (action.source_id, action.record_id)]
    if len(kept) == len(rows):
        raise ScenarioError(f"no {action.kind} {action.record_id!r} from {action.source_id!r} "
                            "among your records: choose one listed on your records")
    records[action.kind] = kept


def _months_on_time(records: Records, months: int, as_of: date) -> tuple[Records, date]:
    if not 1 <= months <= MAX_MONTHS:
        raise ScenarioError(f"months on time: choose from 1 to {MAX_MONTHS}")
    later = add_months(as_of, months)
    cutoff = as_of_instant(later)
    for account in records["account"]:
        if not _is_open(account, as_of):
            continue
        latest = _latest_statement(records, account["account_id"], as_of)
        if (latest is None or latest["status"] in _ENDED
                or (as_of - latest["period_end"]).days > REPORTING_DAYS):
            continue
        records["statement"].extend(_bills_paid_on_time(account, latest, months, cutoff))
    records["transaction"].extend(_latest_income_month_repeated(records, months, cutoff))
    return records, later


def _bills_paid_on_time(account: dict, latest: dict, months: int,
                        cutoff: datetime) -> list[dict]:
    """The account's next bills, each reported once paid on its due date; a bill not yet
    due by ``cutoff`` is not reported yet."""
    grace = latest["due_date"] - latest["period_end"]
    month_end = _is_month_end(latest["period_end"])
    out = []
    for k in range(1, months + 1):
        period_end = add_months(latest["period_end"], k, month_end=month_end)
        due = period_end + grace
        reported = datetime.combine(due, time(12), tzinfo=UTC)
        if reported >= cutoff:
            break
        balance = latest["balance"]
        if account["kind"] in INSTALMENT_KINDS:
            balance = max(0, balance - k * latest["amount_due"])
        out.append({**latest, "record_id": f"{latest['record_id']}.plan{k}",
                    "reported_at": reported, "period_end": period_end, "due_date": due,
                    "amount_paid": latest["amount_due"], "paid_at": due, "balance": balance,
                    "days_past_due": 0, "status": "current"})
    return out


def _latest_income_month_repeated(records: Records, months: int,
                                  cutoff: datetime) -> list[dict]:
    income = [t["occurred_at"] for t in records["transaction"] if t["kind"] == "income"]
    if not income:
        return []
    last = max(income)
    month = [t for t in records["transaction"]
             if (t["occurred_at"].year, t["occurred_at"].month) == (last.year, last.month)]
    out = []
    for k in range(1, months + 1):
        for t in month:
            day = add_months(t["occurred_at"].date(), k)
            occurred = datetime.combine(day, t["occurred_at"].timetz())
            reported = occurred + timedelta(days=1)
            if reported < cutoff:
                out.append({**t, "record_id": f"{t['record_id']}.plan{k}",
                            "occurred_at": occurred, "reported_at": reported})
    return out
