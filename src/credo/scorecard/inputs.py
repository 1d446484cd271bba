"""Checks on the table and the settings handed to the scorecard, with errors that name
the column or the setting."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np
import pandas as pd

from credo.errors import ConfigError, InputError

_NUMERIC_SHARE = 0.95  # a text column whose values are (almost) all numbers is numeric


def check_frame(X: object, what: str = "data") -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise InputError(f"{what} must be a table (pandas DataFrame), got {type(X).__name__}")
    if X.shape[0] == 0:
        raise InputError(f"{what} has no rows: supply at least one row")
    if X.columns.duplicated().any():
        duplicated = sorted({str(c) for c in X.columns[X.columns.duplicated()]})
        raise InputError(f"{what} has duplicated column names {duplicated}: rename them")
    return X


def check_target(y: object, n_rows: int, name: str = "target") -> np.ndarray:
    """The target as uint8 (1 = bad), with both classes present."""
    series = pd.Series(np.asarray(y)) if not isinstance(y, pd.Series) else y
    if len(series) != n_rows:
        raise InputError(f"{name} has {len(series)} values but the data has {n_rows} rows")
    if series.isna().any():
        position = int(np.flatnonzero(series.isna().to_numpy())[0])
        raise InputError(
            f"{name} is missing on row {position + 1}: every training row needs an outcome"
        )
    values = set(pd.unique(series).tolist())
    if not values <= {0, 1}:
        shown = sorted(map(str, values))[:5]
        raise InputError(
            f"{name} must be binary (0 = good, 1 = bad); found values {shown}: map the "
            "outcome to 0/1 or name the bad value (--bad VALUE)"
        )
    target = series.to_numpy().astype(np.uint8)
    if target.min() == target.max():
        only = "bad" if target[0] else "good"
        raise InputError(
            f"{name} holds only {only} outcomes: a scorecard needs both good and bad rows"
        )
    return target


def looks_numeric(column: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(column.dtype):
        return True
    if pd.api.types.is_numeric_dtype(column.dtype):
        return True
    if isinstance(column.dtype, pd.CategoricalDtype):
        return False
    present = column.dropna()
    if present.empty:
        return False
    sample = present.iloc[:10_000]
    parsed = pd.to_numeric(sample, errors="coerce")
    return bool(parsed.notna().mean() >= _NUMERIC_SHARE)


def feature_kinds(
    X: pd.DataFrame, columns: Iterable[str], categorical: Iterable[str] = ()
) -> dict[str, str]:
    """'numeric' or 'categorical' for each column (declared categorical wins)."""
    declared = set(categorical)
    return {
        c: "categorical" if c in declared or not looks_numeric(X[c]) else "numeric"
        for c in columns
    }


def require_columns(X: pd.DataFrame, columns: Iterable[str], what: str = "data") -> None:
    missing = [c for c in columns if c not in X.columns]
    if missing:
        raise InputError(
            f"{what} lacks the column(s) {missing} that the model needs: supply them "
            "(a column may be empty for missing values)"
        )


def check_finite(
    name: str, value: object, *, above: float, inclusive: bool = True,
    what: str = "a finite number",
) -> None:
    """Refuse, by name, a setting that is not a finite real number above ``above`` (or
    at it, when ``inclusive``); a bool is not a number here."""
    fine = (
        not isinstance(value, bool)
        and isinstance(value, numbers.Real)
        and math.isfinite(value)
        and (value >= above if inclusive else value > above)
    )
    if not fine:
        raise ConfigError(
            f"{name} must be {what} {'>=' if inclusive else '>'} {above:g}, got {value!r}"
        )
