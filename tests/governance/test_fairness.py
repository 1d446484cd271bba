"""The fairness figures on a hand-made example."""

from __future__ import annotations

import pandas as pd
import pytest

from credo.governance import fairness


def example() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    ids = [f"P{k}" for k in range(8)]
    scores = pd.DataFrame({
        "person_id": ids,
        "score": [700, 650, 600, 500, 720, 560, 540, 500],
        "bad": [0, 0, 1, 0, 0, 1, 0, 0],
    })
    protected = pd.DataFrame({"person_id": ids, "sex": ["A"] * 4 + ["B"] * 4})
    points = pd.DataFrame({"person_id": ids, "f1": [10] * 4 + [4] * 4, "f2": [5] * 4 + [6] * 4})
    return scores, protected, points


def test_approval_air_and_tpr_by_hand() -> None:
    scores, protected, points = example()
    result = fairness.audit(scores, protected, points, attributes=("sex",))
    sex = result["attributes"]["sex"]
    a, b = sex["groups"]
    assert (a["group"], b["group"]) == ("A", "B")
    assert a["approval"] == {"550": 0.75, "600": 0.75, "650": 0.5, "700": 0.25}
    assert b["approval"] == {"550": 0.5, "600": 0.25, "650": 0.25, "700": 0.25}
    # AIR against the most-approved group (A at 550-650; a tie at 700).
    assert b["air"]["600"] == pytest.approx(1 / 3)
    assert b["air"]["550"] == pytest.approx(2 / 3)
    assert b["air"]["700"] == pytest.approx(1.0)
    flagged = {(f["group"], f["threshold"]) for f in sex["flags"]}
    assert flagged == {("B", 550), ("B", 600), ("B", 650)}
    # TPR: approved among the truly good. A's goods score 700, 650, 500; B's 720, 540, 500.
    assert a["tpr"]["600"] == pytest.approx(2 / 3)
    assert b["tpr"]["600"] == pytest.approx(1 / 3)
    assert b["tpr_difference"]["600"] == pytest.approx(-1 / 3)
    assert sex["max_tpr_gap"]["600"] == pytest.approx(1 / 3)
    assert a["bad_rate"] == 0.25
    # What drives the gap: B scores lower because of f1; f2 offsets a little.
    drivers = sex["drivers"]
    assert (drivers["group"], drivers["reference"]) == ("B", "A")
    assert drivers["features"] == [{"feature": "f1", "points_gap": -6.0}]
    assert drivers["offsetting"] == [{"feature": "f2", "points_gap": 1.0}]
    assert drivers["score_gap"] == pytest.approx(580 - 612.5)


def test_equal_groups_are_not_flagged() -> None:
    scores, protected, _ = example()
    protected["sex"] = ["A", "B"] * 4
    scores["score"] = [700, 700, 600, 600, 650, 650, 500, 500]
    result = fairness.audit(scores, protected, attributes=("sex",))
    assert result["attributes"]["sex"]["flags"] == []
    assert all(v == 1.0 for v in result["attributes"]["sex"]["min_air"].values())


def test_the_reports_gaps_are_whole_points_rounded_as_the_scorecard_rounds() -> None:
    from credo.governance.report import _fairness_html
    from credo.scorecard.scaling import whole_points

    scores, protected, points = example()
    result = fairness.audit(scores, protected, points, attributes=("sex",))
    html = _fairness_html({**result, "sample": "development"})
    # The mean score gap is -32.5: half to even, as a bin's points, says -32.
    assert whole_points(-32.5) == round(-32.5) == -32
    assert "(mean score gap -32, points gap -5)" in html
    assert "<td>f1</td><td>-6</td>" in html and "<td>f2 (offsetting)</td><td>+1</td>" in html
    assert "<td>A</td><td>4</td><td>612</td>" in html  # a mean score of 612.5
