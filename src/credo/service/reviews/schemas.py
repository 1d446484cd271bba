"""Human review shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class ReviewIn(BaseModel):
    statement: str = Field(min_length=1, max_length=2000,
                           description="In your own words: why your score does not reflect "
                                       "you (the reviewer reads it)")


class DecisionIn(BaseModel):
    reasons: str = Field(min_length=1, max_length=2000,
                         description="Why you decided so, required: the person reads it")


class FeaturePoints(BaseModel):
    feature: str
    description: str
    dimension: str
    bin: str
    points: int
    best_points: int


class ReviewOut(BaseModel):
    id: str
    person_id: str
    statement: str
    status: Literal["open", "confirmed", "withdrawn"]
    score: int | None = Field(description="The score under review")
    band: str | None
    as_of: date | None
    filed_at: datetime
    due_at: datetime = Field(description="Answered by this date (one month)")
    days_left: int
    decided_at: datetime | None
    decision: str | None = Field(description="The reviewer's written reasons")


class OperatorReviewOut(ReviewOut):
    reasons: list[dict] = Field(description="The score's reasons when it was asked about")
    points: list[FeaturePoints] | None = Field(
        description="The record of points per feature behind the score (null: no champion "
                    "model was available to compute it)")
    decided_by: str | None
