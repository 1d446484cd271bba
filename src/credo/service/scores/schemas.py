"""Score shapes shared by the partner and the person endpoints."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from credo.policy.disclosure import score_fields
from credo.service.ids import PersonId, PurposeCode


class Reason(BaseModel):
    feature: str
    description: str = Field(description="In plain words: what cost the person points")
    bin: str | None = None
    points_lost: int | None = Field(default=None, description="Points below the feature's "
                                    "best bin, whole as the scorecard states them")


class SubScores(BaseModel):
    credit_history: int | None
    fulfilment_capacity: int | None
    behaviour: int | None
    identity: int | None
    tenure: int | None


class Benefits(BaseModel):
    band: str
    credit_line_multiple: float
    deposit_waiver: bool
    instalments: bool


class ScoreOut(BaseModel):
    person_id: str
    as_of: date
    score: int = Field(ge=350, le=950)
    band: str
    probability_of_default: float | None
    sub_scores: SubScores
    reasons: list[Reason]
    benefits: Benefits
    model_id: str | None
    run_id: str
    status: Literal["published", "rescored"]


class PartnerReason(BaseModel):
    description: str = Field(description="In plain words: what cost the person points "
                             "(never their figures or the bracket they fall in)")


class FraudAlert(BaseModel):
    since: date = Field(description="The day the person placed the alert")
    instruction: str = Field(description="What the partner must do before granting credit")


FRAUD_ALERT_FIELD = (FraudAlert | None, Field(
    description="Set when the person placed a fraud alert: verify their identity before "
                "granting credit; null when there is none"))

# The type of every field a partner may receive; which of them it does receive is
# credo.policy.disclosure's decision alone (a field it lists without a type here fails
# at import, so the definition and the answer cannot drift apart).
PARTNER_FIELD_TYPES: dict[str, tuple[Any, Any]] = {
    "person_id": (str, ...),
    "purpose": (str, ...),
    "as_of": (date, Field(description="When the score was computed")),
    "score": (int, Field(ge=350, le=950)),
    "band": (str, ...),
    "benefits": (Benefits, ...),
    "reasons": (list[PartnerReason], ...),
    "fraud_alert": FRAUD_ALERT_FIELD,
}
PartnerScoreOut = create_model(  # type: ignore[call-overload]
    "PartnerScoreOut",
    __doc__="What a partner receives under a 'score' authorization "
            "(credo.policy.disclosure; GET /v1/disclosure says it in words).",
    **{f: PARTNER_FIELD_TYPES[f] for f in score_fields()},
)


class ScoreRequest(BaseModel):
    person_id: PersonId
    purpose: PurposeCode


class ThresholdRequest(ScoreRequest):
    threshold: int = Field(ge=350, le=950, description="The score the partner requires")


class AdverseReason(BaseModel):
    code: str = Field(description="The reason code: the feature that cost the most points")
    description: str = Field(description="The reason in plain words")


class ThresholdOut(BaseModel):
    person_id: str
    purpose: str
    threshold: int
    result: Literal["yes", "no", "not_available"] = Field(
        description="yes: the score reaches the threshold; no: it does not; "
        "not_available: no current score (never the score itself)"
    )
    adverse_reasons: list[AdverseReason] = Field(
        default_factory=list,
        description="With a 'no': the principal reasons for it, most points first (up to "
        "four reason codes and their words); empty otherwise")
    fraud_alert: FraudAlert | None = FRAUD_ALERT_FIELD[1]

