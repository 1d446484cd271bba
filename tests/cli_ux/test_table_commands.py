"""The table commands' script-facing output: --json, scores on stdout, the HTML report of
a table-trained model, and the data file given where the model goes."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from credo.cli.schemas import ExplanationOut, ReportOut, TrainingOut
from credo.policy.bands import BAND_NAMES
from tests.cli import invoke


@pytest.fixture
def run(capsys, monkeypatch):
    return lambda *args: invoke(monkeypatch, capsys, *args)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    folder = tmp_path_factory.mktemp("example")
    credo = [sys.executable, "-m", "credo"]
    subprocess.run([*credo, "example", "german-credit", "--out", str(folder)], check=True,
                   capture_output=True)
    model = folder / "model.json"
    trained = subprocess.run(
        [*credo, "train", str(folder / "german_credit.csv"), "--target", "creditability",
         "--out", str(model), "--id", "applicant_id",
         "--dictionary", str(folder / "german_credit.json"), "--json"],
        check=True, capture_output=True, text=True,
    )
    return folder / "german_credit.csv", model, trained.stdout


def test_train_json_is_the_summary_alone(example) -> None:
    _, model, stdout = example
    summary = TrainingOut.model_validate_json(stdout)
    assert summary.path == str(model)
    assert summary.model_id == json.loads(model.read_text())["model_id"]
    assert "age_in_years" in summary.protected_excluded
    assert set(summary.metrics) == {"train", "holdout"}
    assert len(summary.selected) + len(summary.left_out) == summary.candidates


def test_explain_json(example, run) -> None:
    data, model, _ = example
    code, out, _ = run("explain", model, data, "--id", "A0002", "--json")
    assert code == 0
    explanation = ExplanationOut.model_validate_json(out)
    assert explanation.id == "A0002" and explanation.id_column == "applicant_id"
    assert 1 <= len(explanation.reasons) <= 4
    lost = [r.points_lost for r in explanation.reasons]
    assert lost == sorted(lost, reverse=True)
    code, text, _ = run("explain", model, data, "--id", "A0002")
    assert f"Score {explanation.score} ({explanation.band})" in text


def test_report_json_has_bands_in_band_order(example, run) -> None:
    data, model, _ = example
    code, out, _ = run("report", model, data, "--json")
    assert code == 0
    report = ReportOut.model_validate_json(out)
    assert [b.band for b in report.bands] == list(BAND_NAMES)
    assert report.rows == 1000 == sum(b.count for b in report.bands)
    assert sum(b.count for b in report.score_distribution) == 1000
    assert report.performance is not None and report.performance.auc > 0.7
    code, text, _ = run("report", model, data)
    assert f"On this data: {report.rows:,} rows" in text


def test_scores_to_standard_output(example, run) -> None:
    data, model, _ = example
    code, out, err = run("score", model, data, "--out", "-")
    assert code == 0
    scores = pd.read_csv(io.StringIO(out))
    assert len(scores) == 1000 and list(scores.columns[:3]) == ["applicant_id", "score", "band"]
    assert "scored 1,000 rows" in err


def test_data_given_as_the_model_is_named(example, run, tmp_path) -> None:
    data, model, _ = example
    code, out, err = run("score", data, model, "--out", tmp_path / "s.csv")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        f"error: {str(data)!r} is a data table, not a model file: give the model (the JSON "
        "file credo train wrote) first and the data second, e.g. credo score MODEL.json "
        "DATA.csv"]
    assert not (tmp_path / "s.csv").exists()


def test_table_model_gets_the_html_validation_report(example, run, tmp_path) -> None:
    data, model, _ = example
    out = tmp_path / "report.html"
    code, stdout, _ = run("report", model, data, "--out", out)
    assert code == 0, stdout
    page = out.read_text(encoding="utf-8")
    for section in ("Features", "Discrimination", "Calibration", "Score distribution",
                    "Challenger"):
        assert f">{section}</h2>" in page
    assert "<svg" in page and "<script" not in page and "http" not in page.split("</style>")[1]
    twin = json.loads(out.with_suffix(".json").read_text())
    # Split as in training: the holdout is the rows the model never saw.
    trained = json.loads(model.read_text())["metadata"]["metrics"]["holdout"]
    assert twin["performance"]["holdout"]["auc"] == pytest.approx(trained["auc"])
    assert twin["challenger"]["judged_on"] == "holdout"
    assert twin["features"] and all(isinstance(b["points"], int)
                                    for f in twin["features"] for b in f["bins"])
    assert "holdout: scorecard AUC" in stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--as-of", "2024-10-01"], "--as-of, --validate-as-of and --model are for the lake"),
    (["--json", "--target", "nope"], "target column 'nope' is not in"),
    (["--json", "--out", "r.html"], "the validation report's figures are in the .json file"),
])
def test_report_mistakes_are_one_line(example, run, args, message) -> None:
    data, model, _ = example
    code, out, err = run("report", model, data, *args)
    assert code == 2 and out == "" and message in err and len(err.strip().splitlines()) == 1


def test_explain_words_a_catalogue_features_money_in_the_reporting_currency(
        tmp_path, run, monkeypatch) -> None:
    # A table whose columns are the catalogue's own features: cents of the lake's currency.
    rng = np.random.default_rng(7)
    income = rng.integers(50_000, 800_000, 3000)
    bad = (rng.random(3000) < 0.6 - income / 1_600_000).astype(int)
    data = tmp_path / "people.csv"
    pd.DataFrame({"person": [f"P{k}" for k in range(3000)], "income_monthly_12m": income,
                  "bad": bad}).to_csv(data, index=False)
    model = tmp_path / "model.json"
    code, _, err = run("train", data, "--target", "bad", "--id", "person", "--out", model)
    assert code == 0, err
    poorest = f"P{int(np.argmin(income))}"
    monkeypatch.setenv("CREDO_CURRENCY", "GBP")
    code, out, _ = run("explain", model, data, "--id", poorest, "--json")
    reason, = ExplanationOut.model_validate_json(out).reasons
    assert reason.bin.startswith(("below GBP ", "from GBP ")) and " a month" in reason.bin
    assert reason.bin in reason.text
    code, text, _ = run("explain", model, data, "--id", poorest)
    assert code == 0 and f": {reason.bin} (costs {reason.points_lost} points)" in text
