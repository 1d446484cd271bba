"""Train, run and report on lakes made by another process: whole record families missing,
another reporting lag. Nothing may fail; what cannot be learned is left out, on record."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from credo.config import Settings
from credo.data.lake import Lake
from credo.simulate.population import SimConfig, simulate
from tests.cli import invoke

from .conftest import RUN_AS_OF, TRAIN_AS_OF, VALIDATE_AS_OF

SPARSE = ("transactions", "public-records", "mortgages", "employment-checks", "charge-offs")


@pytest.fixture(scope="module", params=[(SPARSE, 60), (("salary-tags", "bnpl"), 50)],
                ids=["no-transactions-or-courts", "no-salary-tags-or-bnpl"])
def lake_home(request, tmp_path_factory):
    without, lag = request.param
    home = tmp_path_factory.mktemp("other-lake")
    settings = Settings(home=home)
    simulate(SimConfig(people=1500, months=30, seed=23, bad_share=0.0, without=without,
                       reporting_lag_days=lag), Lake(settings.lake), settings.truth)
    return home


def test_train_run_and_report_on_a_lake_missing_record_families(lake_home, capsys,
                                                                monkeypatch):
    monkeypatch.setenv("CREDO_HOME", str(lake_home))
    monkeypatch.delenv("CREDO_DATABASE_URL", raising=False)
    monkeypatch.delenv("CREDO_LAKE", raising=False)

    def credo(*args):
        code, out, err = invoke(monkeypatch, capsys, *args)
        assert code == 0, err
        return out

    out = credo("train", "--as-of", TRAIN_AS_OF, "--validate-as-of", VALIDATE_AS_OF)
    assert "constant (0) in the training sample" in out or "empty in the training" in out
    model = json.loads((lake_home / "models" / "champion.json").read_text())
    selected = [f["name"] for f in model["features"]]
    # the severe derogatories count even where the lake holds none
    assert {"bankruptcies", "judgments_24m"} <= set(selected)
    out = credo("run", "--as-of", RUN_AS_OF)
    scores = pq.read_table(lake_home / "scores" / f"as_of={RUN_AS_OF}" / "scores.parquet")
    assert scores.num_rows > 1000
    report = lake_home / "report.html"
    credo("report", "--out", report)
    document = json.loads(report.with_suffix(".json").read_text())
    left_out = {e["feature"] for e in document["selection"]["left_out"]}
    assert left_out, "features the lake cannot support are listed as left out"
    assert document["population"]["development"]["at_risk"] > 1000


@pytest.mark.parametrize(("args", "message"), [
    (["--dictionary", "d.json"], "--dictionary is for training on a table, not with --as-of"),
    (["--categorical", "late30_3m"], "categorical features come from the catalogue"),
    (["--allow-protected", "age"], "--allow-protected is for training on a table"),
    (["--id", "person"], "--id is for training on a table"),
    (["--exclude", "not_a_feature"], "'not_a_feature' named in an option is not in the catalogue"),
    (["--special", "nope=1"], "'nope' named in an option is not in the catalogue"),
    (["--holdout", "2"], "holdout must be a share of people from 0 to 0.9"),
    (["--holdout", "-0.1"], "holdout must be a share of people from 0 to 0.9"),
])
def test_lake_training_options_are_honoured_or_refused_by_name(tmp_path, capsys, monkeypatch,
                                                               args, message):
    monkeypatch.setenv("CREDO_HOME", str(tmp_path))
    code, _, err = invoke(monkeypatch, capsys, "train", "--as-of", TRAIN_AS_OF, *args)
    assert code == 2 and message in err and "Traceback" not in err, err


def test_excluded_and_special_features_reach_the_lake_model(lake_home, capsys, monkeypatch):
    monkeypatch.setenv("CREDO_HOME", str(lake_home))
    out = lake_home / "excluded.json"
    code, _, err = invoke(monkeypatch, capsys, "train", "--as-of", TRAIN_AS_OF,
                          "--validate-as-of", VALIDATE_AS_OF, "--exclude", "on_time_share_12m",
                          "--special", "days_since_late30=0", "--holdout", "0.5", "--out", out)
    assert code == 0, err
    document = json.loads(out.read_text())
    assert "on_time_share_12m" not in {e["feature"] for e in document["selection"]}
    assert document["metadata"]["validation_split"]["holdout"] == 0.5
    candidate = next(c for c in document["candidates"] if c["name"] == "days_since_late30")
    assert any(b.get("special_value") == 0 for b in candidate["bins"])
