"""What each page shows, gathered through the same library calls as the API.

Functions here only read and arrange: every rule (who may see what, what a dispute
does, what a band unlocks) lives in the service's logic and the policy modules.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from credo.config import Settings
from credo.data.lake import Lake
from credo.data.schemas import KINDS
from credo.dictionary import DIMENSION_TITLES, DIMENSIONS
from credo.features.catalogue import IN_DEFAULT, advice_for
from credo.features.wording import bin_in_words
from credo.money import money_in_words
from credo.policy import benefits
from credo.policy.bands import BANDS
from credo.policy.disclosure import SCOPES, disclosure
from credo.policy.purposes import PERMITTED
from credo.service.audit.logic import access_log, answer_given
from credo.service.authorizations import logic as authorizations
from credo.service.disputes import logic as disputes
from credo.service.governance import logic as governance
from credo.service.partners import logic as partners
from credo.service.people.logic import lake_records, records_after
from credo.service.scores import logic as scores

HIDDEN_FIELDS = ("person_id", "_hash", "_batch", "_ingested_at", "_schema_version")
MONEY_FIELDS = ("credit_limit", "amount_due", "amount_paid", "balance", "amount")
RECORDS_SHOWN = 25
KIND_TITLES = {"account": "Accounts", "statement": "Bills and statements",
               "transaction": "Payments and purchases", "identity": "Identity checks",
               "public_record": "Public records"}


# -- the person ------------------------------------------------------------------------
@dataclass
class ReasonView:
    description: str
    situation: str
    points_lost: int | None
    advice: str


def _reason_views(raw: list[Any], currency: str) -> list[ReasonView]:
    out = []
    for reason in scores.reasons_out(raw):
        in_default = reason.feature == IN_DEFAULT
        out.append(ReasonView(
            description=reason.description,
            situation=(bin_in_words(reason.feature, reason.bin, currency)
                       if reason.bin and not in_default else ""),
            points_lost=reason.points_lost,
            advice=advice_for(reason.feature, reason.bin)
            or "Keep every account in good standing.",
        ))
    return out


def sub_scores(entry: scores.ScoreRecord) -> list[tuple[str, int | None]]:
    return [(DIMENSION_TITLES[d], getattr(entry, d)) for d in DIMENSIONS]


def next_monthly(as_of: date) -> date:
    """The next monthly score's date: a month after ``as_of`` (a month's last day is
    followed by the next month's last day)."""
    year, month = (as_of.year + 1, 1) if as_of.month == 12 else (as_of.year, as_of.month + 1)
    last = calendar.monthrange(year, month)[1]
    if as_of.day == calendar.monthrange(as_of.year, as_of.month)[1]:
        return date(year, month, last)
    return date(year, month, min(as_of.day, last))


def score_timing(entry: scores.ScoreRecord, lake: Lake | None = None,
                 today: date | None = None) -> dict[str, Any]:
    """When the score was computed, when the next is due, and what it does not count yet."""
    today = today or datetime.now(UTC).date()
    due = next_monthly(entry.as_of)
    return {"as_of": entry.as_of, "next_due": due, "late": due < today,
            "after": records_after(lake, entry.person_id, entry.as_of) if lake else None}


def person_overview(session: Session, person_id: str, currency: str, lake: Lake | None = None
                    ) -> dict[str, Any]:
    """The score page: ``currency`` is the lake's reporting currency, that of the amounts
    the reasons speak of."""
    history = scores.history(session, person_id)
    entry = scores.current(session, person_id)
    pending = scores.pending(history)
    over_time = [(e.as_of.isoformat()[:7] if e.status == "published" else
                  f"{e.as_of.isoformat()} rescored", e.score)
                 for e in reversed(history) if e.score is not None]
    result: dict[str, Any] = {"entry": entry, "pending": pending, "history": history,
                              "over_time": over_time, "reasons": [], "benefits": None,
                              "sub_scores": [], "timing": None, "bands": BANDS}
    if entry is not None and entry.score is not None:
        result["timing"] = score_timing(entry, lake)
        result["reasons"] = _reason_views(entry.reasons, currency)
        result["benefits"] = benefits.current().for_score(entry.score)
        result["sub_scores"] = sub_scores(entry)
    return result


FILE_ACTIONS = {"file.freeze": "froze your file", "file.unfreeze": "lifted the freeze",
                "fraud_alert.place": "placed a fraud alert",
                "fraud_alert.lift": "lifted the fraud alert"}


def sharing(session: Session, person_id: str) -> dict[str, Any]:
    grants = authorizations.list_for_person(session, person_id)
    partner_ids = {a.partner_id for a in grants}
    looks = access_log(session, person_id)
    partner_ids |= {e.partner_id for e in looks if e.partner_id}
    names = partners.names(session, partner_ids)
    offers = [{"value": f"{p.id}|{purpose}", "partner": p.name, "purpose": purpose,
               "what": PERMITTED[purpose]}
              for p in partners.list_partners(session) if p.active
              for purpose in p.purposes if purpose in PERMITTED]
    return {
        "offers": offers,
        "scopes": consent_choices([o["purpose"] for o in offers]),
        "authorizations": [
            {"id": a.id, "partner": names.get(a.partner_id, a.partner_id),
             "partner_id": a.partner_id, "purpose": a.purpose, "granted_at": a.granted_at,
             "expires_at": a.expires_at, "revoked_at": a.revoked_at,
             "state": authorizations.state(a), "scope": a.scope,
             "shares": SCOPES.get(a.scope, a.scope)}
            for a in grants
        ],
        "access": [
            {"at": e.at, "partner": names.get(e.partner_id or "", e.partner_id),
             "purpose": e.purpose, "what": "score" if e.action == "score.read"
             else f"a yes/no check against {e.detail.get('threshold', '?')}",
             "outcome": e.outcome, "answer": answer_given(e)}
            if e.actor_role == "partner" else
            {"at": e.at, "partner": "You", "purpose": "", "what": FILE_ACTIONS[e.action],
             "outcome": "done", "answer": None}
            for e in looks
        ],
    }


def consent_choices(purposes: list[str]) -> list[dict[str, Any]]:
    """Each scope a person can grant, with what the partner receives in words: the items
    and sentence of ``credo.policy.disclosure``, grouped by purposes that share them."""
    choices = []
    for scope, title in SCOPES.items():
        groups: dict[tuple[Any, ...], list[str]] = {}
        for purpose in dict.fromkeys(purposes):
            groups.setdefault(disclosure(purpose, scope).items, []).append(purpose)
        choices.append({"scope": scope, "title": title, "groups": [
            {"purposes": names if len(groups) > 1 else [],
             "says": [i.says for i in items],
             "text": disclosure(names[0], scope).consent_text()}
            for items, names in groups.items()]})
    return choices


def _display(kind: str, record: dict[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in record.items():
        if key in HIDDEN_FIELDS or key in ("source_id", "record_id"):
            continue
        if key in MONEY_FIELDS and isinstance(value, int):
            value = _money(value, record.get("currency"))
        elif key.endswith("_at") and isinstance(value, str) and len(value) > 10:
            value = value[:10]  # the day is what a person checks; the export has the rest
        out[key.replace("_", " ")] = "" if value is None else str(value)[:40]
    return out


# What a person reads for each field; fields not named here (ids, the currency beside
# an amount, lake bookkeeping) are not shown on the records page (the export has them).
FIELD_WORDS = {
    "period_end": "Period ended", "due_date": "Due", "amount_due": "Amount due",
    "amount_paid": "Paid", "paid_at": "Paid on", "balance": "Balance",
    "days_past_due": "Days late", "status": "Status", "occurred_at": "Date",
    "kind": "Kind", "amount": "Amount", "channel": "Channel",
    "merchant_category": "Category", "value": "Value", "case_id": "Court case",
    "account_id": "Account", "reported_at": "Reported",
}
STATEMENTS_SHOWN = 6


def _words(code: Any) -> str:
    return "" if code is None else str(code).replace("_", " ")


def _money(cents: Any, currency: Any) -> str:
    """A record's amount in its own currency (a record with an amount always has one)."""
    if not isinstance(cents, int):
        return ""
    return money_in_words(cents, str(currency or "")).strip()


def _cells(record: dict[str, Any], accounts: dict[str, str]) -> dict[str, str]:
    """A record's fields in words: money with its currency, days, codes as words, the
    paying account by its name instead of its id."""
    out = {}
    for key, title in FIELD_WORDS.items():
        if key not in record:
            continue
        value = record[key]
        if key in MONEY_FIELDS:
            out[title] = _money(value, record.get("currency"))
        elif key == "account_id":
            out[title] = accounts.get(str(value), "") if value else ""
        elif key.endswith("_at") or key in ("period_end", "due_date"):
            out[title] = "" if value is None else str(value)[:10]
        else:
            out[title] = _words(value)[:40]
    return out


@dataclass
class RecordRow:
    """One record as a row: its cells in words, and what the Dispute button needs."""

    kind: str
    source_id: str
    record_id: str
    cells: dict[str, str]
    dispute: str | None  # the status of a dispute that leaves it out of scoring
    describes: str  # what the record is, for the Dispute button's accessible name


@dataclass
class AccountCard:
    """An account (a tradeline) with its statements, newest first."""

    title: str
    source_id: str
    facts: list[tuple[str, str]]
    row: RecordRow | None  # the account record itself (None: statements only)
    statements: list[RecordRow] = field(default_factory=list)
    total: int = 0  # statements, shown or not


@dataclass
class RecordGroup:
    kind: str
    title: str
    total: int
    columns: list[str] = field(default_factory=list)
    rows: list[RecordRow] = field(default_factory=list)


@dataclass
class RecordsView:
    accounts: list[AccountCard]
    statements_total: int
    groups: list[RecordGroup]  # the other kinds: transactions, identity, public records


def _newest_first(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (str(r.get(key) or ""), str(r.get("reported_at"))),
                  reverse=True)


def records(lake: Lake, session: Session, person_id: str, show_all: str | None = None
            ) -> RecordsView:
    """The records scoring reads (latest version of each): each account with its
    statements, then the other kinds, newest first, in words and without internal ids."""
    by_kind = lake_records(lake, person_id, history=False)
    left_out = disputes.excluded_for_person(session, person_id)

    def row(kind: str, r: dict[str, Any], cells: dict[str, str], describes: str) -> RecordRow:
        return RecordRow(kind, r["source_id"], r["record_id"], cells,
                         left_out.get((kind, r["source_id"], r["record_id"])), describes)

    accounts = _newest_first(by_kind.get("account", []), "opened_at")
    names: dict[str, str] = {}
    cards: dict[str, AccountCard] = {}
    for a in accounts:
        title = f"{_words(a.get('kind')).capitalize()} from {a['source_id']}"
        names[str(a["account_id"])] = f"{title}, opened {str(a.get('opened_at'))[:10]}"
        facts = [("Opened", str(a.get("opened_at") or "")[:10]),
                 ("Closed", str(a["closed_at"])[:10]) if a.get("closed_at")
                 else ("State", "open")]
        if a.get("credit_limit") is not None:
            facts.append(("Limit", _money(a["credit_limit"], a.get("currency"))))
        cards[str(a["account_id"])] = AccountCard(
            title, a["source_id"], facts, row(
                "account", a, {}, f"the account: {names[str(a['account_id'])]}"))
    statements = _newest_first(by_kind.get("statement", []), "period_end")
    for s in statements:
        account = str(s.get("account_id"))
        card = cards.get(account)
        if card is None:  # a statement of an account no source reported
            card = cards[account] = AccountCard(
                f"An account not reported, from {s['source_id']}", s["source_id"], [], None)
            names[account] = card.title
        cells = _cells({k: v for k, v in s.items() if k != "account_id"}, names)
        card.statements.append(row(
            "statement", s, cells,
            f"the statement for the period ended {cells.get('Period ended')} "
            f"of {names[account]}"))
    for card in cards.values():
        card.total = len(card.statements)
        if show_all != "statement":
            card.statements = card.statements[:STATEMENTS_SHOWN]

    groups = []
    for kind in KINDS:
        if kind in ("account", "statement"):
            continue
        rows = _newest_first(by_kind.get(kind, []), "occurred_at")
        group = RecordGroup(kind, KIND_TITLES[kind], len(rows))
        for r in rows if show_all == kind else rows[:RECORDS_SHOWN]:
            cells = _cells(r, names)
            group.columns = group.columns or list(cells)
            group.rows.append(row(kind, r, cells, f"the {_words(r.get('kind'))} record of "
                                                  f"{cells.get('Date', '')}"))
        groups.append(group)
    return RecordsView(list(cards.values()), len(statements), groups)


def find_record(lake: Lake, person_id: str, kind: str, source_id: str, record_id: str
                ) -> dict[str, str] | None:
    """One of the person's own records, for the dispute form (None if not theirs)."""
    if kind not in KINDS:
        return None
    # Only the person's own records are searched: another person's reads as missing.
    for r in lake_records(lake, person_id, history=False, kinds=(kind,))[kind]:
        if r["source_id"] == source_id and r["record_id"] == record_id:
            return _display(kind, r)
    return None


# -- the operator's console ------------------------------------------------------------
def model_overview(settings: Settings, session: Session) -> dict[str, Any] | None:
    """The champion: its validation figures and curves, and every feature's bins."""
    record = governance.champion_record(session)
    found = governance.champion_model(settings)
    if found is None:
        return None
    model, document = found
    metadata = document.get("metadata", {})
    calibration = metadata.get("calibration_out_of_time") or []
    features = []
    for f in model.features_:
        rates = [b.bad_rate for b in f.binning.bins]
        top = max((r for r in rates if r is not None), default=0.0) or 1.0
        features.append({
            "name": f.name, "description": f.description,
            "dimension": DIMENSION_TITLES.get(f.dimension, f.dimension),
            "iv": f.binning.iv, "trend": f.binning.trend,
            "bins": [{"label": b.label, "words": bin_in_words(f.name, b.label, settings.currency),
                      "count": b.count, "bad_rate": b.bad_rate,
                      "scaled": None if b.bad_rate is None else b.bad_rate / top,
                      "points": b.points} for b in f.binning.bins],
        })
    return {
        "record": record, "model_id": document.get("model_id"),
        "as_of": metadata.get("as_of"), "validate_as_of": metadata.get("validate_as_of"),
        "metrics": metadata.get("metrics", {}), "calibration": calibration,
        "curves": metadata.get("curves_out_of_time"), "features": features,
        "scaling": model.scaling_.to_dict(),
    }


def dispute_queue(session: Session, actor: str) -> dict[str, Any]:
    """Open disputes by deadline, and what each decision changed (score before/after).
    The operator's read is audited, as over the API."""
    changes = disputes.recent_decisions(session)
    open_ = disputes.list_all(session, "open")
    decided = [c["dispute"] for c in changes]
    disputes.audit_read(session, [*open_, *decided], "all", actor=actor, where="console")
    return {"open": open_, "decided": changes,
            "today": date.today()}
