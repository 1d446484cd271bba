"""People's shapes: login, their score and history, their export."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from credo.service.ids import PersonId
from credo.service.scores.schemas import Reason, ScoreOut, SubScores

Password = Field(min_length=1, max_length=256)


class ActivateIn(BaseModel):
    person_id: PersonId
    activation_code: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=12, max_length=256)


class LoginIn(BaseModel):
    person_id: PersonId
    password: str = Password


class TokenOut(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class MyScoreOut(BaseModel):
    score: ScoreOut | None
    pending: bool = Field(description="A rescore after a dispute is due")
    message: str


class HistoryEntry(BaseModel):
    as_of: date
    status: Literal["published", "rescored", "rescore_pending"]
    score: int | None
    band: str | None
    sub_scores: SubScores
    reasons: list[Reason]
    run_id: str
    note: str | None
    recorded_at: datetime


class ExportOut(BaseModel):
    person_id: str
    exported_at: str
    account: list[dict[str, Any]]
    scores: list[dict[str, Any]]
    authorizations: list[dict[str, Any]]
    disputes: list[dict[str, Any]]
    controls: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    records: dict[str, list[dict[str, Any]]]
