"""Shapes of the ingestion endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

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


class IngestOutcome(BaseModel):
    accepted: int
    duplicate: int
    superseded: int
    quarantined: int
    reasons: dict[str, int] = Field(description="Quarantine reasons, grouped, with counts")
    errors: list[str]


class PushOut(BaseModel):
    id: str = Field(description="The batch's id: GET /v1/sources/pushes/{id} follows it")
    kind: str
    source: str
    records: int
    state: Literal["pending", "ingesting", "done", "failed"] = Field(
        description="pending: kept, not yet in the lake; ingesting: being written; done: "
                    "in the lake (see outcome); failed: not ingested (see error)")
    received_at: datetime
    finished_at: datetime | None = None
    outcome: IngestOutcome | None = Field(
        None, description="What the lake made of the records, once done")
    error: str | None = Field(None, description="Why the batch failed, if it did")
