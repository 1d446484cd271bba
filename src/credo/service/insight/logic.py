"""The person's insight into their score, shared by the API and the portal: the exact
what-if, the path to the next band or a partner's threshold, and what changed since the
previous run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from credo.config import Settings
from credo.data.schemas import ACCOUNT_KINDS, CREDIT_KINDS
from credo.dictionary import DIMENSION_MEANINGS, DIMENSION_TITLES, DIMENSIONS
from credo.features.catalogue import IN_DEFAULT_WORDS
from credo.pipeline import scenarios as sc
from credo.pipeline.changes import change_since_previous_run, what_is_published
from credo.pipeline.path import path_to
from credo.pipeline.rescore import RecordKey, latest_run_date
from credo.pipeline.whatif import NoScoreYetError, Outcome, WhatIf, person_records, what_if
from credo.policy.bands import BANDS
from credo.service.disputes.logic import excluded_for_person
from credo.service.errors import InvalidRequestError, NotFoundError
from credo.service.insight.schemas import (
    MAX_SCENARIOS_PER_REQUEST,
    AccountOut,
    ActionIn,
    ChangesOut,
    CloseAccountIn,
    DimensionOut,
    LeaveOutIn,
    LimitsOut,
    OnTimeIn,
    OpenAccountIn,
    OutcomeOut,
    PathOut,
    PayDownIn,
    PointsOut,
    StepOut,
    WhatIfOut,
    WhatIfStartOut,
)
from credo.service.scores.logic import reasons_out
from credo.service.scores.schemas import SubScores
from credo.store import audit
from credo.store.models import Partner

NO_SCORE = ("there is no score to start from yet (no monthly run, or no account of yours "
            "known before it): try again after the next monthly score")


def action_of(item: ActionIn) -> sc.Action:
    """The pipeline's action for a validated request item."""
    if isinstance(item, PayDownIn):
        return sc.PayDown(item.account_id, item.balance_cents)
    if isinstance(item, OnTimeIn):
        return sc.OnTime(item.months)
    if isinstance(item, CloseAccountIn):
        return sc.CloseAccount(item.account_id)
    if isinstance(item, OpenAccountIn):
        return sc.OpenAccount(item.kind, item.credit_limit_cents)
    assert isinstance(item, LeaveOutIn)
    return sc.LeaveOut(item.kind, item.source_id, item.record_id)


def left_out(session: Session, person_id: str) -> frozenset[RecordKey]:
    """The person's records a dispute keeps out of scoring, read in the request's own
    session (the pipeline would otherwise open a database connection of its own for them
    at every request)."""
    return frozenset(excluded_for_person(session, person_id))


def exact(settings: Settings, person_id: str, scenarios: Sequence[Sequence[sc.Action]],
          excluded: frozenset[RecordKey]) -> WhatIf:
    """The pipeline's answer, its refusals as problems: a scenario that cannot apply
    (422, saying why) or no score to start from (404)."""
    try:
        return what_if(settings, person_id, scenarios, excluded)
    except sc.ScenarioError as error:
        raise InvalidRequestError(str(error)) from None
    except NoScoreYetError:
        raise NotFoundError(NO_SCORE) from None


def outcome_out(outcome: Outcome, now: Outcome, actions: Sequence[sc.Action], currency: str
                ) -> OutcomeOut:
    moved = {f: p - now.points[f] for f, p in outcome.points.items() if p != now.points[f]}
    return OutcomeOut(
        as_of=outcome.as_of, actions=[a.describe(currency) for a in actions], score=outcome.score,
        band=outcome.band, change=outcome.score - now.score,
        probability_of_default=outcome.probability_of_default,
        sub_scores=SubScores(**outcome.sub_scores), reasons=reasons_out(outcome.reasons),
        moved=dict(sorted(moved.items(), key=lambda kv: -abs(kv[1]))),
    )


def run_what_if(session: Session, settings: Settings, person_id: str,
                scenarios: Sequence[Sequence[sc.Action]]) -> WhatIfOut:
    """The person's score now and under each scenario; the question is audited (what was
    asked, never an answer that could be mistaken for a published score)."""
    answer = exact(settings, person_id, scenarios, left_out(session, person_id))
    audit.record(session, actor_role="person", actor_id=person_id, action="score.what_if",
                 person_id=person_id,
                 scenarios=[[a.describe(settings.currency) for a in actions]
                            for actions in scenarios])
    session.commit()
    return WhatIfOut(
        as_of=answer.as_of, model_id=answer.model_id,
        now=outcome_out(answer.now, answer.now, [], settings.currency),
        scenarios=[outcome_out(o, answer.now, actions, settings.currency)
                   for o, actions in zip(answer.scenarios, scenarios, strict=True)],
    )


def what_if_start(session: Session, settings: Settings, person_id: str) -> WhatIfStartOut:
    """The score of the person's records as they are and the accounts a scenario can
    name: what the what-if page opens with. It reads their records and scores them, so
    the scenarios asked next only score themselves."""
    excluded = left_out(session, person_id)  # read once for both
    answer = exact(settings, person_id, [], excluded)
    return WhatIfStartOut(
        as_of=answer.as_of, model_id=answer.model_id,
        now=outcome_out(answer.now, answer.now, [], settings.currency),
        accounts=[AccountOut(account_id=a.account_id, kind=a.kind, open=a.is_open,
                             balance_cents=a.balance_cents, credit_limit_cents=a.limit_cents,
                             currency=a.currency)
                  for a in account_choices(settings, person_id, excluded)],
        account_kinds=sorted(ACCOUNT_KINDS),
        limits=LimitsOut(scenarios_per_request=MAX_SCENARIOS_PER_REQUEST,
                         actions_per_scenario=sc.MAX_ACTIONS, months_on_time=sc.MAX_MONTHS),
    )


@dataclass(frozen=True)
class AccountChoice:
    """One of the person's accounts as a scenario can use it."""

    account_id: str
    kind: str
    is_open: bool
    balance_cents: int | None  # the latest statement's, for a credit account
    limit_cents: int | None
    currency: str  # the account's


def account_choices(settings: Settings, person_id: str, excluded: frozenset[RecordKey]
                    ) -> list[AccountChoice]:
    """The accounts a scenario may name: those the latest run read for the person
    (``excluded``: their disputed records, :func:`left_out`)."""
    as_of = latest_run_date(settings)
    if as_of is None:
        return []
    records = person_records(settings, person_id, as_of, excluded)
    latest: dict[str, dict] = {}
    for s in records["statement"]:
        if s["period_end"] < as_of and (s["account_id"] not in latest
                                        or s["period_end"] > latest[s["account_id"]]["period_end"]):
            latest[s["account_id"]] = s
    out = []
    for a in sorted(records["account"], key=lambda a: a["account_id"]):
        is_open = a["opened_at"] < as_of and (a["closed_at"] is None or a["closed_at"] >= as_of)
        statement = latest.get(a["account_id"])
        balance = statement["balance"] if statement and a["kind"] in CREDIT_KINDS else None
        out.append(AccountChoice(a["account_id"], a["kind"], is_open, balance,
                                 a["credit_limit"], a["currency"]))
    return out


@dataclass(frozen=True)
class Target:
    score: int
    is_: str  # why, in words


def targets(session: Session, settings: Settings, person_id: str) -> list[Target]:
    """The scores worth a path: the next band above the current score, and the thresholds
    of partners' checks the person did not reach."""
    from credo.service.audit.logic import thresholds_not_reached
    from credo.service.scores.logic import current

    entry = current(session, person_id)
    out = []
    if entry is not None and entry.score is not None:
        above = [b for b in BANDS if b.low > entry.score]
        if above:
            out.append(Target(above[0].low, f"the next band, {above[0].name}"))
    for partner_id, purpose, threshold in thresholds_not_reached(session, person_id):
        if entry is None or entry.score is None or threshold > entry.score:
            partner = session.get(Partner, partner_id)
            name = partner.name if partner is not None else partner_id
            out.append(Target(threshold, f"the score {name} asked for, for "
                                         f"{purpose.replace('_', ' ')}"))
    return out


def path(session: Session, settings: Settings, person_id: str, target: int | None = None
         ) -> PathOut:
    """The smallest set of actions reaching ``target`` (by default the next band),
    verified by the exact what-if; audited like a what-if."""
    known = targets(session, settings, person_id)
    if target is None:
        if not known:
            raise NotFoundError("there is no band above your score and no partner's "
                                "threshold to reach: nothing to plan")
        chosen = known[0]
    else:
        chosen = next((t for t in known if t.score == target),
                      Target(target, f"a score of {target}"))
    try:
        plan = path_to(settings, person_id, chosen.score, left_out(session, person_id))
    except NoScoreYetError:
        raise NotFoundError(NO_SCORE) from None
    audit.record(session, actor_role="person", actor_id=person_id, action="score.path",
                 person_id=person_id, target=chosen.score)
    session.commit()
    return PathOut(
        target=chosen.score, target_is=chosen.is_, now=plan.now.score, reached=plan.reached,
        steps=[StepOut(action=s.action.describe(settings.currency), points=s.points, when=s.when)
               for s in plan.steps],
        score=plan.outcome.score if plan.outcome else None,
        band=plan.outcome.band if plan.outcome else None,
    )


def changes(settings: Settings, person_id: str) -> ChangesOut:
    """What changed since the previous run and what earns the most points, exactly; with
    what each dimension measures. Reading one's own score is not audited, as /v1/me/score."""
    found = change_since_previous_run(settings, person_id)
    if found is None:
        raise NotFoundError("no monthly run has scored you yet: try again after the next one")
    cur, prev = found.current, found.previous
    subs = dict.fromkeys(DIMENSIONS)
    published = what_is_published(settings, person_id, cur.as_of)
    if published is not None:
        subs = {d: published.get(d) for d in DIMENSIONS}
    return ChangesOut(
        as_of=cur.as_of, score=cur.score,
        previous_as_of=prev.as_of if prev else None,
        previous_score=prev.score if prev else None, change=found.points,
        in_default=IN_DEFAULT_WORDS[cur.in_default][0] if cur.in_default else None,
        moved=[PointsOut(feature=m.feature, description=m.description, points=m.points)
               for m in found.moved],
        strengths=[PointsOut(feature=s.feature, description=s.description,
                             points=s.points_above_worst) for s in found.strengths],
        dimensions=[DimensionOut(dimension=d, title=DIMENSION_TITLES[d],
                                 measures=DIMENSION_MEANINGS[d], sub_score=subs[d])
                    for d in DIMENSIONS],
    )
