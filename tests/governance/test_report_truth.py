"""The validation report on a small simulated population: fairness against the truth and
the search for less-discriminatory alternatives are there and well-formed."""

from __future__ import annotations

import json
import math
import re

import pytest

from credo.cli.governance import lda_lines, truth_lines
from credo.features.catalogue import data_dictionary
from credo.features.engines import open_engine
from credo.governance import lda, report
from credo.governance.fairness import ATTRIBUTES, THRESHOLDS
from credo.pipeline.training import train_on_lake
from credo.scorecard import Scorecard, artifact

from .conftest import TRAIN_AS_OF, VALIDATE_AS_OF


@pytest.fixture(scope="module")
def model_file(world, tmp_path_factory):
    """A model trained on the world's lake as ``credo train --as-of`` does, written to a
    file and not registered (the registry's own tests count its models)."""
    runner = open_engine("duckdb")
    try:
        trained = train_on_lake(
            world.settings,
            runner,
            TRAIN_AS_OF,
            VALIDATE_AS_OF,
            Scorecard(dictionary=data_dictionary(), categorical=["employment_type"]),
        )
    finally:
        runner.close()
    path = tmp_path_factory.mktemp("truth-report") / "model.json"
    artifact.save(trained.model, path, trained.metadata)
    return path


def finite(value) -> bool:
    return isinstance(value, float | int) and math.isfinite(value)


def test_report_compares_with_the_truth_and_searches_alternatives(
    world, cli, model_file, tmp_path
) -> None:
    html_path = tmp_path / "report.html"
    code, out = cli("report", "--model", model_file, "--out", html_path)
    assert code == 0, out
    twin = json.loads(html_path.with_suffix(".json").read_text())
    cuts = [str(t) for t in THRESHOLDS]

    truth = twin["fairness_truth"]
    assert truth["available"] is True
    assert truth["as_of"] == str(VALIDATE_AS_OF) and truth["sample"] == "out_of_time"
    assert truth["people"] == truth["sample_people"] == twin["data"]["out_of_time"]["rows"]
    assert 0 < truth["mean_true_pd"] < 1
    assert set(truth["attributes"]) == set(ATTRIBUTES)
    for attribute, section in truth["attributes"].items():
        groups = section["groups"]
        assert sum(g["count"] for g in groups) == truth["people"], attribute
        for t in cuts:
            assert section["reference"][t] in {g["group"] for g in groups}
            # The truth approves as many people as the model at every cut-off.
            for side in ("model", "truth"):
                approved = sum(g[side]["approval"][t] * g["count"] for g in groups)
                assert approved == pytest.approx(truth["approval"][t] * truth["people"])
            for g in groups:
                model, real = g["model"], g["truth"]
                assert g["excess_tpr_gap"][t] == pytest.approx(
                    model["tpr_gap"][t] - real["tpr_gap"][t]
                )
                assert g["excess_air_gap"][t] == pytest.approx(real["air"][t] - model["air"][t])
            summary = section["summary"][t]
            assert all(finite(v) for v in summary.values()), (attribute, t, summary)
    goal = truth["goal"]
    assert goal["attribute"] == "age_band" and goal["tolerance"] == 0.03
    missed = {(m["group"], str(m["threshold"])) for m in goal["misses"]}
    assert goal["met"] == (not missed)
    for g in truth["attributes"]["age_band"]["groups"]:
        for t in cuts:
            assert (abs(g["excess_tpr_gap"][t]) > 0.03) == ((g["group"], t) in missed)

    search = twin["lda"]
    assert search["available"] is True and search["judged_on"] == "out_of_time"
    champion = search["champion"]
    assert champion["auc"] == pytest.approx(twin["performance"]["out_of_time"]["auc"])
    lowest = min(min(a["min_air"].values()) for a in twin["fairness"]["attributes"].values())
    assert champion["min_air"] == pytest.approx(lowest)
    rows = search["alternatives"]
    kinds = [r["kind"] for r in rows]
    assert kinds.count("reference") == 1 and kinds.count("cap") == len(lda.CAP_QUANTILES)
    features = [f["name"] for f in twin["features"]]
    assert sorted(r["left_out"][0] for r in rows if r["kind"] == "without") == sorted(features)
    reference = rows[kinds.index("reference")]
    assert reference["reproduces_champion"] is True and reference["auc_change"] == 0
    assert search["caps"]["features"], "the catalogue has record-length tenure features"
    for row in rows:
        assert "error" not in row, row
        assert finite(row["auc"]) and finite(row["min_air"]) and row["where"]
        assert row["flagged"] == (
            row["kind"] != "reference"
            and lda.flagged(champion["auc"], champion["min_air"], row["auc"], row["min_air"])
        )
    assert search["flagged"] == sum(r["flagged"] for r in rows)

    # The HTML shows both as tables; the CLI says how they came out.
    html = html_path.read_text()
    for heading in ("Fairness against the truth", "Less-discriminatory alternatives"):
        assert f">{heading}</h2>" in html
    assert "excess TPR gap" in html and "reproduces the champion" in html
    assert "<script" not in html.lower()
    assert f"fairness vs truth as of {VALIDATE_AS_OF}" in out
    assert (
        "goal (age_band TPR gaps within 0.03 of the truth's): "
        + ("met" if goal["met"] else f"missed at {len(missed)}")
    ) in out
    flagged = re.search(r"less-discriminatory alternatives: (\d+) of (\d+) flagged", out)
    assert flagged and flagged.groups() == (str(search["flagged"]), str(len(rows)))


def test_without_the_truth_the_sections_say_so() -> None:
    unknown = {"available": False, "reason": "no true default probability for the month"}
    assert truth_lines(unknown) == [
        "fairness vs truth: not available (no true default probability for the month)"
    ]
    unsearched = {"available": False, "reason": "no protected attributes were available"}
    assert lda_lines(unsearched) == [
        "less-discriminatory alternatives: not searched (no protected attributes were available)"
    ]
    assert "Not available: no true default probability for the month." in report._truth_html(
        unknown
    )
    assert "Not available: no protected attributes were available." in report._lda_html(unsearched)
