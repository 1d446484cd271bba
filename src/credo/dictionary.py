"""The data dictionary: what each column means, read by the features and the scorecard.

It sits below both (the feature catalogue declares itself as one; the scorecard fits
and explains with one), so that neither has to import the other.

For every feature: its dimension (one of the five), plain words for reason codes, the
default-rate trend the business expects, declared special values; and which columns are
protected attributes, kept out of the model and used only to audit fairness.

A dictionary is a JSON file::

    {"features": {"duration_in_month": {"dimension": "fulfilment_capacity",
                                        "description": "Duration of the loan in months",
                                        "trend": "ascending", "special_values": [-1]},
                  "bankruptcies": {"dimension": "credit_history", "severe": true}},
     "protected": ["age_in_years"]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from credo.errors import InputError

# The default-rate trends a feature may follow as its value grows ("ascending": more is
# riskier); "auto" lets the binning choose the shape, "auto_monotone" a rising or
# falling one.
TRENDS: tuple[str, ...] = ("auto", "auto_monotone", "ascending", "descending", "peak", "valley")

DIMENSIONS: tuple[str, ...] = (
    "credit_history",
    "fulfilment_capacity",
    "behaviour",
    "identity",
    "tenure",
)
DIMENSION_TITLES = {
    "credit_history": "Credit history",
    "fulfilment_capacity": "Fulfilment capacity",
    "behaviour": "Behaviour",
    "identity": "Identity",
    "tenure": "Tenure",
}
# What each dimension measures, in words a person reads beside their sub-scores.
DIMENSION_MEANINGS = {
    "credit_history": "How you have paid: bills and instalments on time or late, unpaid "
                      "bills, write-offs and court records.",
    "fulfilment_capacity": "Your room to pay: income received, what you owe and how much of "
                           "your card limits you use, against that income.",
    "behaviour": "How you use credit: how often you open new accounts and how regular your "
                 "income is from month to month.",
    "identity": "How well your identity is established: a verified document, verified "
                "employment, and time with the same phone number and address.",
    "tenure": "The depth of your record: how long your accounts have been open and how many "
              "kinds of account report for you.",
}
DEFAULT_DIMENSION = "behaviour"


@dataclass(frozen=True)
class FeatureInfo:
    dimension: str = DEFAULT_DIMENSION
    description: str = ""
    trend: str | None = None
    special_values: tuple[float, ...] = ()
    # A count of severe derogatory events (bankruptcies, judgments, write-offs): always
    # scored, whatever the sample (see credo.scorecard.severe).
    severe: bool = False


@dataclass(frozen=True)
class DataDictionary:
    features: dict[str, FeatureInfo] = field(default_factory=dict)
    protected: frozenset[str] = frozenset()

    def info(self, name: str) -> FeatureInfo:
        return self.features.get(name, FeatureInfo(description=name.replace("_", " ")))

    @classmethod
    def from_dict(cls, raw: object, source: str = "dictionary") -> DataDictionary:
        if not isinstance(raw, dict):
            raise InputError(f"{source}: expected a JSON object with 'features' and 'protected'")
        unknown = set(raw) - {"features", "protected", "description", "source"}
        if unknown:
            raise InputError(f"{source}: unknown keys {sorted(unknown)}")
        features_raw = raw.get("features", {})
        if not isinstance(features_raw, dict):
            raise InputError(f"{source}: 'features' must be an object keyed by column name")
        features = {}
        for name, spec in features_raw.items():
            features[name] = _feature_info(name, spec, source)
        protected = raw.get("protected", [])
        if not isinstance(protected, list) or not all(isinstance(p, str) for p in protected):
            raise InputError(f"{source}: 'protected' must be a list of column names")
        clash = set(protected) & set(features)
        if clash:
            raise InputError(
                f"{source}: {sorted(clash)} are declared both protected and features; "
                "a protected attribute can never be a model input"
            )
        return cls(features=features, protected=frozenset(protected))

    @classmethod
    def load(cls, path: str | Path) -> DataDictionary:
        path = Path(path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"dictionary file {str(path)!r} does not exist") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise InputError(f"dictionary file {str(path)!r} is not valid JSON: {error}") from None
        except OSError as error:
            raise InputError(
                f"dictionary file {str(path)!r} cannot be read: {error.strerror or error}"
            ) from None
        return cls.from_dict(raw, source=str(path))


def _feature_info(name: str, spec: object, source: str) -> FeatureInfo:
    where = f"{source}: feature {name!r}"
    if not isinstance(spec, dict):
        raise InputError(f"{where} must be an object")
    dimension = spec.get("dimension", DEFAULT_DIMENSION)
    if dimension not in DIMENSIONS:
        raise InputError(f"{where}: dimension {dimension!r} is not one of {', '.join(DIMENSIONS)}")
    trend = spec.get("trend")
    if trend is not None and trend not in TRENDS:
        raise InputError(f"{where}: trend {trend!r} is not one of {', '.join(TRENDS)}")
    specials = spec.get("special_values", [])
    if not isinstance(specials, list) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in specials
    ):
        raise InputError(f"{where}: special_values must be a list of numbers")
    severe = spec.get("severe", False)
    if not isinstance(severe, bool):
        raise InputError(f"{where}: severe must be true or false")
    description = spec.get("description", name.replace("_", " "))
    if not isinstance(description, str):
        raise InputError(f"{where}: description must be text")
    return FeatureInfo(
        dimension=dimension,
        description=description,
        trend=trend,
        special_values=tuple(float(v) for v in specials),
        severe=severe,
    )
