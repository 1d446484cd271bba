"""Render a scorecard as SQL: one CASE expression per feature, summed and clipped.

The query runs unchanged on DuckDB, SQLite and PostgreSQL. Missing values are SQL NULLs
(load NaN as NULL); categories the model never saw score like missing values, as they do
in memory. Numbers are written in scientific notation with the shortest digits that
round-trip, so every engine compares against exactly the same doubles.
"""

from __future__ import annotations

import numpy as np

from credo.scorecard.binning import FeatureBinning
from credo.scorecard.model import Scorecard


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _number(value: float) -> str:
    return np.format_float_scientific(value, unique=True)


def feature_points_sql(binning: FeatureBinning) -> str:
    column = quote_identifier(binning.name)
    bins = binning.bins
    missing = bins[-1].points
    cases = [f"WHEN {column} IS NULL THEN {missing}"]
    if binning.dtype == "numeric":
        for b in bins:
            if b.kind == "special":
                cases.append(f"WHEN {column} = {_number(b.special_value)} THEN {b.points}")
        intervals = [b for b in bins if b.kind == "interval"]
        for b in intervals[:-1]:
            cases.append(f"WHEN {column} < {_number(b.upper)} THEN {b.points}")
        otherwise = intervals[-1].points
    else:
        for b in bins:
            if b.kind == "categories":
                members = ", ".join(quote_text(c) for c in b.categories or ())
                cases.append(
                    f"WHEN CAST({column} AS VARCHAR(4000)) IN ({members}) THEN {b.points}"
                )
        otherwise = missing
    body = "\n      ".join(cases)
    return f"CASE\n      {body}\n      ELSE {otherwise}\n    END"


def to_sql(model: Scorecard, table: str, id_column: str | None = None) -> str:
    """A SELECT returning the id (if given), each feature's points and the score."""
    model._check_fitted()
    low, high = model.scaling_.score_min, model.scaling_.score_max
    selects = [] if id_column is None else [quote_identifier(id_column)]
    point_columns = []
    for f in model.features_:
        alias = quote_identifier(f"points_{f.name}")
        selects.append(f"{feature_points_sql(f.binning)} AS {alias}")
        point_columns.append(alias)
    total = " + ".join(point_columns)
    inner = ",\n    ".join(selects)
    outer = [quote_identifier(id_column)] if id_column else []
    outer += point_columns
    outer.append(
        f"CASE WHEN {total} < {low} THEN {low} WHEN {total} > {high} THEN {high} "
        f"ELSE {total} END AS score"
    )
    return (
        "SELECT\n  " + ",\n  ".join(outer) + "\nFROM (\n  SELECT\n    " + inner
        + f"\n  FROM {quote_identifier(table)}\n) AS points"
    )
