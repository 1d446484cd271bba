"""Stability indices and their thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credo.governance import monitoring


def test_csi_is_zero_for_the_same_sample_and_counts_missing_values() -> None:
    rng = np.random.default_rng(0)
    values = pd.Series(rng.normal(size=5000))
    assert monitoring.csi(values, values) == pytest.approx(0.0, abs=1e-12)
    # Half the values stop being reported: a shift, though the known ones look the same.
    gone = values.copy()
    gone[::2] = np.nan
    assert monitoring.csi(values, gone) > 0.25
    colours = pd.Series(["red"] * 50 + ["blue"] * 50)
    assert monitoring.csi(colours, colours) == pytest.approx(0.0, abs=1e-12)
    assert monitoring.csi(colours, pd.Series(["red"] * 95 + ["blue"] * 5)) > 0.25


def test_stability_status_takes_the_worst_flag() -> None:
    rng = np.random.default_rng(1)
    base = pd.DataFrame({"person_id": range(4000), "a": rng.normal(size=4000),
                         "b": rng.normal(size=4000)})
    same = base.copy()
    same["a"] = rng.normal(size=4000)
    scores = rng.integers(350, 950, size=4000)
    report = monitoring.stability(base, same, scores, rng.permutation(scores))
    assert report.status == "stable" and {f["feature"] for f in report.features} == {"a", "b"}
    moved = base.copy()
    moved["b"] = moved["b"] + 1.5
    report = monitoring.stability(base, moved, scores, scores)
    assert report.status == "act" and report.features[0]["feature"] == "b"
    assert report.to_dict()["thresholds"] == {"watch": 0.10, "act": 0.25}
