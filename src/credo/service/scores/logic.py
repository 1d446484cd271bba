"""Reading scores: the person's own, and a partner's under an authorization.

A partner without a live authorization gets ``NoAuthorizationError`` whether or not the
person exists: the same status, body and work (one lookup, an audit row, a notice). A
purpose the partner may never ask for (outside credit, or not declared by it) is refused
with the reason, using nothing about the person (the API's read has asked for the key
and the person at once, whatever the purpose), so that answer does not depend on the
person either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    String,
    bindparam,
    literal,
    literal_column,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.visitors import replacement_traverse

from credo.policy import benefits
from credo.policy.disclosure import SCORE, THRESHOLD_ONLY, disclosure
from credo.policy.purposes import LAW, PERMITTED, explain_refusal, refused_use
from credo.scorecard.scaling import whole_points
from credo.service.authorizations.logic import LIVE
from credo.service.controls.logic import FRAUD_ALERT_INSTRUCTION, FileFlags
from credo.service.errors import (
    FileFrozenError,
    NoAuthorizationError,
    NotFoundError,
    ProblemError,
    PurposeForbiddenError,
    PurposeNotDeclaredError,
    ThresholdOnlyError,
)
from credo.service.keys import LIVE_KEY, PARTNER_OF_KEY, Principal, principal_of_row
from credo.service.scores.schemas import (
    AdverseReason,
    Benefits,
    FraudAlert,
    PartnerReason,
    PartnerScoreOut,
    Reason,
    ScoreOut,
    SubScores,
    ThresholdOut,
)
from credo.store import audit, notify
from credo.store.models import (
    ApiKey,
    Authorization,
    Partner,
    PersonControls,
    ScoreRecord,
    now,
)
from credo.store.notify import EMAIL_WANTED

NO_AUTHORIZATION = (
    "no valid authorization from this person for your partner account and this purpose; "
    "ask the person to grant one (it may have expired or been revoked)"
)

FROZEN = ("this person has frozen their file: no partner receives their score or a yes / no "
          "answer until they lift the freeze; ask the person")

SUSPENDED = ("your partner account is suspended, so no score can be read; contact the "
             "operator")


_LATEST = (select(ScoreRecord).where(ScoreRecord.person_id == bindparam("person_id"))
           .order_by(ScoreRecord.id.desc()).limit(1))


def current(session: Session, person_id: str) -> ScoreRecord | None:
    """The score in force: the latest entry, unless a rescore is pending after it."""
    return _in_force(session.scalars(_LATEST, {"person_id": person_id}).first())


def _in_force(latest: ScoreRecord | None) -> ScoreRecord | None:
    return None if latest is None or latest.score is None else latest


@dataclass(frozen=True)
class ScoreInForce:
    """The fields of a score in force that a partner's answer is made of (plain values
    read by the partner read's lookup, not a tracked ORM object: a read only shows them)."""

    id: int
    person_id: str
    as_of: date
    score: int
    band: str
    reasons: list[Any]


SCORE_FIELDS = tuple(f.name for f in fields(ScoreInForce))
# Their columns in the partner read's lookup (beside the authorization's own "id").
SCORE_COLUMNS = tuple(f"score_{f}" for f in SCORE_FIELDS)


@dataclass(frozen=True)
class PartnerView:
    """What a partner read needs about the person, read in one statement: the live
    authorization (id, scope) of this partner and purpose, the freeze and fraud alert,
    whether notices go by e-mail, and the score in force."""

    authorization: tuple[str, str] | None
    file: FileFlags
    email: bool
    entry: ScoreInForce | None


def _view_columns(auth_id: Any, auth_scope: Any, score: list[Any]) -> list[Any]:
    # A ``PartnerView``'s row, as ``_view_of`` reads it: the authorization, the person's
    # controls (joined by the statement) and the latest score's fields.
    return [auth_id, auth_scope, PersonControls.frozen_at, PersonControls.fraud_alert_at,
            EMAIL_WANTED.label("email"),
            *(c.label(name) for c, name in zip(score, SCORE_COLUMNS, strict=True))]


def _partner_view_statement():
    # The authorization check and the latest score are the statements ``live`` and
    # ``current`` run, joined with the person's controls to one row, so that a read is
    # one round trip instead of three (on PostgreSQL the round trips were the read).
    # The score's fields as plain columns ("score_..."): loading an ORM object cost a
    # third of the statement's time in the driver's process.
    auth = LIVE.subquery("auth")
    latest = _LATEST.subquery("latest")
    one = select(literal(1).label("one")).subquery("one")
    return (select(*_view_columns(auth.c.id, auth.c.scope,
                                  [latest.c[f] for f in SCORE_FIELDS]))
            .select_from(one)
            .outerjoin(auth, true())
            .outerjoin(PersonControls, PersonControls.person_id == bindparam("person_id"))
            .outerjoin(latest, true()))


_PARTNER_VIEW = _partner_view_statement()


def partner_view(session: Session, person_id: str, partner_id: str, purpose: str
                 ) -> PartnerView:
    """``live``, the freeze and fraud alert, ``EMAIL_WANTED`` and ``current`` for one
    read, at once."""
    row = session.execute(_PARTNER_VIEW, {"person_id": person_id, "partner_id": partner_id,
                                          "purpose": purpose, "at": now()}).one()
    return _view_of(row)


def partner_lookup(session: Session, digest: str, person_id: str, purpose: str,
                   row: Any = None) -> tuple[Principal, PartnerView]:
    """The partner whose key hashes to ``digest`` (or the 401 of a key that is not
    valid) and ``partner_view`` for it, in one statement; ``row``: that statement's row
    when it was read already (``partner_rows``)."""
    if row is None:
        # On the session's connection, not through the ORM: a plain statement needs
        # none of its work (a fifth of the read's own time under load, on PostgreSQL).
        [row] = partner_rows(session.connection(), [(digest, person_id, purpose)])
    return principal_of_row("partner", digest, row), _view_of(row)


Lookup = tuple[str, str, str]  # a partner read's key digest, person id and purpose
_SLOT = "lookup_slot"
# A batch's lookups go in statements of these many (largest first): one statement for
# eight costs each about half of its own, and more gain little. Few sizes, so that each
# is compiled once and prepared by PostgreSQL soon.
LOOKUPS_PER_STATEMENT = (8, 4, 2, 1)


@lru_cache(maxsize=2 * len(LOOKUPS_PER_STATEMENT))
def _partner_reads_statement(count: int, lateral: bool) -> Any:
    # ``count`` lookups as rows of parameters, each joined to its key, its partner, the
    # authorization ``LIVE`` finds, the person's controls and the latest score (``_LATEST``):
    # the same rules as ``KEY`` and ``_PARTNER_VIEW``, their parameters turned into the
    # lookup's columns. The statement stays short whatever ``count`` (the driver caches
    # only short statements' parsing; eight copies of a single lookup were eight times as
    # long).
    lookup = union_all(*(
        select(literal_column(str(i)).label(_SLOT),
               *(bindparam(f"n{i}_{name}", type_=String).label(name)
                 for name in ("digest", "person_id", "purpose")))
        for i in range(count))).cte("lookup")
    live = _bound_to(LIVE, {"person_id": lookup.c.person_id, "purpose": lookup.c.purpose,
                            "partner_id": ApiKey.owner_id})
    latest = _bound_to(_LATEST, {"person_id": lookup.c.person_id})
    if lateral:
        # PostgreSQL: each found by its own index lookup per row (LATERAL). Joined by id
        # instead, its planner hashed the whole authorizations and score tables whenever
        # they were small enough, a hundred times the lookups' own work.
        auth = live.lateral("auth")
        score = latest.with_only_columns(*(getattr(ScoreRecord, f) for f in SCORE_FIELDS)
                                         ).lateral("latest")
        auth_columns, auth_on = (auth.c.id, auth.c.scope), true()
        score_columns, score_on = [score.c[f] for f in SCORE_FIELDS], true()
    else:
        # SQLite, which has no LATERAL and runs a correlated subquery per row: by id.
        auth = aliased(Authorization, name="auth")
        score = aliased(ScoreRecord, name="latest")
        auth_columns = (auth.id, auth.scope)
        auth_on = auth.id == (live.with_only_columns(Authorization.id).scalar_subquery()
                              .correlate_except(Authorization))
        score_columns = [getattr(score, f) for f in SCORE_FIELDS]
        score_on = score.id == (latest.with_only_columns(ScoreRecord.id).scalar_subquery()
                                .correlate_except(ScoreRecord))
    return (select(*_view_columns(*auth_columns, score_columns),
                   ApiKey.key_hash, ApiKey.owner_id, Partner.active, Partner.purposes,
                   lookup.c[_SLOT])
            .select_from(lookup)
            .outerjoin(ApiKey, _bound_to(LIVE_KEY, {"digest": lookup.c.digest}))
            .outerjoin(Partner, PARTNER_OF_KEY)
            .outerjoin(auth, auth_on)
            .outerjoin(PersonControls, PersonControls.person_id == lookup.c.person_id)
            .outerjoin(score, score_on))


def _bound_to(statement: Any, columns: dict[str, Any]) -> Any:
    """A copy of ``statement`` with each parameter named in ``columns`` replaced by that
    column."""
    def swap(element: object) -> object:
        if isinstance(element, BindParameter) and element.key in columns:
            return columns[element.key]
        return None

    return replacement_traverse(statement, {}, swap)


def partner_rows(connection: Connection, lookups: list[Lookup]) -> list[Any]:
    """The row of the partner read's lookup (the key's ``KEY`` row and ``partner_view``'s
    for its owner) for each of ``lookups``, in order, read with a statement per up to
    eight of them (the reads of a group commit's batch)."""
    rows: list[Any] = []
    at = now()
    while len(rows) < len(lookups):
        left = len(lookups) - len(rows)
        count = next(n for n in LOOKUPS_PER_STATEMENT if n <= left)
        values: dict[str, Any] = {"at": at, "role": "partner"}
        for i, (digest, person_id, purpose) in enumerate(lookups[len(rows):len(rows) + count]):
            values.update({f"n{i}_digest": digest, f"n{i}_person_id": person_id,
                           f"n{i}_purpose": purpose})
        statement = _partner_reads_statement(count, connection.dialect.name == "postgresql")
        found = {row._mapping[_SLOT]: row for row in connection.execute(statement, values)}
        rows.extend(found[i] for i in range(count))
    return rows


def warm_partner_reads(connection: Connection) -> None:
    """Compile the statements of ``partner_rows`` (several milliseconds each) before a
    request waits for them: each run once, for a key no one has."""
    partner_rows(connection, [("", "", "")] * sum(LOOKUPS_PER_STATEMENT))


def _view_of(row: Any) -> PartnerView:
    # no entry, or a pending rescore after the last score: none in force
    entry = (None if row.score_score is None
             else ScoreInForce(*(row._mapping[c] for c in SCORE_COLUMNS)))
    return PartnerView(
        authorization=None if row.id is None else (row.id, row.scope),
        file=FileFlags(row.frozen_at, row.fraud_alert_at), email=bool(row.email),
        entry=entry)


def pending(history_newest_first: list[ScoreRecord]) -> bool:
    """A rescore is due and not computed yet: no score is in force until it is."""
    return bool(history_newest_first) and history_newest_first[0].status == "rescore_pending"


def history(session: Session, person_id: str) -> list[ScoreRecord]:
    stmt = (select(ScoreRecord).where(ScoreRecord.person_id == person_id)
            .order_by(ScoreRecord.id.desc()))
    return list(session.scalars(stmt))


def reasons_out(raw: list[Any]) -> list[Reason]:
    """Reasons as published (the snapshot's JSON items) in the API's shape."""
    out = []
    for r in raw or []:
        if isinstance(r, dict) and "feature" in r:
            out.append(Reason(
                feature=str(r["feature"]), description=str(r.get("description") or r["feature"]),
                bin=None if r.get("bin") is None else str(r["bin"]),
                points_lost=(None if r.get("points_lost") is None
                             else whole_points(r["points_lost"])),
            ))
    return out


def to_out(e: ScoreRecord) -> ScoreOut:
    assert e.score is not None and e.band is not None
    return ScoreOut(
        person_id=e.person_id, as_of=e.as_of, score=e.score, band=e.band,
        probability_of_default=e.probability_of_default,
        sub_scores=SubScores(credit_history=e.credit_history,
                             fulfilment_capacity=e.fulfilment_capacity,
                             behaviour=e.behaviour, identity=e.identity, tenure=e.tenure),
        reasons=reasons_out(e.reasons), benefits=Benefits(**benefits.current().for_score(e.score)),
        model_id=e.model_id, run_id=e.run_id,
        status="rescored" if e.status == "rescored" else "published",
    )


THRESHOLD_ONLY_DETAIL = (
    "this person authorized your partner account for this purpose with yes / no answers "
    "only: use POST /v1/partner/threshold-check, or ask the person for an authorization "
    "with the scope 'score'"
)


def purpose_refusal(session: Session, partner_id: str, purpose: str,
                    declared: Sequence[str] | None = None) -> ProblemError | None:
    """Why this partner may not ask for this purpose at all, whoever the person is: a use
    outside credit (with the reason and the law), or a purpose it never declared. The
    answer depends on the partner and the purpose only, never on the person.

    ``declared``: the partner's declared purposes when the caller has them already (the
    key check reads them with the key); otherwise they are read here."""
    if purpose not in PERMITTED:
        return PurposeForbiddenError(
            f"purpose {purpose[:60]!r} refused: {explain_refusal(purpose)}",
            purpose=purpose[:60], reason=refused_use(purpose), law=LAW)
    if declared is None:
        partner = session.get(Partner, partner_id)
        declared = partner.purposes if partner is not None else []
    declared = list(declared)
    if purpose not in declared:
        return PurposeNotDeclaredError(
            f"your partner account did not declare the purpose {purpose!r} (it declared "
            f"{', '.join(declared) or 'none'}), so no person can authorize it; ask the "
            "operator to register the purpose for your account",
            purpose=purpose, declared=declared)
    return None


def _refused(session: Session, refusal: ProblemError, action: str, partner_id: str,
             person_id: str, purpose: str, **detail: object) -> ProblemError:
    # Still one audit row, so the person sees who asked about them and why it was refused.
    outcome = refusal.slug.replace("-", "_")[:20]
    audit.record(session, actor_role="partner", actor_id=partner_id, action=action,
                 outcome=outcome, person_id=person_id, partner_id=partner_id,
                 purpose=purpose[:40], **detail)
    notify.partner_access(session, person_id, partner_id, purpose[:40], action, outcome,
                          detail.get("threshold"))
    session.commit()
    return refusal


def fraud_alert(file: FileFlags) -> FraudAlert | None:
    """What a partner is told of the person's fraud alert (None: there is none)."""
    if file.fraud_alert_at is None:
        return None
    return FraudAlert(since=file.fraud_alert_at.date(), instruction=FRAUD_ALERT_INSTRUCTION)


def partner_out(e: ScoreInForce, purpose: str, file: FileFlags) -> PartnerScoreOut:
    """The partner's answer: exactly the fields ``credo.policy.disclosure`` lists."""
    assert e.score is not None and e.band is not None
    shown = disclosure(purpose, SCORE)
    available = {
        "person_id": e.person_id, "purpose": purpose, "as_of": e.as_of, "score": e.score,
        "band": e.band, "benefits": Benefits(**benefits.current().for_score(e.score)),
        "reasons": [PartnerReason(description=r.description) for r in reasons_out(e.reasons)],
        "fraud_alert": fraud_alert(file),
    }
    return PartnerScoreOut(**{f: available[f] for f in shown.echoed + shown.fields})


def _frozen(session: Session, action: str, partner_id: str, person_id: str, purpose: str,
            auth: str | None, email: bool, **detail: object) -> ProblemError:
    """A read of a frozen file: refused, audited and notified. A partner the person
    authorized learns the file is frozen; any other gets the usual no-authorization
    answer, so a freeze tells nothing to whoever was never let in."""
    audit.record(session, actor_role="partner", actor_id=partner_id, action=action,
                 outcome="frozen", person_id=person_id, partner_id=partner_id,
                 purpose=purpose, authorized=auth is not None, **detail)
    notify.partner_access(session, person_id, partner_id, purpose, action, "frozen",
                          detail.get("threshold"), email=email)
    session.commit()
    return FileFrozenError(FROZEN) if auth else NoAuthorizationError(NO_AUTHORIZATION)


def _read_view(session: Session, action: str, partner_id: str, person_id: str, purpose: str,
               active: bool, view: PartnerView | None, **detail: object) -> PartnerView:
    """The read's single lookup (``view``, when the caller made it with the key's) as
    the partner may use it: a suspended partner's authorization counts for nothing (the
    lookup is made all the same), and a frozen file is refused here, audited and
    notified."""
    if view is None:
        view = partner_view(session, person_id, partner_id, purpose)
    if not active:
        return replace(view, authorization=None)
    if view.file.frozen:
        auth = view.authorization[0] if view.authorization else None
        raise _frozen(session, action, partner_id, person_id, purpose, auth, view.email,
                      **detail)
    return view


def partner_score(session: Session, partner_id: str, person_id: str, purpose: str,
                  *, active: bool = True, declared: Sequence[str] | None = None,
                  view: PartnerView | None = None) -> PartnerScoreOut:
    """``view``: the read's lookup when the caller made it with the key's
    (``partner_lookup``); otherwise it is made here."""
    refusal = purpose_refusal(session, partner_id, purpose, declared)
    if refusal is not None:
        raise _refused(session, refusal, "score.read", partner_id, person_id, purpose)
    view = _read_view(session, "score.read", partner_id, person_id, purpose, active, view)
    auth, scope = view.authorization or (None, None)
    entry = view.entry if scope == SCORE else None
    if auth is None:
        outcome = "denied"
    elif scope == THRESHOLD_ONLY:
        outcome = "threshold_only"
    else:
        outcome = "granted" if entry else "not_available"
    audit.record(session, actor_role="partner", actor_id=partner_id, action="score.read",
                 outcome=outcome, person_id=person_id, partner_id=partner_id, purpose=purpose,
                 **({"authorization_id": auth} if auth else {}),
                 **({} if active else {"suspended": True}))
    notify.partner_access(session, person_id, partner_id, purpose, "score.read", outcome,
                          email=view.email)
    session.commit()
    if auth is None:
        raise NoAuthorizationError(NO_AUTHORIZATION if active else SUSPENDED)
    if scope != SCORE:
        raise ThresholdOnlyError(THRESHOLD_ONLY_DETAIL)
    if entry is None:
        raise NotFoundError("this person has no current score (none published yet, or it is "
                            "being recomputed after a dispute); try again after the next run")
    return partner_out(entry, purpose, view.file)


def partner_threshold(session: Session, partner_id: str, person_id: str, purpose: str,
                      threshold: int, *, active: bool = True,
                      declared: Sequence[str] | None = None,
                      view: PartnerView | None = None) -> ThresholdOut:
    """``view`` as in ``partner_score``."""
    refusal = purpose_refusal(session, partner_id, purpose, declared)
    if refusal is not None:
        raise _refused(session, refusal, "score.threshold", partner_id, person_id, purpose,
                       threshold=threshold)
    # either scope answers yes / no; a suspended partner gets nothing
    view = _read_view(session, "score.threshold", partner_id, person_id, purpose, active,
                      view, threshold=threshold)
    auth = view.authorization[0] if view.authorization else None
    entry = view.entry if auth else None  # the score in force, or None
    if auth is None:
        result = None
    elif entry is None:
        result = "not_available"
    else:
        result = "yes" if entry.score >= threshold else "no"
    reasons = adverse_reasons(entry) if result == "no" and entry is not None else []
    audit.record(session, actor_role="partner", actor_id=partner_id, action="score.threshold",
                 outcome="denied" if auth is None else "granted", person_id=person_id,
                 partner_id=partner_id, purpose=purpose, threshold=threshold,
                 **({"authorization_id": auth, "result": result} if auth else {}),
                 **({"reasons": [r.model_dump() for r in reasons]} if reasons else {}),
                 **({} if active else {"suspended": True}))
    notify.partner_access(session, person_id, partner_id, purpose, "score.threshold",
                          result or "denied", threshold, email=view.email)
    session.commit()
    if result is None:
        raise NoAuthorizationError(NO_AUTHORIZATION if active else SUSPENDED)
    return ThresholdOut(person_id=person_id, purpose=purpose, threshold=threshold,
                        result=result, adverse_reasons=reasons,  # type: ignore[arg-type]
                        fraud_alert=fraud_alert(view.file))


def adverse_reasons(entry: ScoreInForce | ScoreRecord) -> list[AdverseReason]:
    """The principal reasons for a "no": the score's own reason codes (what cost the
    most points against the best attainable, the default first for a person in default),
    each specific, never "score too low". The partner receives them and the person's
    access log shows the same."""
    return [AdverseReason(code=r.feature, description=r.description)
            for r in reasons_out(entry.reasons)]
