"""Train a scorecard on the lake and register it: what ``credo train --as-of`` does.

Every model trained on the lake goes to the registry as a candidate (the first becomes
champion); it serves only once promoted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from credo.config import Settings
from credo.features.engines import open_engine
from credo.governance.registry import ModelInfo, Registry, write_document
from credo.layout import model_path
from credo.pipeline.split import DEFAULT_HOLDOUT
from credo.pipeline.training import catalogue_scorecard, train_on_lake, training_key
from credo.scorecard import Scorecard, artifact


@dataclass(frozen=True)
class RegisteredTraining:
    """The fitted model, its document, the file written and the registry's record."""

    model: Scorecard
    document: dict[str, Any]
    path: Path
    info: ModelInfo
    made_champion: bool
    reused: bool = False  # the same records, months, parameters and split: not trained again


def train_and_register(
    settings: Settings,
    as_of: date,
    validate_as_of: date | None,
    *,
    actor: str,
    model: Scorecard | None = None,
    out: Path | None = None,
    engine: str | None = None,
    holdout: float = DEFAULT_HOLDOUT,
    seed: int = 0,
    stage: Callable[[str], None] | None = None,
) -> RegisteredTraining:
    """Train ``model`` (the catalogue's scorecard by default) on the lake as of
    ``as_of``, validated on ``validate_as_of``; write its file to ``out`` (by default the
    registry's folder) and register it under ``actor``.

    A model already trained on the same records, months, parameters and split is the
    same model: it is returned (``reused``) and nothing is trained or registered."""
    model = model or catalogue_scorecard()
    key = training_key(settings, as_of, validate_as_of, model, holdout, seed)
    with Registry(settings) as registry:
        known = registry.trained_with(key)
        if known is not None:
            document = registry.document(known.model_id)
            if out is not None:
                write_document(out, document)
            fitted = artifact.from_dict(document, known.model_id)
            return RegisteredTraining(fitted, document, out or model_path(settings, known.model_id),
                                      known, made_champion=False, reused=True)
    tick = stage or (lambda _s: None)
    tick(f"opening {engine or settings.engine}")
    runner = open_engine(engine)
    try:
        result = train_on_lake(settings, runner, as_of, validate_as_of, model, stage=stage,
                               holdout=holdout, seed=seed)
    finally:
        runner.close()
    document = artifact.to_dict(result.model, result.metadata)
    path = out or model_path(settings, document["model_id"])
    write_document(path, document)
    with Registry(settings) as registry:
        info, made_champion = registry.register_trained(document, actor)
    return RegisteredTraining(result.model, document, path, info, made_champion)
