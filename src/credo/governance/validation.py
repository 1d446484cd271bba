"""The validation report of a model on the lake, from the model's reference to the
written files: which model, which months, which samples and which audits.

:mod:`credo.governance.report` builds and renders the report; this module gathers what
it is built from, as ``credo report --as-of`` asks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from credo.config import Settings
from credo.errors import InputError
from credo.features.engines import open_engine
from credo.governance import fairness, fairness_truth, samples
from credo.governance import report as report_mod
from credo.governance.model_reference import registry_entry, resolve_model
from credo.outputs import make_output_path
from credo.pipeline.tables import parse_as_of
from credo.progress import Step


@dataclass(frozen=True)
class WrittenReport:
    """The report's figures, the files written, and the whole time it took."""

    report: dict[str, Any]
    model_id: str | None
    html: Path
    twin: Path
    seconds: float


def write_validation_report(
    settings: Settings,
    out: Path,
    *,
    model: str | Path | None,
    as_of: date | None,
    validate_as_of: date | None,
    margin: float,
    engine: str | None = None,
    stage: Step | None = None,
) -> WrittenReport:
    """Report on ``model`` (a file, a registered id, or the latest registered model),
    developed on ``as_of`` and validated out of time on ``validate_as_of`` (each by
    default the month the model records), the samples split by person as it was trained;
    the HTML goes to ``out`` and its JSON twin beside it."""
    started = time.perf_counter()
    make_output_path(out, (".html",), "validation report")
    chosen = resolve_model(settings, model, default="latest")
    document = chosen.document
    info = registry_entry(settings, chosen.model_id)
    entry = None if info is None else {
        "version": info.version,
        "status": info.status,
        "promoted_by": info.promoted_by,
        "promoted_at": info.promoted_at,
    }
    first, second = _months(document, as_of, validate_as_of)
    stage = stage or (lambda _: None)
    stage(f"features and outcomes as of {first}" + (f" and {second}" if second else ""))
    runner = open_engine(engine)
    try:
        development = samples.with_bad(settings, runner, first)
        validation = samples.with_bad(settings, runner, second) if second else None
    finally:
        runner.close()
    development, validation = samples.split_as_trained(document, development, validation)
    protected = fairness.read_protected(settings.truth / "protected")
    # The true default probabilities (simulated populations only) of the month the model
    # is judged on: the out-of-time month when there is one.
    truth = fairness_truth.read_true_pd(settings.truth / "true_pd", second or first)
    report = report_mod.build(
        chosen.scorecard,
        document,
        development,
        validation,
        protected,
        margin=margin,
        registry_entry=entry,
        truth=truth,
        stage=stage,
        currency=settings.currency,
    )
    stage("writing the report")
    html, twin = report_mod.write(report, out)
    return WrittenReport(report, chosen.model_id, html, twin, time.perf_counter() - started)


def _months(
    document: dict[str, Any], as_of: date | None, validate_as_of: date | None
) -> tuple[date, date | None]:
    """The development and out-of-time months: as given, else as the model records."""
    metadata = document.get("metadata", {})
    recorded = metadata.get("as_of")
    if as_of is None and not recorded:
        raise InputError("give --as-of: the model does not say which month it was trained on")
    first = as_of or parse_as_of(recorded)
    if validate_as_of is not None:
        return first, validate_as_of
    later = metadata.get("validate_as_of")
    return first, parse_as_of(later) if later else None
