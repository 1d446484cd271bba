"""Benchmark credo's scorecard (run with credo's own environment, .venv).

This process also measures the scoring floor (reading the test matrix once), so
the reference and credo's scoring share the same process, memory and moment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from common import (
    Dataset,
    load_dataset,
    peak_rss_mb,
    read_reference_s,
    run_benchmark,
    time_scoring,
)


def fit(ds: Dataset, **params: Any) -> Any:
    from credo.policy.protected import looks_protected
    from credo.scorecard import Scorecard
    from credo.scorecard.parameters import estimator_parameters

    # Product defaults unless the orchestrator passes --credo-params (then reported).
    # The peers see every column, so credo does too: this compares engines on the same
    # inputs. (As a product, credo leaves columns named like protected attributes, such
    # as the synthetic table's "age", out unless allowed, as here.)
    params.setdefault("allow_protected", [c for c in ds.X_train.columns
                                          if looks_protected(str(c))])
    # Binning options may be given by their own names ({"min_bin_share": 0.05}).
    sc = Scorecard(**estimator_parameters(params))
    sc.fit(ds.X_train, ds.y_train)
    return sc


def score(model: Any, X: pd.DataFrame) -> np.ndarray:
    return model.score(X)  # the integer 350-950 score the product serves


def proba(model: Any, X: pd.DataFrame) -> np.ndarray:
    return model.predict_proba(X)[:, 1]


def compile_kernels(ds: Dataset) -> None:
    """Fit and score a small head of the data: credo's compiled loops are built on first
    use and cached on disk, so only a fresh installation pays this, once."""
    head = slice(0, 2_000)  # all of a smaller table
    model = fit(Dataset(ds.name, ds.X_all, ds.y_all, ds.X_train[head], ds.y_train[head],
                        ds.X_test[head], ds.y_test[head], ds.categorical))
    model.score(ds.X_test[head])


def text_form(model: Any, ds: Dataset) -> dict[str, Any]:
    """Scoring speed when the text columns arrive as plain strings instead."""
    X = ds.X_test.copy()
    for c in ds.categorical:
        X[c] = X[c].astype("str").where(X[c].notna())
    if not np.array_equal(model.score(X), model.score(ds.X_test)):
        raise AssertionError("scores differ between text and dictionary-encoded input")
    t, _, _ = time_scoring(lambda: model.score(X), 5)
    return {"score_rows_per_s_text": len(X) / t}


def reference_only(data: Path) -> None:
    """Emit just the read reference when the engine is not importable."""
    ds = load_dataset(data, dictionary_text=True)
    print(json.dumps({"library": "reference", "dataset": data.stem,
                      "read_s": read_reference_s(ds.X_test), "n_test": len(ds.X_test),
                      "read_columns": ds.X_test.shape[1],
                      "peak_rss_mb": peak_rss_mb()}), flush=True)


if __name__ == "__main__":
    import sys

    if "--reference-only" in sys.argv:
        sys.argv.remove("--reference-only")
        reference_only(Path(sys.argv[sys.argv.index("--data") + 1]))
        raise SystemExit(0)

    import credo
    import credo.scorecard  # imported before timing, as every peer runner does

    run_benchmark(
        "credo",
        getattr(credo, "__version__", "dev"),
        fit,
        score,
        proba,
        higher_score_is_safer=True,
        notes=["defaults; headline AUC/KS from the integer score; text columns read "
               "dictionary-encoded from Parquet (pandas Categorical)"],
        read_reference=lambda model: model.feature_names_,
        dictionary_text=True,
        more=text_form,
        warm_up=compile_kernels,
    )
