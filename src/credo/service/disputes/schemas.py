"""Dispute shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from credo.service.ids import Identifier, Kind


class DisputeIn(BaseModel):
    kind: Kind
    source_id: Identifier
    record_id: Identifier
    reason: str = Field(min_length=1, max_length=2000, description="What is wrong, in words")


class ResolveIn(BaseModel):
    note: str = Field(min_length=1, max_length=2000,
                      description="The reason for the decision, required: the person reads "
                                  "it (trimmed; 1-2000 characters)")


class DisputeOut(BaseModel):
    id: str
    person_id: str
    kind: str
    source_id: str
    record_id: str
    reason: str
    status: Literal["open", "upheld", "rejected"]
    filed_at: datetime
    due_at: datetime = Field(description="The operator answers by this date (30 days)")
    days_left: int
    resolved_at: datetime | None
    resolution_note: str | None
