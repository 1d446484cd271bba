"""The path to a score: the smallest set of actions that reaches it, verified exactly.

Candidate actions move only features the catalogue marks actionable (how a person pays
and borrows: never tenure, identity, income or anything protected), and only where one of
them costs the person points now. Every combination of candidates is scored by the exact
what-if in one batch; the answer is the combination with the fewest actions that reaches
the target, then the shortest wait, then the least money paid, with each action's own
exact points and when it takes effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import product

from credo.config import Settings
from credo.features.catalogue import ACTIONABLE
from credo.pipeline.rescore import RecordKey, latest_run_date
from credo.pipeline.scenarios import Action, OnTime, PayDown, Records, apply
from credo.pipeline.whatif import NoScoreYetError, Outcome, champion, person_records, score_variants

# The features each kind of action changes; all of them must be actionable.
PAY_DOWN_MOVES = ("revolving_utilisation", "cards_over_90pct", "credit_balance",
                  "balance_to_income", "balance_growth_6m")
ON_TIME_MOVES = ("late30_3m", "late30_6m", "late30_12m", "late30_24m", "late60_12m",
                 "late60_24m", "late90_24m", "max_days_past_due_24m", "current_days_past_due",
                 "accounts_unpaid_now", "unpaid_bills_in_a_row", "days_since_late30",
                 "on_time_share_12m", "paid_late_12m", "paid_late_share_24m",
                 "missed_payments_6m", "utility_late_12m", "bnpl_late_12m",
                 "accounts_opened_6m", "accounts_opened_12m")
assert set(PAY_DOWN_MOVES + ON_TIME_MOVES) <= ACTIONABLE, "a path may only move actionable features"

MONTH_STEPS = (3, 6, 12)
UTILISATION_STEPS = (0.3, 0.1, 0.0)  # pay a card down to these shares of its limit
MAX_CARDS = 2  # the cards with the largest balances: at most 4 x 4 x 4 combinations


@dataclass(frozen=True)
class Step:
    action: Action
    points: int  # the action's own exact points, taken alone
    when: str  # when it takes effect, in words


@dataclass(frozen=True)
class PathPlan:
    target: int
    now: Outcome
    reached: bool  # False: the best the candidate actions can do is shown instead
    steps: list[Step]
    outcome: Outcome | None  # the steps together, exactly (None: nothing to act on)


def _costs(outcome: Outcome, model_best: dict[str, int], features: Sequence[str]) -> bool:
    return any(outcome.points.get(f, model_best.get(f, 0)) < model_best.get(f, 0)
               for f in features if f in model_best)


def _card_options(records: Records, as_of: date) -> list[list[Action | None]]:
    latest: dict[str, dict] = {}
    for s in records["statement"]:
        if s["period_end"] < as_of and (s["account_id"] not in latest
                                        or s["period_end"] > latest[s["account_id"]]["period_end"]):
            latest[s["account_id"]] = s
    cards = []
    for a in records["account"]:
        statement = latest.get(a["account_id"])
        is_open = a["closed_at"] is None or a["closed_at"] >= as_of
        if (a["kind"] == "credit_card" and is_open and statement
                and statement["balance"] > 0 and a["credit_limit"]):
            cards.append((statement["balance"], a))
    options = []
    for balance, account in sorted(cards, key=lambda c: -c[0])[:MAX_CARDS]:
        levels = sorted({int(account["credit_limit"] * share) for share in UTILISATION_STEPS
                         if int(account["credit_limit"] * share) < balance}, reverse=True)
        options.append([None, *(PayDown(account["account_id"], level) for level in levels)])
    return options


def _when(action: Action) -> str:
    if isinstance(action, OnTime):
        return f"over the next {action.months} months"
    return "now: it counts from the next statement"


def _effort(actions: Sequence[Action], records: Records) -> tuple[int, int, int]:
    months = sum(a.months for a in actions if isinstance(a, OnTime))
    balances = {s["account_id"]: s["balance"] for s in sorted(
        records["statement"], key=lambda s: s["period_end"])}
    paid = sum(balances.get(a.account_id, 0) - a.balance
               for a in actions if isinstance(a, PayDown))
    return len(actions), months, paid


def path_to(settings: Settings, person_id: str, target: int,
            excluded: frozenset[RecordKey] | None = None) -> PathPlan:
    """The smallest set of actions that brings the person's score to ``target``
    (``excluded``: their records under dispute, as :func:`what_if` takes them)."""
    as_of = latest_run_date(settings)
    if as_of is None:
        raise NoScoreYetError("no monthly run yet")
    model, _ = champion(settings)
    best = {f.name: f.best_points for f in model.features_}
    records = person_records(settings, person_id, as_of, excluded)
    if not records["account"]:
        raise NoScoreYetError("no account on record before the latest run's date")
    now = score_variants(model, [(records, as_of)])[0]
    choices: list[list[Action | None]] = []
    if _costs(now, best, PAY_DOWN_MOVES):
        choices += _card_options(records, as_of)
    if _costs(now, best, ON_TIME_MOVES):
        choices.append([None, *(OnTime(m) for m in MONTH_STEPS)])
    combos = [tuple(a for a in combo if a is not None) for combo in product(*choices)]
    combos = [c for c in combos if c]
    if now.score >= target or not combos:
        return PathPlan(target, now, now.score >= target, [], None)
    outcomes = score_variants(model, [apply(records, c, as_of) for c in combos])
    scored = list(zip(combos, outcomes, strict=True))
    reaching = [(c, o) for c, o in scored if o.score >= target]
    if reaching:
        chosen, outcome = min(reaching, key=lambda co: _effort(co[0], records))
    else:
        chosen, outcome = max(scored, key=lambda co: (co[1].score, [-e for e in
                                                                    _effort(co[0], records)]))
    alone = {c[0]: o for c, o in scored if len(c) == 1}
    steps = [Step(a, alone[a].score - now.score, _when(a)) for a in chosen]
    return PathPlan(target, now, bool(reaching), steps, outcome)
