"""Training on the lake, the monthly run, its snapshot, and rescoring one person."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

from credo.errors import InputError
from credo.features.engines import EngineError, SparkEngine
from credo.pipeline.rescore import rescore
from credo.pipeline.run import SNAPSHOT_COLUMNS, monthly_run, run_dir
from credo.pipeline.training import train_on_lake
from credo.scorecard import Scorecard, artifact

from .conftest import RUN_AS_OF, TRAIN_AS_OF, VALIDATE_AS_OF, World


@pytest.fixture(scope="module")
def trained(world: World, tmp_path_factory):
    from credo.features.engines import DuckDBEngine

    engine = DuckDBEngine(memory_limit="2GB")
    try:
        result = train_on_lake(world.settings, engine, TRAIN_AS_OF, VALIDATE_AS_OF)
    finally:
        engine.close()
    path = world.settings.home / "models" / "champion.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = artifact.save(result.model, path, result.metadata)
    return result, document


def test_training_validates_out_of_time(trained):
    result, document = trained
    m = document["metadata"]["metrics"]
    population = document["metadata"]["population"]
    # Developed on 70 % of the people at risk, validated a month later on the other 30 %.
    assert m["development"]["rows"] == pytest.approx(0.7 * population["development"]["at_risk"],
                                                     rel=0.1)
    assert m["out_of_time"]["rows"] == pytest.approx(0.3 * population["out_of_time"]["at_risk"],
                                                     rel=0.15)
    assert m["out_of_time"]["auc"] > 0.7
    assert document["metadata"]["as_of"] == str(TRAIN_AS_OF)
    dimensions = {f.dimension for f in result.model.features_}
    assert len(dimensions) >= 3


def test_run_writes_the_snapshot_contract_and_is_idempotent(world, trained, duckdb_engine):
    result, document = trained
    first = monthly_run(world.settings, duckdb_engine, RUN_AS_OF, result.model, document)
    assert not first.reused and first.people > 2000
    table = pq.read_table(first.path / "scores.parquet")
    assert tuple(table.column_names) == SNAPSHOT_COLUMNS
    frame = table.to_pandas()
    assert frame["score"].between(350, 950).all()
    assert (frame["run_id"] == first.run_id).all()
    reasons = json.loads(frame["reasons_json"].iloc[0])
    assert all({"feature", "description", "bin", "points_lost"} <= set(r) for r in reasons)
    again = monthly_run(world.settings, duckdb_engine, RUN_AS_OF, result.model, document)
    assert again.reused and again.run_id == first.run_id
    assert pq.read_table(first.path / "scores.parquet").equals(table)


def test_people_in_default_are_left_out_of_every_metric_and_published_at_the_floor(
    world, trained, duckdb_engine
):
    from credo.features.catalogue import IN_DEFAULT
    from credo.features.table import STATUS_COLUMN
    from credo.pipeline.tables import compute_features
    from credo.scorecard.scaling import Scaling

    result, document = trained
    population = document["metadata"]["population"]
    for name in ("development", "out_of_time"):
        month = population[name]
        assert month["in_default"] > 0, "the simulated world has defaults under way"
        assert month["at_risk"] + month["in_default"] == month["people"]
        assert document["metadata"]["metrics"][name]["rows"] < month["at_risk"]
    run = monthly_run(world.settings, duckdb_engine, RUN_AS_OF, result.model, document)
    scores = pq.read_table(run.path / "scores.parquet").to_pandas()
    status = compute_features(world.settings, duckdb_engine, RUN_AS_OF).column(STATUS_COLUMN)
    in_default = np.asarray(status.is_valid())
    assert in_default.any()
    flagged = scores[in_default]
    assert (flagged["score"] == 350).all() and (flagged["band"] == "poor").all()
    assert (flagged["reason_1"] == IN_DEFAULT).all()
    assert (scores.loc[~in_default, "reason_1"] != IN_DEFAULT).all()
    first = json.loads(flagged["reasons_json"].iloc[0])[0]
    assert first["feature"] == IN_DEFAULT and first["description"].startswith("In default")
    # One PD rule for everyone: the published mapping of the published score.
    mapped = Scaling(**document["scaling"]).probability_of_default(scores["score"].to_numpy())
    np.testing.assert_array_equal(scores["probability_of_default"].to_numpy(), mapped)


def test_no_model_input_is_refused_protected_or_the_default_status(trained):
    from credo.features.catalogue import BY_NAME
    from credo.features.table import STATUS_COLUMN
    from credo.policy.admissibility import BASES, REFUSED_FEATURES

    result, _ = trained
    candidates = {e.feature for e in result.model.selection_}
    assert candidates <= set(BY_NAME), "every candidate is a catalogue feature"
    assert not candidates & set(REFUSED_FEATURES)
    assert STATUS_COLUMN not in candidates
    assert all(BY_NAME[f.name].basis in BASES for f in result.model.features_)


def test_validation_people_are_never_development_people(world, trained):
    from credo.pipeline.split import held_out

    _, document = trained
    split = document["metadata"]["validation_split"]
    assert split == {"by": "person", "holdout": 0.3, "seed": 0}
    ids = [f"p{k}" for k in range(20_000)]
    held = held_out(ids, 0.3, 0)
    assert 0.28 < held.mean() < 0.32
    np.testing.assert_array_equal(held, held_out(ids, 0.3, 0))  # the same every month
    assert not np.array_equal(held, held_out(ids, 0.3, 1))  # another seed, other people
    assert not held_out(ids, 0.0, 0).any()


def test_interrupted_run_leaves_nothing_behind(world, trained, duckdb_engine):
    result, document = trained
    folder = run_dir(world.settings, RUN_AS_OF).parent
    leftover = folder / f".as_of={RUN_AS_OF}.tmp-deadbeef"
    leftover.mkdir(parents=True, exist_ok=True)
    (leftover / "scores.parquet").write_bytes(b"half a file")
    monthly_run(world.settings, duckdb_engine, RUN_AS_OF, result.model, document)
    assert not leftover.exists()
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []


def test_rescore_matches_the_run_for_an_unchanged_person(world, trained, duckdb_engine):
    result, document = trained
    report = monthly_run(world.settings, duckdb_engine, RUN_AS_OF, result.model, document)
    frame = pq.read_table(report.path / "scores.parquet").to_pandas().set_index("person_id")
    in_default = frame.index[frame["reason_1"] == "in_default"][:2].tolist()
    assert in_default, "the world has people in default"
    for person in [*frame.index[:3], *in_default]:
        row = rescore(person, settings=world.settings)
        assert row is not None
        for column in ("score", "band", "probability_of_default", "credit_history",
                       "reason_1", "reason_2", "reasons_json"):
            assert row[column] == (frame.loc[person, column] or None), column
        assert row["as_of"] == RUN_AS_OF
    assert rescore("nobody-at-all", settings=world.settings) is None


def test_model_with_other_features_is_refused(world, duckdb_engine):
    rng = np.random.default_rng(0)
    import pandas as pd

    X = pd.DataFrame({"shoe_size": rng.normal(40, 3, 500)})
    y = (rng.random(500) < 0.2).astype(int)
    y[:5] = 1
    other = Scorecard(min_iv=0.0).fit(X, y)
    with pytest.raises(InputError, match="shoe_size"):
        monthly_run(world.settings, duckdb_engine, RUN_AS_OF, other, {"model_id": "x"})


def test_spark_that_cannot_start_says_what_to_do(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(EngineError, match="Java"):
        SparkEngine()


def test_validation_date_must_follow_training(world, duckdb_engine):
    with pytest.raises(InputError, match="must come after"):
        train_on_lake(world.settings, duckdb_engine, VALIDATE_AS_OF, TRAIN_AS_OF)


def test_cli_three_commands(world, trained, tmp_path):
    import subprocess

    env = {**os.environ, "CREDO_HOME": str(world.settings.home)}
    for args in (
        ["features", "--as-of", str(RUN_AS_OF), "--out", str(tmp_path / "f.parquet")],
        ["run", "--as-of", str(RUN_AS_OF)],
        ["run", "--as-of", "2999-01-01"],
    ):
        result = subprocess.run([sys.executable, "-m", "credo", *args], env=env,
                                capture_output=True, text=True)
        if args[-1] == "2999-01-01":
            assert result.returncode == 2 and "in the future" in result.stderr
        else:
            assert result.returncode == 0, result.stderr
    assert pq.read_table(tmp_path / "f.parquet").num_rows > 2000


def test_the_points_per_feature_add_up_to_the_published_score(world, trained, duckdb_engine):
    from credo.pipeline.rescore import points_by_feature

    result, document = trained
    report = monthly_run(world.settings, duckdb_engine, RUN_AS_OF, result.model, document)
    frame = pq.read_table(report.path / "scores.parquet").to_pandas().set_index("person_id")
    at_risk = frame.index[frame["reason_1"] != "in_default"][:5]
    for person in at_risk:
        points = points_by_feature(person, settings=world.settings)
        assert points is not None
        assert [p["feature"] for p in points] == [f.name for f in result.model.features_]
        assert all(p["points"] <= p["best_points"] for p in points)
        total = sum(p["points"] for p in points)
        assert min(max(total, 350), 950) == frame.loc[person, "score"]
    assert points_by_feature("nobody-at-all", settings=world.settings) is None
