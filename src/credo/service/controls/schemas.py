"""Shapes of the person's controls."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ControlsOut(BaseModel):
    frozen: bool = Field(description="While true, every partner read is refused")
    frozen_at: datetime | None
    fraud_alert: bool = Field(description="While true, partners are told to verify your "
                                          "identity before granting credit")
    fraud_alert_at: datetime | None


class EmailSettingsIn(BaseModel):
    email: str | None = Field(None, max_length=254,
                              description="Where notices go by e-mail (empty: nowhere)")
    email_on: bool = Field(False, description="Send every notification by e-mail too")


class EmailSettingsOut(BaseModel):
    email: str | None
    email_on: bool
    can_send: bool = Field(description="Whether this server sends e-mail at all (an SMTP "
                                       "server is configured)")
