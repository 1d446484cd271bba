"""The search for less-discriminatory alternatives: the flagging rule, the tenure caps,
and a search on a constructed population where one feature is a proxy for a group."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from credo.dictionary import DataDictionary, FeatureInfo
from credo.governance import lda
from credo.scorecard import Scorecard


@pytest.mark.parametrize(
    ("auc", "min_air", "expected"),
    [
        (0.795, 0.75, True),  # both bounds met exactly
        (0.82, 0.90, True),  # better on both
        (0.7949, 0.90, False),  # loses more than 0.005 AUC
        (0.80, 0.7499, False),  # gains less than 0.05 AIR
        (0.80, 0.65, False),  # worse AIR
        (None, 0.90, False),  # the refit failed
        (0.80, None, False),
    ],
)
def test_flagging_rule(auc, min_air, expected) -> None:
    assert lda.flagged(0.80, 0.70, auc, min_air) is expected


def test_flagging_rule_takes_its_bounds() -> None:
    assert lda.flagged(0.80, 0.70, 0.79, 0.72, auc_tolerance=0.01, air_gain=0.02)
    assert not lda.flagged(0.80, 0.70, 0.79, 0.72)
    assert not lda.flagged(0.80, None, 0.80, 0.90)


DICTIONARY = DataDictionary(
    features={
        "signal": FeatureInfo(dimension="behaviour", trend="descending"),
        "echo": FeatureInfo(dimension="behaviour", trend="descending"),
        "record_days": FeatureInfo(dimension="tenure", trend="descending", special_values=(-1.0,)),
        "accounts": FeatureInfo(dimension="tenure", trend=None),
    }
)


def test_caps_clip_plain_values_at_an_observed_quantile() -> None:
    X = pd.DataFrame(
        {"record_days": [1, 2, 3, 4, 100, np.nan, -1], "accounts": [1] * 7, "signal": [0.5] * 7}
    )
    assert lda.cap_features(X, DICTIONARY) == ["record_days"]
    caps = lda.cap_values(X, ["record_days"], DICTIONARY, 0.5)
    assert caps == {"record_days": 3.0}
    capped = lda.apply_caps(X, caps, DICTIONARY)["record_days"].tolist()
    assert capped[:5] == [1, 2, 3, 3, 3] and np.isnan(capped[5]) and capped[6] == -1
    assert X["record_days"].tolist()[4] == 100  # the input is left as it was


def population(n: int, seed: int, prefix: str) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Risk seen twice, by 'signal' and 'echo'; 'record_days' mostly tells the groups
    apart (A has the longer record) and says little about risk."""
    rng = np.random.default_rng(seed)
    group = np.where(rng.random(n) < 0.5, "A", "B")
    risk = rng.normal(size=n)
    bad = (rng.random(n) < 1 / (1 + np.exp(2.2 - 1.3 * risk))).astype(np.uint8)
    ids = [f"{prefix}{k}" for k in range(n)]
    X = pd.DataFrame(
        {
            "person_id": ids,
            "signal": -risk + rng.normal(0, 0.4, n),
            "echo": -risk + rng.normal(0, 0.4, n),
            "record_days": np.round(
                1000 + 400 * (group == "A") + 300 * rng.normal(size=n) - 50 * risk
            ),
        }
    )
    return X, bad, pd.DataFrame({"person_id": ids, "age_band": group})


def test_search_flags_leaving_out_a_group_proxy() -> None:
    X_dev, y_dev, p_dev = population(6000, 1, "D")
    X_val, y_val, p_val = population(6000, 2, "V")
    base = Scorecard(dictionary=DICTIONARY)
    model = Scorecard(**base.get_params()).fit(X_dev.drop(columns="person_id"), y_dev)
    assert set(model.feature_names_) == {"signal", "echo", "record_days"}
    result = lda.search(
        model, {}, (X_dev, y_dev), (X_val, y_val), pd.concat([p_dev, p_val]), base=base
    )
    rows = {r["name"]: r for r in result["alternatives"]}
    assert set(rows) == {
        "refit, nothing changed",
        "without signal",
        "without echo",
        "without record_days",
        *(f"tenure capped at the {q}th percentile" for q in (25, 50, 75)),
    }
    assert rows["refit, nothing changed"]["reproduces_champion"] is True
    assert rows["refit, nothing changed"]["auc_change"] == 0
    assert result["caps"]["features"] == ["record_days"]
    champion = result["champion"]
    assert champion["where"]["group"] == "B"
    # The proxy costs little AUC and much AIR: leaving it out is a flagged alternative.
    without = rows["without record_days"]
    assert without["flagged"] and without["left_out"] == ["record_days"]
    assert without["auc_change"] > -lda.AUC_TOLERANCE
    assert without["min_air_change"] >= lda.AIR_GAIN
    # Risk itself is not a proxy: leaving it out loses AUC and is not flagged.
    assert not rows["without signal"]["flagged"]
    assert rows["without signal"]["auc_change"] < -lda.AUC_TOLERANCE
    for row in result["alternatives"]:
        assert row["flagged"] == (
            row["kind"] != "reference"
            and lda.flagged(champion["auc"], champion["min_air"], row["auc"], row["min_air"])
        )
    assert result["flagged"] == sum(r["flagged"] for r in result["alternatives"])
    capped = rows["tenure capped at the 25th percentile"]
    assert set(capped["caps"]) == {"record_days"}
    assert capped["caps"]["record_days"] == pytest.approx(
        np.quantile(X_dev["record_days"], 0.25, method="lower")
    )


def test_a_cap_at_the_lowest_value_leaves_the_feature_out() -> None:
    champion = SimpleNamespace(feature_names_=["signal", "record_days"])
    X = pd.DataFrame({"record_days": [0, 0, 0, 5, 7, 9], "signal": [1, 2, 3, 4, 5, 6]})
    found = {a.name: a for a in lda.alternatives(champion, X, DICTIONARY)}
    assert [a.kind for a in found.values()] == [
        "reference",
        "cap",
        "cap",
        "cap",
        "without",
        "without",
    ]
    quarter = found["tenure capped at the 25th percentile"]
    assert (quarter.exclude, quarter.caps) == (("record_days",), {})
    top = found["tenure capped at the 75th percentile"]
    assert (top.exclude, top.caps) == ((), {"record_days": 5.0})
    assert found["without signal"].exclude == ("signal",)
