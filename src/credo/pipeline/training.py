"""Train the scorecard on one month of the population and validate it out of time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from credo.config import Settings
from credo.data.lake import Lake
from credo.errors import InputError
from credo.features.catalogue import BY_NAME, data_dictionary
from credo.features.engines import Engine
from credo.features.table import STATUS_COLUMN
from credo.pipeline.inputs import training_inputs
from credo.pipeline.split import DEFAULT_HOLDOUT, check_holdout, on_side
from credo.pipeline.tables import (
    Stage,
    at_risk,
    compute_features,
    compute_outcome,
    population_summary,
    with_outcome,
)
from credo.scorecard import BinningOptions, Scorecard, metrics
from credo.scorecard.training import score_distribution


@dataclass
class LakeTraining:
    model: Scorecard
    metadata: dict[str, Any]
    development: pa.Table
    validation: pa.Table | None


def model_sample(
    table: pa.Table, split: tuple[float, int] | None = None, held: bool = False,
    keep_ids: bool = False,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Model inputs and outcome of the people at risk in ``table``; with ``split``
    (holdout share, seed), only the people held out (``held``) or only the others.
    ``keep_ids`` keeps ``person_id`` as the index."""
    frame = at_risk(table)[0].to_pandas()
    if split is not None:
        frame = frame[on_side(frame["person_id"], *split, held)]
    if keep_ids:
        frame = frame.set_index("person_id")
    inputs = frame.drop(columns=[c for c in ("person_id", "bad", STATUS_COLUMN)
                                 if c in frame.columns])
    return inputs, frame["bad"].to_numpy().astype(np.uint8)


def validation_curves(bad: Any, scores: Any) -> dict[str, Any]:
    """ROC and KS curves of a validation sample, small enough to keep in the model file
    (the operator console draws them without reading the lake again)."""
    fpr, tpr = metrics.roc_curve(bad, scores)
    cuts, bad_share, good_share = metrics.ks_curve(bad, scores)
    return {"roc": {"fpr": fpr, "tpr": tpr},
            "ks": {"score": cuts, "bad_share": bad_share, "good_share": good_share}}


def catalogue_scorecard(**params: Any) -> Scorecard:
    """A scorecard for the lake: the catalogue is its dictionary (dimensions, words,
    trends, special values) and the only source of categorical features."""
    return Scorecard(
        dictionary=params.pop("dictionary", None) or data_dictionary(),
        categorical=[n for n, spec in BY_NAME.items() if spec.categorical],
        **params,
    )


def training_key(
    settings: Settings, as_of: date, validate_as_of: date | None, model: Scorecard,
    holdout: float = DEFAULT_HOLDOUT, seed: int = 0,
) -> str:
    """What a training on the lake depends on (:func:`credo.pipeline.inputs.
    training_inputs`), read from the lake's log: known before any feature is computed."""
    split = (check_holdout(holdout), int(seed))
    # No binning options means the defaults: spelled either way, the same training.
    parameters = model.get_params() | {"binning": model.binning or BinningOptions()}
    return training_inputs(Lake(settings.lake), as_of, validate_as_of, parameters, split)


def train_on_lake(
    settings: Settings,
    engine: Engine,
    as_of: date,
    validate_as_of: date | None,
    model: Scorecard | None = None,
    stage: Stage | None = None,
    holdout: float = DEFAULT_HOLDOUT,
    seed: int = 0,
) -> LakeTraining:
    """Develop a scorecard on the people at risk at ``as_of`` less a held-out share of
    people (:mod:`credo.pipeline.split`), and validate it on those held-out people at
    ``validate_as_of`` (out of time and out of sample), or at ``as_of`` when no later
    month is given."""
    if validate_as_of is not None and validate_as_of <= as_of:
        raise InputError(
            f"--validate-as-of {validate_as_of} must come after --as-of {as_of}: "
            "out-of-time validation looks at a later month"
        )
    split = (check_holdout(holdout), int(seed))
    model = model or catalogue_scorecard()
    inputs = training_key(settings, as_of, validate_as_of, model, *split)
    tick = stage or (lambda _s: None)
    tick(f"features as of {as_of}")
    development = with_outcome(
        compute_features(settings, engine, as_of), compute_outcome(settings, engine, as_of)
    )
    validation = None
    if validate_as_of is not None:
        tick(f"features as of {validate_as_of}")
        validation = with_outcome(
            compute_features(settings, engine, validate_as_of),
            compute_outcome(settings, engine, validate_as_of),
        )
    X, y = model_sample(development, split)
    if X.empty:
        raise InputError(f"nobody at risk is known before {as_of}: choose a later as-of date")
    tick("fitting the scorecard")
    model.fit(X, y)
    scores = model.score(X)
    metadata: dict[str, Any] = {
        "target": "bad",
        "id_column": "person_id",
        "as_of": str(as_of),
        "validate_as_of": str(validate_as_of) if validate_as_of else None,
        "engine": engine.name,
        "metrics": {"development": metrics.summary(y, scores)},
        "score_distribution": score_distribution(scores),
        "outcome": "90+ days past due, charge-off, court judgment or bankruptcy within 12 months",
        "population": {"development": population_summary(development)},
        "validation_split": {"by": "person", "holdout": split[0], "seed": split[1]},
        # The same records, months, parameters and split give this key again: a model
        # already registered with it need not be trained again.
        "training_inputs": inputs,
    }
    if validation is not None:
        tick("validating out of time")
        metadata["population"]["out_of_time"] = population_summary(validation)
        X_oot, y_oot = model_sample(validation, split, held=True)
        oot_scores = model.score(X_oot)
        metadata["metrics"]["out_of_time"] = metrics.summary(y_oot, oot_scores)
        metadata["calibration_out_of_time"] = metrics.band_table(
            y_oot, oot_scores, model.scaling_
        ).to_dict(orient="records")
        metadata["psi_development_to_out_of_time"] = metrics.psi(scores, oot_scores)
        metadata["curves_out_of_time"] = validation_curves(y_oot, oot_scores)
    elif split[0] > 0:
        X_held, y_held = model_sample(development, split, held=True)
        if len(set(y_held.tolist())) == 2:
            metadata["metrics"]["holdout"] = metrics.summary(y_held, model.score(X_held))
    return LakeTraining(model, metadata, development, validation)
