"""Notification shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class NotificationOut(BaseModel):
    id: int
    kind: Literal["access", "band_change", "dispute", "review", "authorization_expiring",
                  "file"] = Field(description="What happened: a partner's read or refused "
                                               "read, a band change, a dispute or review "
                                               "decision, an authorization about to expire, "
                                               "a freeze or fraud alert")
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None
    emailed: Literal["no", "queued", "sent", "failed"] = Field(
        description="Whether it goes by e-mail too, and how far it got")


class MarkedOut(BaseModel):
    marked: int = Field(description="How many notifications were unread and are now read")
