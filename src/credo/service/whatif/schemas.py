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
