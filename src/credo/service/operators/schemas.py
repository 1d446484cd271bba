"""Operator-facing shapes: keys and revocations."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class OperatorKeyOut(BaseModel):
    id: int
    operator: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class RevokedOut(BaseModel):
    operator: str
    revoked: int
