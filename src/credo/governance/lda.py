"""Search for less-discriminatory alternatives (LDA) to the champion scorecard.

Each alternative is a scorecard refitted on the same development sample with the same
settings as the champion (its recorded fit parameters, scaling, catalogue dictionary and
categorical columns; no tuning, the tuned values being the recorded ones), changed in
one way:

- **without a feature**: each feature the champion selected is left out in turn (the
  refit may then take up another candidate, which is shown);
- **tenure capped**: every numeric feature of the catalogue's "tenure" dimension whose
  expected trend is descending (a longer or deeper record earns more points, the route
  by which age reaches a score) is clipped at a quantile of its development values
  (25th, 50th, 75th percentile, an observed value) before binning, so its bins above
  the cap merge into one. The same cap applies when the alternative scores the
  validation sample; missing and special values are left as they are. A cap at a
  feature's lowest value would leave it constant: such a feature is left out instead.

Plus one **refit with nothing changed**, which shows whether the refit reproduces the
champion (it does when the champion was fitted on this sample with these settings).

Every alternative is judged on the validation sample (out of time when there is one)
by its AUC and by its lowest adverse impact ratio over the protected attributes,
groups and cut-offs (the fairness audit's definitions). It is **flagged** as a
less-discriminatory alternative when its AUC is within 0.005 of the champion's and its
lowest AIR is at least 0.05 higher.

Every alternative is a full fit: the binning of a feature depends only on that feature,
so it could be reused across alternatives, but only through the fit's internals; a fit
of a few thousand rows takes a fraction of a second, so correctness by construction wins.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from credo.dictionary import DataDictionary
from credo.errors import ConfigError, InputError
from credo.governance import fairness
from credo.scorecard import metrics
from credo.scorecard.model import Scorecard
from credo.scorecard.parameters import FIT_PARAMETERS, estimator_parameters

AUC_TOLERANCE = 0.005
AIR_GAIN = 0.05
CAP_DIMENSION = "tenure"
CAP_QUANTILES: tuple[float, ...] = (0.25, 0.5, 0.75)
_EPS = 1e-12  # a figure exactly on a bound counts as meeting it


@dataclass(frozen=True)
class Alternative:
    name: str
    kind: str  # "reference", "without" or "cap"
    exclude: tuple[str, ...] = ()
    caps: dict[str, float] = field(default_factory=dict)
    quantile: float | None = None


def template(
    model: Scorecard,
    document: dict[str, Any],
    dictionary: DataDictionary | None = None,
    categorical: Sequence[str] | None = None,
) -> Scorecard:
    """An unfitted scorecard with the champion's settings (catalogue dictionary and
    categorical columns unless given)."""
    if dictionary is None or categorical is None:
        from credo.features.catalogue import BY_NAME, data_dictionary

        dictionary = dictionary or data_dictionary()
        if categorical is None:
            categorical = [name for name, spec in BY_NAME.items() if spec.categorical]
    recorded = document.get("parameters", {})
    # A parameter a model file does not record (or records as None) takes the default.
    parameters = {p: v for p, v in recorded.items() if p in FIT_PARAMETERS and v is not None}
    return Scorecard(
        **estimator_parameters(parameters),
        scaling=model.scaling_,
        dictionary=dictionary,
        categorical=list(categorical),
    )


def cap_features(X: pd.DataFrame, dictionary: DataDictionary) -> list[str]:
    """The tenure features that a longer record pushes up: numeric, trend descending."""
    return [
        str(c)
        for c in X.columns
        if dictionary.info(str(c)).dimension == CAP_DIMENSION
        and dictionary.info(str(c)).trend == "descending"
        and pd.api.types.is_numeric_dtype(X[c].dtype)
    ]


def _capped_values(column: pd.Series, specials: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    plain = np.isfinite(values) & ~np.isin(values, np.asarray(specials, dtype=np.float64))
    return values, plain


def cap_values(
    X: pd.DataFrame, features: Sequence[str], dictionary: DataDictionary, quantile: float
) -> dict[str, float]:
    """Each feature's cap: the quantile of its development values (an observed value;
    missing and special values left out)."""
    caps = {}
    for name in features:
        values, plain = _capped_values(X[name], dictionary.info(name).special_values)
        if plain.any():
            caps[name] = float(np.quantile(values[plain], quantile, method="lower"))
    return caps


def apply_caps(X: pd.DataFrame, caps: dict[str, float], dictionary: DataDictionary) -> pd.DataFrame:
    """A copy of ``X`` with every capped feature clipped at its cap from above."""
    if not caps:
        return X
    out = X.copy(deep=False)
    for name, cap in caps.items():
        values, plain = _capped_values(X[name], dictionary.info(name).special_values)
        out[name] = np.where(plain, np.minimum(values, cap), values)
    return out


def alternatives(
    model: Scorecard, X_dev: pd.DataFrame, dictionary: DataDictionary
) -> list[Alternative]:
    found = [Alternative("refit, nothing changed", "reference")]
    capped = cap_features(X_dev, dictionary)
    for q in CAP_QUANTILES if capped else ():
        caps = cap_values(X_dev, capped, dictionary, q)
        # A cap at a feature's lowest value leaves it constant: it is left out instead.
        constant = tuple(
            name
            for name, cap in caps.items()
            if apply_caps(X_dev[[name]], {name: cap}, dictionary)[name].nunique(dropna=False) <= 1
        )
        found.append(
            Alternative(
                f"tenure capped at the {round(q * 100)}th percentile",
                "cap",
                exclude=constant,
                caps={n: c for n, c in caps.items() if n not in constant},
                quantile=q,
            )
        )
    for name in model.feature_names_:
        found.append(Alternative(f"without {name}", "without", exclude=(name,)))
    return found


def fairness_figures(
    person_id: np.ndarray, scores: np.ndarray, bad: np.ndarray, protected: pd.DataFrame
) -> dict[str, Any]:
    """Lowest AIR over attributes, groups and cut-offs (and where), and each attribute's
    largest TPR gap over the cut-offs, by the fairness audit's definitions."""
    frame = pd.DataFrame({"person_id": person_id, "score": scores, "bad": bad})
    return audit_figures(fairness.audit(frame, protected))


def audit_figures(audit: dict[str, Any]) -> dict[str, Any]:
    """:func:`fairness_figures` of an audit already run (its drivers, if any, unused)."""
    lowest: dict[str, Any] = {"min_air": None, "where": None}
    gaps: dict[str, float | None] = {}
    for attribute, section in audit["attributes"].items():
        for group in section["groups"]:
            for t, air in group["air"].items():
                if lowest["min_air"] is None or air < lowest["min_air"]:
                    lowest = {
                        "min_air": air,
                        "where": {
                            "attribute": attribute,
                            "group": group["group"],
                            "threshold": int(t),
                        },
                    }
        present = [v for v in section["max_tpr_gap"].values() if v is not None]
        gaps[attribute] = max(present) if present else None
    return {**lowest, "max_tpr_gap": gaps}


def flagged(
    champion_auc: float,
    champion_min_air: float | None,
    auc: float | None,
    min_air: float | None,
    auc_tolerance: float = AUC_TOLERANCE,
    air_gain: float = AIR_GAIN,
) -> bool:
    """An alternative within ``auc_tolerance`` of the champion's AUC whose lowest AIR is
    at least ``air_gain`` higher (both bounds inclusive)."""
    if auc is None or min_air is None or champion_min_air is None:
        return False
    return bool(
        auc >= champion_auc - auc_tolerance - _EPS and min_air >= champion_min_air + air_gain - _EPS
    )


def _judge(
    alternative: Alternative,
    base: Scorecard,
    dictionary: DataDictionary,
    X_dev: pd.DataFrame,
    y_dev: np.ndarray,
    X_val: pd.DataFrame,
    y_val: np.ndarray,
    person_id: np.ndarray,
    protected: pd.DataFrame,
    champion: dict[str, Any],
    champion_scores: np.ndarray,
    champion_features: set[str],
) -> dict[str, Any]:
    """One alternative refitted on the development sample, judged on the validation one."""
    row: dict[str, Any] = {
        "name": alternative.name,
        "kind": alternative.kind,
        "left_out": list(alternative.exclude),
        "caps": alternative.caps,
        "quantile": alternative.quantile,
    }
    try:
        refit = Scorecard(**{**base.get_params(deep=False),
                             "exclude": list(alternative.exclude)})
        refit.fit(apply_caps(X_dev, alternative.caps, dictionary), y_dev)
    except (InputError, ConfigError) as error:
        return {**row, "error": str(error), "flagged": False}
    scores = refit.score(apply_caps(X_val, alternative.caps, dictionary))
    names = set(refit.feature_names_)
    figures = fairness_figures(person_id, scores, y_val, protected)
    auc = metrics.auc(y_val, scores)
    row.update(
        {
            "features": len(names),
            "added": sorted(names - champion_features),
            "dropped": sorted(champion_features - names - set(alternative.exclude)),
            "auc": auc,
            "auc_change": auc - champion["auc"],
            **figures,
            "min_air_change": (
                figures["min_air"] - champion["min_air"]
                if figures["min_air"] is not None and champion["min_air"] is not None
                else None
            ),
            "flagged": alternative.kind != "reference"
            and flagged(champion["auc"], champion["min_air"], auc, figures["min_air"]),
        }
    )
    if alternative.kind == "reference":
        row["reproduces_champion"] = bool(np.array_equal(scores, champion_scores))
    return row


def search(
    model: Scorecard,
    document: dict[str, Any],
    development: tuple[pd.DataFrame, np.ndarray],
    validation: tuple[pd.DataFrame, np.ndarray],
    protected: pd.DataFrame,
    base: Scorecard | None = None,
    judged_on: str = "out_of_time",
    champion_scores: np.ndarray | None = None,
    champion_audit: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Refit every alternative on ``development`` and judge it on ``validation`` (each
    a table with person_id and the features, and the outcomes, 1 = bad).
    ``champion_scores`` and ``champion_audit``: the champion's scores of ``validation``
    and their fairness audit, when the caller has them already."""
    started = time.perf_counter()
    base = base or template(model, document)
    dictionary = base.dictionary or DataDictionary()
    X_dev = development[0].drop(columns=["person_id"], errors="ignore")
    y_dev = development[1]
    X_val_ids, y_val = validation
    person_id = X_val_ids["person_id"].astype(str).to_numpy()
    X_val = X_val_ids.drop(columns=["person_id"])

    if champion_scores is None:
        champion_scores = model.score(X_val)
    champion = {
        "auc": metrics.auc(y_val, champion_scores),
        "features": len(model.features_),
        **(
            fairness_figures(person_id, champion_scores, y_val, protected)
            if champion_audit is None
            else audit_figures(champion_audit)
        ),
    }
    champion_features = set(model.feature_names_)
    # Each refit takes its threads from credo.threads like every fit: one on a small
    # sample or a busy machine, where two took three to seven times as long.
    rows = [
        _judge(
            alternative,
            base,
            dictionary,
            X_dev,
            y_dev,
            X_val,
            y_val,
            person_id,
            protected,
            champion,
            champion_scores,
            champion_features,
        )
        for alternative in alternatives(model, X_dev, dictionary)
    ]
    return {
        "judged_on": judged_on,
        "rule": (
            f"Flagged when the AUC is within {AUC_TOLERANCE} of the champion's and the "
            f"lowest adverse impact ratio at least {AIR_GAIN} higher"
        ),
        "auc_tolerance": AUC_TOLERANCE,
        "air_gain": AIR_GAIN,
        "settings": base.fit_parameters(),
        "caps": {
            "dimension": CAP_DIMENSION,
            "trend": "descending",
            "features": cap_features(X_dev, dictionary),
            "quantiles": list(CAP_QUANTILES),
        },
        "champion": champion,
        "alternatives": rows,
        "flagged": sum(1 for r in rows if r["flagged"]),
        "seconds": time.perf_counter() - started,
    }
