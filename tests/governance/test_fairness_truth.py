"""Fairness against the truth on constructed examples whose answer is known."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from credo.governance import fairness_truth


def test_truth_approves_the_lowest_true_pd_and_shares_a_tie() -> None:
    pd_ = np.array([0.2, 0.1, 0.5, 0.2, 0.2])
    assert fairness_truth.truth_approval(pd_, 2).tolist() == pytest.approx(
        [1 / 3, 1, 0, 1 / 3, 1 / 3]
    )
    assert fairness_truth.truth_approval(pd_, 0).tolist() == [0] * 5
    assert fairness_truth.truth_approval(pd_, 5).tolist() == [1] * 5
    assert fairness_truth.truth_approval(pd_, 4).sum() == pytest.approx(4)


def by_hand() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A: two safe people and a risky one the model rates well; B: three fairly safe
    people the model rates below the cut-off."""
    ids = [f"P{k}" for k in range(6)]
    scores = pd.DataFrame(
        {"person_id": ids, "score": [700, 690, 650, 560, 540, 520], "bad": [0, 0, 1, 0, 0, 0]}
    )
    protected = pd.DataFrame({"person_id": ids, "sex": ["A"] * 3 + ["B"] * 3})
    truth = pd.DataFrame(
        {"person_id": ids, "as_of": "2024-11-01", "true_pd": [0.01, 0.02, 0.30, 0.03, 0.04, 0.05]}
    )
    return scores, protected, truth


def test_excess_gaps_by_hand() -> None:
    scores, protected, truth = by_hand()
    result = fairness_truth.compare(
        scores, protected, truth, thresholds=(600,), attributes=("sex",), goal_attribute="sex"
    )
    assert result["available"] and result["people"] == 6 and result["as_of"] == "2024-11-01"
    # The model approves P0, P1, P2; the truth the three lowest PDs: P0, P1, P3.
    assert result["approval"] == {"600": 0.5}
    sex = result["attributes"]["sex"]
    assert sex["reference"] == {"600": "A"}
    a, b = sex["groups"]
    assert b["model"]["approval"]["600"] == 0 and b["truth"]["approval"]["600"] == 1 / 3
    assert a["truth"]["approval"]["600"] == pytest.approx(2 / 3)
    # Truly good: A's P0, P1 (both approved by both); B's three.
    assert b["model"]["tpr_gap"]["600"] == 1
    assert b["truth"]["tpr_gap"]["600"] == pytest.approx(2 / 3)
    assert b["excess_tpr_gap"]["600"] == pytest.approx(1 / 3)
    assert b["model"]["air"]["600"] == 0
    assert b["truth"]["air"]["600"] == pytest.approx(0.5)
    assert b["excess_air_gap"]["600"] == pytest.approx(0.5)
    assert a["excess_tpr_gap"]["600"] == 0 and a["excess_air_gap"]["600"] == 0
    summary = sex["summary"]["600"]
    assert summary["model_max_tpr_gap"] == 1
    assert summary["truth_max_tpr_gap"] == pytest.approx(2 / 3)
    assert summary["excess_max_tpr_gap"] == pytest.approx(1 / 3)
    assert (summary["model_min_air"], summary["truth_min_air"]) == (0, pytest.approx(0.5))
    assert summary["excess_air_gap"] == pytest.approx(0.5)
    assert summary["largest_excess_tpr_gap"] == pytest.approx(1 / 3)
    assert result["goal"]["met"] is False
    assert [(m["group"], m["threshold"]) for m in result["goal"]["misses"]] == [("B", 600)]


def population(n: int = 4000, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Two groups, B riskier than A; outcomes drawn from the true PD."""
    rng = np.random.default_rng(seed)
    ids = [f"P{k}" for k in range(n)]
    group = np.where(rng.random(n) < 0.5, "A", "B")
    true_pd = np.clip(rng.beta(1.2, 20, n) * np.where(group == "B", 1.6, 1.0), 0, 1)
    bad = (rng.random(n) < true_pd).astype(int)
    # A score that ranks exactly as the truth does (integer points, so with ties).
    score = np.round(950 - 2500 * true_pd).clip(350, 950).astype(int)
    scores = pd.DataFrame({"person_id": ids, "score": score, "bad": bad})
    protected = pd.DataFrame({"person_id": ids, "age_band": group})
    truth = pd.DataFrame({"person_id": ids, "true_pd": true_pd})
    return scores, protected, truth


def test_a_model_ranking_as_the_truth_has_no_excess_gap() -> None:
    scores, protected, truth = population()
    result = fairness_truth.compare(scores, protected, truth, attributes=("age_band",))
    band = result["attributes"]["age_band"]
    for t in map(str, result["thresholds"]):
        # The groups' risks differ, so the truth itself has a gap...
        assert band["summary"][t]["truth_max_tpr_gap"] > 0.01
        assert band["summary"][t]["truth_min_air"] < 0.99
        # ...and the model has exactly that gap, no more.
        for g in band["groups"]:
            assert g["excess_tpr_gap"][t] == pytest.approx(0, abs=1e-12)
            assert g["excess_air_gap"][t] == pytest.approx(0, abs=1e-12)
        assert band["summary"][t]["excess_max_tpr_gap"] == pytest.approx(0, abs=1e-12)
    assert result["goal"] == {
        "attribute": "age_band",
        "tolerance": 0.03,
        "met": True,
        "misses": [],
        "largest": pytest.approx(dict.fromkeys(map(str, result["thresholds"]), 0.0)),
    }


def test_a_model_penalising_a_group_has_a_positive_excess_and_misses_the_goal() -> None:
    scores, protected, truth = population()
    b = (protected["age_band"] == "B").to_numpy()
    scores.loc[b, "score"] -= 80
    result = fairness_truth.compare(scores, protected, truth, attributes=("age_band",))
    band = result["attributes"]["age_band"]
    for t in map(str, result["thresholds"]):
        assert band["reference"][t] == "A"
        group_b = band["groups"][1]
        assert group_b["group"] == "B"
        assert group_b["excess_tpr_gap"][t] > 0.03
        assert group_b["excess_air_gap"][t] > 0
        assert band["summary"][t]["excess_max_tpr_gap"] > 0.03
    goal = result["goal"]
    assert goal["met"] is False
    assert {(m["group"], m["threshold"]) for m in goal["misses"]} == {
        ("B", t) for t in result["thresholds"]
    }


def test_unavailable_truth_says_so() -> None:
    scores, protected, _ = by_hand()
    assert fairness_truth.compare(scores, protected, None)["available"] is False
    other = pd.DataFrame({"person_id": ["Q1"], "true_pd": [0.1]})
    unmatched = fairness_truth.compare(scores, protected, other)
    assert unmatched["available"] is False and "no person" in unmatched["reason"]


def test_read_true_pd_takes_the_month(tmp_path) -> None:
    folder = tmp_path / "true_pd" / "seed=1"
    folder.mkdir(parents=True)
    pq.write_table(
        pa.table(
            {
                "person_id": ["a", "a", "b", "b"],
                "as_of": pa.array([date(2024, 10, 1), date(2024, 11, 1)] * 2, pa.date32()),
                "true_pd": [0.1, 0.2, 0.3, 0.4],
                "bad_12m": [False, False, True, True],
            }
        ),
        folder / "part-00000.parquet",
    )
    frame = fairness_truth.read_true_pd(tmp_path / "true_pd", date(2024, 11, 1))
    assert frame.sort_values("person_id")["true_pd"].tolist() == [0.2, 0.4]
    assert set(frame["as_of"]) == {"2024-11-01"}
    assert fairness_truth.read_true_pd(tmp_path / "true_pd", date(2023, 1, 1)) is None
    assert fairness_truth.read_true_pd(tmp_path / "missing", date(2024, 11, 1)) is None
