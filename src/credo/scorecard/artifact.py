"""The model artifact: a versioned, human-readable JSON file.

It holds everything needed to score and to explain (bins, points, scaling, dimensions,
wording), and what is needed to trust it (training fingerprint, selection decisions,
metrics). Saving then loading gives a model that scores every row identically: edges
are written with Python's shortest round-trip float repr and points are integers.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from credo import __version__
from credo.errors import ConfigError, ModelFileError
from credo.outputs import check_output_path, write_atomically
from credo.scorecard.binning import Bin, FeatureBinning
from credo.scorecard.feature import ScorecardFeature
from credo.scorecard.model import Scorecard
from credo.scorecard.parameters import FIT_PARAMETERS, estimator_parameters, flat_parameters
from credo.scorecard.scaling import Scaling
from credo.scorecard.selection import SelectionEntry
from credo.tabular import READABLE

FORMAT = "credo-scorecard"
FORMAT_VERSION = 1
MODEL_SUFFIXES = (".json",)
# Parameters added after format version 1 was published: files without them were
# written with these values. Files from before the WOE prior added half a count to each
# side of every bin, which no value of ``woe_prior`` reproduces: they read as None. Such
# a model scores as it always did (points are stored per bin); it is only a record.
_LATER_PARAMETERS = {"min_bin_count": 0, "woe_prior": None, "min_bin_bads": 0,
                     "refit_prior": None}


def to_dict(model: Scorecard, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    model._check_fitted()
    fingerprint = model.fingerprint_
    created = datetime.now(UTC).replace(microsecond=0)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_id": f"scorecard-{created:%Y%m%dT%H%M%SZ}-{fingerprint[7:19]}",
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "credo_version": __version__,
        "scaling": model.scaling_.to_dict(),
        "score_to_probability_of_default": model.scaling_.mapping_table(),
        "intercept": model.intercept_,
        "features": [_feature_dict(f) for f in model.features_],
        "selection": [asdict(e) for e in model.selection_],
        "candidates": [_binning_dict(b) for b in model.binnings_.values()],
        "protected_excluded": model.protected_,
        # The values the model was fitted with (after tuning, if it was tuned).
        "parameters": flat_parameters(getattr(model, "best_params_", model.get_params())),
        "training": {
            "rows": model.n_train_,
            "bad_rate": model.bad_rate_train_,
            "fingerprint": fingerprint,
        },
        "metadata": metadata or {},
    } | ({"tuning": model.tuning_} if hasattr(model, "tuning_") else {})


def save(model: Scorecard, path: str | Path, metadata: dict[str, Any] | None = None) -> dict:
    """Write the model as JSON (atomically) and return what was written."""
    document = to_dict(model, metadata)
    write_document(path, document)
    return document


def write_document(path: str | Path, document: dict[str, Any]) -> None:
    """Write a model document as JSON, atomically (a partial file never replaces one)."""
    path = check_output_path(path, MODEL_SUFFIXES, "model file")
    text = json.dumps(document, indent=2, allow_nan=False) + "\n"
    write_atomically(path, lambda target: target.write_text(text, encoding="utf-8"), "model")


def load(path: str | Path) -> tuple[Scorecard, dict[str, Any]]:
    """Read a model file; returns the scorecard and the whole document."""
    path = Path(path)
    if path.suffix.lower() in READABLE and path.is_file():
        # The commonest slip: the data given where the model goes (``score DATA MODEL``).
        raise ModelFileError(
            f"{str(path)!r} is a data table, not a model file: give the model (the JSON "
            "file credo train wrote) first and the data second, e.g. credo score "
            "MODEL.json DATA.csv"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelFileError(f"model file {str(path)!r} does not exist") from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as error:
        raise ModelFileError(f"model file {str(path)!r} cannot be read: {error}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ModelFileError(
            f"model file {str(path)!r} is not valid JSON ({error.msg} at line {error.lineno}): "
            "it is corrupt or truncated; train the model again or restore the file"
        ) from None
    return from_dict(document, source=str(path)), document


def from_dict(document: Any, source: str = "model") -> Scorecard:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"{source} is not a credo scorecard (no 'format': '{FORMAT}')")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{source} has format version {version!r}; this credo reads version "
            f"{FORMAT_VERSION}: retrain the model with this credo, or use the credo that wrote it"
        )
    try:
        return _build(document)
    except (KeyError, TypeError, ValueError, AttributeError, ConfigError) as error:
        # ConfigError: recorded parameters no fit could have used.
        raise ModelFileError(
            f"{source} is damaged ({type(error).__name__}: {error}): train the model again "
            "or restore the file"
        ) from None


def _build(document: dict[str, Any]) -> Scorecard:
    given = {**_LATER_PARAMETERS, **document["parameters"]}
    model = Scorecard(**estimator_parameters({p: given[p] for p in FIT_PARAMETERS}))
    model.scaling_ = Scaling(**document["scaling"])
    model.intercept_ = _finite(document["intercept"], "intercept")
    model.features_ = [
        ScorecardFeature(
            binning=_binning(f),
            coefficient=_finite(f["coefficient"], "coefficient"),
            dimension=str(f["dimension"]),
            description=str(f["description"]),
        )
        for f in document["features"]
    ]
    if not model.features_:
        raise ValueError("the model has no features")
    model.binnings_ = {b["name"]: _binning(b) for b in document["candidates"]}
    for feature in model.features_:
        model.binnings_[feature.name] = feature.binning
    model.selection_ = [SelectionEntry(**e) for e in document["selection"]]
    model.protected_ = list(document["protected_excluded"])
    training = document["training"]
    model.n_train_ = int(training["rows"])
    model.bad_rate_train_ = float(training["bad_rate"])
    model.fingerprint_ = str(training["fingerprint"])
    model.feature_kinds_ = {f.name: f.binning.dtype for f in model.features_}
    if "tuning" in document:
        model.tuning_ = dict(document["tuning"])
    return model


def _feature_dict(feature: ScorecardFeature) -> dict[str, Any]:
    return {
        **_binning_dict(feature.binning),
        "dimension": feature.dimension,
        "description": feature.description,
        "coefficient": feature.coefficient,
    }


def _binning_dict(binning: FeatureBinning) -> dict[str, Any]:
    return {
        "name": binning.name,
        "dtype": binning.dtype,
        "trend": binning.trend,
        "iv": binning.iv,
        "bins": [{k: v for k, v in asdict(b).items() if v is not None} for b in binning.bins],
    }


def _binning(raw: dict[str, Any]) -> FeatureBinning:
    dtype = raw["dtype"]
    if dtype not in ("numeric", "categorical"):
        raise ValueError(f"feature {raw.get('name')!r} has unknown dtype {dtype!r}")
    bins = [Bin(**b) for b in raw["bins"]]
    if not bins or bins[-1].kind != "missing":
        raise ValueError(f"feature {raw['name']!r} must end with its missing bin")
    for b in bins:
        if not isinstance(b.points, int) or isinstance(b.points, bool):
            raise ValueError(f"feature {raw['name']!r}: points must be integers")
    lowers = [b.lower for b in bins if b.kind == "interval"][1:]
    if dtype == "numeric" and (
        any(v is None or not math.isfinite(v) for v in lowers) or lowers != sorted(set(lowers))
    ):
        raise ValueError(f"feature {raw['name']!r}: interval edges must increase")
    return FeatureBinning(
        name=str(raw["name"]), dtype=dtype, trend=str(raw["trend"]), bins=bins,
        iv=float(raw["iv"]),
    )


def _finite(value: Any, name: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} is not a finite number")
    return number
