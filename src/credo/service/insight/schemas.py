"""What-if shapes: the scenarios a person states and the answers the pipeline gives."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from credo.data.schemas import ACCOUNT_KINDS, MAX_MONEY
from credo.pipeline.scenarios import MAX_ACTIONS, MAX_MONTHS
from credo.service.ids import Identifier, Kind
from credo.service.scores.schemas import Reason, SubScores

MAX_SCENARIOS_PER_REQUEST = 8
Cents = Annotated[int, Field(ge=0, le=MAX_MONEY, description="An amount in cents")]


class PayDownIn(BaseModel):
    action: Literal["pay_down"]
    account_id: Identifier
    balance_cents: Cents = Field(description="The balance the latest statement would show")


class OnTimeIn(BaseModel):
    action: Literal["on_time"]
    months: int = Field(ge=1, le=MAX_MONTHS, description="More months of bills paid on time")


class CloseAccountIn(BaseModel):
    action: Literal["close_account"]
    account_id: Identifier


class OpenAccountIn(BaseModel):
    action: Literal["open_account"]
    kind: Literal[ACCOUNT_KINDS]  # type: ignore[valid-type]
    credit_limit_cents: Cents | None = Field(default=None,
                                             description="Required for credit accounts")


class LeaveOutIn(BaseModel):
    action: Literal["leave_out"]
    kind: Kind
    source_id: Identifier
    record_id: Identifier


ActionIn = Annotated[PayDownIn | OnTimeIn | CloseAccountIn | OpenAccountIn | LeaveOutIn,
                     Field(discriminator="action")]


class WhatIfIn(BaseModel):
    scenarios: list[Annotated[list[ActionIn], Field(min_length=1, max_length=MAX_ACTIONS)]] = (
        Field(min_length=1, max_length=MAX_SCENARIOS_PER_REQUEST,
              description="Each scenario is a list of actions taken together"))


class OutcomeOut(BaseModel):
    as_of: date = Field(description="The date the score would be computed as of")
    actions: list[str] = Field(description="The scenario in words")
    score: int = Field(ge=350, le=950)
    band: str
    change: int = Field(description="Points against the score of the records as they are")
    probability_of_default: float
    sub_scores: SubScores
    reasons: list[Reason]
    moved: dict[str, int] = Field(description="Features whose points change, by how many")


class WhatIfOut(BaseModel):
    as_of: date = Field(description="The latest run's date: what 'now' is scored as of")
    model_id: str
    now: OutcomeOut
    scenarios: list[OutcomeOut]


class AccountOut(BaseModel):
    account_id: str = Field(description="What a pay_down or close_account action names")
    kind: str
    open: bool = Field(description="Open as of the latest run's date")
    balance_cents: int | None = Field(description="The latest statement's balance, for "
                                                  "a credit account")
    credit_limit_cents: int | None
    currency: str = Field(description="The account's currency")


class LimitsOut(BaseModel):
    scenarios_per_request: int
    actions_per_scenario: int
    months_on_time: int = Field(description="The most months an on_time action can add")


class WhatIfStartOut(BaseModel):
    """What a person starts a what-if from: the score of their records as they are,
    computed the way every scenario's is, and what a scenario can name."""

    as_of: date = Field(description="The latest run's date: what 'now' is scored as of")
    model_id: str
    now: OutcomeOut
    accounts: list[AccountOut]
    account_kinds: list[str] = Field(description="What an open_account action can open")
    limits: LimitsOut


class StepOut(BaseModel):
    action: str = Field(description="What to do, in words")
    points: int = Field(description="Its own exact points, taken alone")
    when: str = Field(description="When it takes effect")


class PathOut(BaseModel):
    target: int = Field(ge=350, le=950)
    target_is: str = Field(description="Why this target: the next band or a partner's check")
    now: int
    reached: bool = Field(description="False: no set of actions reaches it; the best one "
                                      "is shown")
    steps: list[StepOut]
    score: int | None = Field(description="The score with every step taken, exactly")
    band: str | None


class PointsOut(BaseModel):
    feature: str
    description: str
    points: int


class DimensionOut(BaseModel):
    dimension: str
    title: str
    measures: str = Field(description="What the dimension measures, in words")
    sub_score: int | None


class ChangesOut(BaseModel):
    as_of: date
    score: int
    previous_as_of: date | None
    previous_score: int | None
    change: int | None
    in_default: str | None = Field(description="Why the score is held at 350 now, in words "
                                               "(a default outweighs every feature)")
    moved: list[PointsOut] = Field(description="Features whose points changed, exactly")
    strengths: list[PointsOut] = Field(description="What earns you the most points: each "
                                                   "feature's points above its worst")
    dimensions: list[DimensionOut]
