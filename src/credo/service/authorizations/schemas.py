"""Authorization shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from credo.service.ids import Identifier, PurposeCode


class GrantIn(BaseModel):
    partner_id: Identifier
    purpose: PurposeCode
    valid_days: int = Field(default=30, ge=1, le=365, description="Days until it expires")


class AuthorizationOut(BaseModel):
    id: str
    partner_id: str
    purpose: str
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    state: Literal["active", "expired", "revoked"]
