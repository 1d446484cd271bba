"""Partner-facing shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class PartnerOut(BaseModel):
    id: str
    name: str
    purposes: list[str]
    active: bool
    created_at: datetime


class PurposeOut(BaseModel):
    code: str
    description: str


class RefusedPurposeOut(BaseModel):
    code: str
    explanation: str


class PurposesOut(BaseModel):
    permitted: list[PurposeOut]
    refused: list[RefusedPurposeOut]
    note: str


class BandBenefitsOut(BaseModel):
    band: str
    low: int
    high: int
    credit_line_multiple: float
    deposit_waiver: bool
    instalments: bool


class BenefitsOut(BaseModel):
    deposit_waiver_min_score: int
    bands: list[BandBenefitsOut]


class DisclosedItemOut(BaseModel):
    field: str
    says: str


class DisclosureOut(BaseModel):
    purpose: str
    scope: str
    title: str
    endpoints: list[str]
    fields: list[DisclosedItemOut]
    echoed: list[str]
    consent: str
