"""Authorization shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from credo.policy.disclosure import DEFAULT_SCOPE, SCOPES
from credo.service.ids import Identifier, PurposeCode

SCOPE_HELP = "What the partner receives: " + "; ".join(f"{k}: {v}" for k, v in SCOPES.items())


class GrantIn(BaseModel):
    partner_id: Identifier
    purpose: PurposeCode
    valid_days: int = Field(default=30, ge=1, le=365, description="Days until it expires")
    scope: str = Field(default=DEFAULT_SCOPE, pattern=r"^[a-z_]{1,40}$",
                       examples=list(SCOPES), description=SCOPE_HELP)


class AuthorizationOut(BaseModel):
    id: str
    partner_id: str
    purpose: str
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    state: Literal["active", "expired", "revoked"]
    scope: str = Field(description=SCOPE_HELP)
    shares: list[str] = Field(description="The fields of the partner's answer about you")
    consent: str = Field(description="What the partner receives, in words")
