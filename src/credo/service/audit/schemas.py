"""Audit shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class AccessOut(BaseModel):
    at: datetime
    by: Literal["partner", "you"] = Field(description="A partner's read (or refused read), "
                                                      "or your own freeze or fraud alert")
    partner_id: str | None
    purpose: str | None
    action: str
    outcome: str
    result: str | None = Field(default=None, description="A threshold check's answer")
    reasons: list[str] = Field(default_factory=list,
                               description="With a 'no': its principal reasons, in words")


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    actor_role: str
    actor_id: str
    action: str
    person_id: str | None
    partner_id: str | None
    purpose: str | None
    outcome: str
    detail: dict[str, Any]
