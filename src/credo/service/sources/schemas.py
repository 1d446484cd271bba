"""Shapes of the ingestion endpoint."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from credo.service.ids import Kind

# Values as a CSV or JSON Lines file would carry them; the data contract decides the rest.
Scalar = (Annotated[str, StringConstraints(max_length=4096)] | Annotated[
    int, Field(ge=-(2**63), le=2**63 - 1)] | bool | None)


class PushIn(BaseModel):
    kind: Kind
    records: list[dict[Annotated[str, StringConstraints(max_length=64)], Scalar]] = Field(
        min_length=1, max_length=10_000,
        description="Records of one kind, fields as in the data contract (at most 10,000)",
    )


class PushOut(BaseModel):
    kind: str
    source: str
    accepted: int
    duplicate: int
    superseded: int
    quarantined: int
    reasons: dict[str, int] = Field(description="Quarantine reasons, grouped, with counts")
    errors: list[str]
