"""Audit shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AccessOut(BaseModel):
    at: datetime
    partner_id: str | None
    purpose: str | None
    action: str
    outcome: str


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
