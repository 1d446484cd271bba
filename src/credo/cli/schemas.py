"""What ``--json`` prints: one schema per command, for scripts to rely on.

Each command with ``--json`` prints one JSON document on standard output that
validates against its model here; ``docs/cli-json.md`` shows every schema (a test keeps
it equal to these models). Fields are added, never renamed. ``credo dispute list
--json`` prints a list of the API's own ``DisputeOut`` (the shape of ``GET
/v1/operator/disputes``), so a script reads a dispute the same way from both.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from credo.service.disputes.schemas import DisputeOut


class ReasonOut(BaseModel):
    feature: str
    description: str
    bin: str = Field(description="The person's bin of the feature, in words")
    points_lost: int = Field(description="Points below the feature's best bin")
    text: str = Field(description="The reason as one sentence")


class ExplanationOut(BaseModel):
    """``credo explain MODEL DATA --id VALUE --json``."""

    id_column: str
    id: str
    score: int = Field(ge=350, le=950)
    band: str
    probability_of_default: float
    sub_scores: dict[str, int | None] = Field(
        description="Per dimension, 350-950; null when the model has no feature there")
    reasons: list[ReasonOut] = Field(description="At most four, the costliest first")


class ModelOut(BaseModel):
    """One entry of ``credo model list --json`` (the fields of GET /v1/operator/models)."""

    model_id: str
    version: int
    status: str = Field(description="candidate, champion or retired")
    as_of: date | None
    validate_as_of: date | None
    fingerprint: str
    metrics: dict[str, dict[str, Any]] = Field(
        description="Per sample (development, out_of_time): auc, gini, ks, rows")
    promoted_by: str | None
    promoted_at: str | None
    created_at: str


class LakeRow(BaseModel):
    kind: str
    source_id: str
    month: str | None = Field(description="YYYY-MM with --detail; null in the summary")
    first_month: str
    last_month: str
    records: int
    files: int


class ByPersonCopyOut(BaseModel):
    """How the lake's copy in person order (``credo lake --by-person``) stands."""

    lake_version: int = Field(description="the lake version the copy was made of")
    files_since: int = Field(description="lake files added since, read beside the copy")
    not_held: list[str] = Field(
        description="kinds whose copied files were compacted away: read from the month "
                    "files until the copy is written again")
    write_again: bool = Field(
        description="true when the lake has moved on since the copy: credo lake --by-person")


class LakeOut(BaseModel):
    """``credo lake --json``: the rows of the table it prints (summary or --detail), and
    how the copy in person order stands (null when the lake has none)."""

    root: str
    version: int
    records: int
    files: int
    rows: list[LakeRow]
    by_person: ByPersonCopyOut | None = None


class SelectionOut(BaseModel):
    feature: str
    reason: str


class FeatureOut(BaseModel):
    name: str
    dimension: str
    trend: str
    iv: float
    bins: int
    worst_points: int
    best_points: int


class Metrics(BaseModel):
    auc: float
    gini: float
    ks: float
    rows: int


class BandOut(BaseModel):
    band: str
    scores: str = Field(description="The band's score range, e.g. 600-649")
    count: int
    share: float
    observed_bad_rate: float | None
    predicted_bad_rate: float | None


class BucketOut(BaseModel):
    low: int
    high: int
    count: int


class ReportOut(BaseModel):
    """``credo report MODEL DATA --json``: the text summary's figures."""

    model_id: str
    created_at: str | None
    training_rows: int | None
    training_bad_rate: float | None
    fingerprint: str | None
    scale: dict[str, float] = Field(description="base_score, base_odds, pdo, score_min, "
                                                "score_max")
    protected_excluded: list[str]
    features: list[FeatureOut]
    left_out: list[SelectionOut]
    rows: int
    score_min: int
    score_max: int
    score_median: int
    psi_against_training: float | None
    psi_status: str | None
    performance: Metrics | None = Field(description="null when DATA has no outcome column")
    bands: list[BandOut] = Field(description="In band order; empty without an outcome")
    score_distribution: list[BucketOut] = Field(description="25-point buckets with people")


class PopulationOut(BaseModel):
    people: int
    at_risk: int
    in_default_by_reason: dict[str, int]


class TrainingOut(BaseModel):
    """``credo train ... --json``: the training summary."""

    model_id: str
    path: str
    selected: list[str]
    candidates: int
    protected_excluded: list[str]
    left_out: list[SelectionOut]
    population: dict[str, PopulationOut] = Field(
        description="Lake training only: per sample, who was at risk and who in default")
    metrics: dict[str, Metrics] = Field(description="Per sample: train, holdout, "
                                                    "development, out_of_time")
    registry: str | None = Field(description="Lake training only: what the registry did")


SCHEMAS: dict[str, type[BaseModel]] = {
    "credo explain --json": ExplanationOut,
    "credo model list --json (a list of)": ModelOut,
    "credo dispute list --json (a list of)": DisputeOut,
    "credo lake --json": LakeOut,
    "credo report MODEL DATA --json": ReportOut,
    "credo train --json": TrainingOut,
}
