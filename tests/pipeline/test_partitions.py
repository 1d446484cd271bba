"""Ranges of people: the monthly run's result does not depend on how many people are
computed together, and an unchanged month is recognised without computing anything."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from credo.config import Settings
from credo.data.lake import Lake
from credo.errors import ConfigError
from credo.layout import features_path
from credo.pipeline import tables
from credo.pipeline.inputs import run_inputs
from credo.pipeline.run import monthly_run
from credo.pipeline.tables import Exclusions, compute_features
from credo.pipeline.training import train_on_lake
from credo.scorecard import artifact
from credo.scorecard.fingerprint import data_fingerprint

from .conftest import RUN_AS_OF, TRAIN_AS_OF, VALIDATE_AS_OF

ONE_RANGE = 10**9
TINY = 97  # people per range: about 26 ranges in the test world


@pytest.fixture(scope="module")
def model(world):
    from credo.features.engines import DuckDBEngine

    engine = DuckDBEngine(memory_limit="2GB")
    try:
        result = train_on_lake(world.settings, engine, TRAIN_AS_OF, VALIDATE_AS_OF)
    finally:
        engine.close()
    return result.model, artifact.to_dict(result.model, result.metadata)


def _home(world, tmp_path, name: str, size: int) -> Settings:
    return Settings(home=tmp_path / name, lake_path=world.settings.lake,
                    partition_people=size)


def test_tiny_ranges_give_one_ranges_features(world, duckdb_engine):
    whole = compute_features(world.settings, duckdb_engine, RUN_AS_OF, size=ONE_RANGE)
    tiny = compute_features(world.settings, duckdb_engine, RUN_AS_OF, size=TINY)
    assert whole.num_rows > 2000
    assert tiny.schema == whole.schema
    for name in whole.column_names:
        assert tiny.column(name).equals(whole.column(name)), name


def test_tiny_ranges_give_one_ranges_snapshot(world, model, duckdb_engine, tmp_path):
    scorecard, document = model
    one = _home(world, tmp_path, "one", ONE_RANGE)
    tiny = _home(world, tmp_path, "tiny", TINY)
    first = monthly_run(one, duckdb_engine, RUN_AS_OF, scorecard, document)
    second = monthly_run(tiny, duckdb_engine, RUN_AS_OF, scorecard, document)
    assert not first.reused and not second.reused
    assert second.run_id == first.run_id and second.people == first.people
    assert second.bands == first.bands
    a = pq.read_table(first.path / "scores.parquet")
    b = pq.read_table(second.path / "scores.parquet")
    assert a.num_rows == first.people and b.equals(a)
    features = pq.read_table(features_path(one, RUN_AS_OF))
    assert pq.read_table(features_path(tiny, RUN_AS_OF)).equals(features)
    # The run id is the one the whole table's fingerprint gives, as before ranges.
    frame = features.to_pandas()
    whole = data_fingerprint(frame, np.zeros(len(frame), dtype=np.uint8))
    model_id = document["model_id"]
    expected = hashlib.sha256(f"{RUN_AS_OF}|{model_id}|{whole}".encode()).hexdigest()[:20]
    assert first.run_id == expected and a.column("data_fingerprint")[0].as_py() == whole


def test_an_unchanged_month_is_recognised_without_computing_features(
    world, model, duckdb_engine, tmp_path, monkeypatch
):
    scorecard, document = model
    home = _home(world, tmp_path, "again", ONE_RANGE)
    first = monthly_run(home, duckdb_engine, RUN_AS_OF, scorecard, document)
    written = (first.path / "scores.parquet").stat().st_mtime_ns

    def no_features(*_args, **_kwargs):
        raise AssertionError("features computed for an unchanged month")

    monkeypatch.setattr("credo.pipeline.run.feature_partitions", no_features)
    again = monthly_run(home, duckdb_engine, RUN_AS_OF, scorecard, document)
    assert again.reused and again.run_id == first.run_id and again.people == first.people
    assert set(again.timings) == {"recognised"}
    assert (first.path / "scores.parquet").stat().st_mtime_ns == written
    # Another model, or records left out, are other inputs: the month is computed again.
    monkeypatch.setattr("credo.pipeline.run.feature_partitions", tables.feature_partitions)
    other = dict(document, model_id=document["model_id"] + "-other")
    rescored = monthly_run(home, duckdb_engine, RUN_AS_OF, scorecard, other)
    assert not rescored.reused
    table = pq.read_table(first.path / "scores.parquet", columns=["person_id", "model_id"])
    assert set(table.column("model_id").to_pylist()) == {other["model_id"]}
    key = ("statement", "sim-bank", "no-such-record")
    excluded = monthly_run(home, duckdb_engine, RUN_AS_OF, scorecard, other,
                           exclusions=Exclusions(frozenset({key})))
    # Nothing it left out was in the lake: the same features, so the same snapshot.
    assert excluded.reused and excluded.run_id == rescored.run_id
    assert set(excluded.timings) != {"recognised"}  # but it had to compute them to know
    # The manifest names what the run left out, beside the inputs that include it (a
    # what-if takes a person's row of features only while theirs are the same).
    manifest = json.loads((first.path / "manifest.json").read_text())
    assert manifest["excluded"] == [list(key)] and manifest["excluded_records"] == 1
    assert manifest["inputs"] == run_inputs(Lake(home.lake), RUN_AS_OF, other["model_id"],
                                            Exclusions(frozenset({key})))


@pytest.mark.parametrize("size", [0, -5, True, 2.5])
def test_partition_size_must_be_a_positive_whole_number(size):
    with pytest.raises(ConfigError, match="CREDO_PARTITION_PEOPLE"):
        Settings(partition_people=size)


def test_partition_size_from_the_environment(monkeypatch):
    monkeypatch.setenv("CREDO_PARTITION_PEOPLE", "250_000")
    assert Settings.from_env().partition_people == 250_000
    monkeypatch.setenv("CREDO_PARTITION_PEOPLE", "lots")
    with pytest.raises(ConfigError, match="not a whole number"):
        Settings.from_env()


def test_training_again_on_the_same_records_registers_no_second_model(
    world, tmp_path, monkeypatch, capsys
):
    from credo.governance.registry import Registry
    from credo.pipeline.training import catalogue_scorecard, training_key
    from credo.scorecard import BinningOptions
    from tests.cli import invoke

    monkeypatch.setenv("CREDO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CREDO_LAKE", str(world.settings.lake))
    train = ["train", "--as-of", TRAIN_AS_OF, "--validate-as-of", VALIDATE_AS_OF]
    code, out, err = invoke(monkeypatch, capsys, *train)
    assert code == 0, err
    code, out, err = invoke(monkeypatch, capsys, *train, "--out", tmp_path / "again.json")
    assert code == 0, err
    assert "nothing to train" in out
    settings = Settings.from_env()
    with Registry(settings) as registry:
        [only] = registry.list()
    again = artifact.load(tmp_path / "again.json")[1]
    assert again["model_id"] == only.model_id  # --out still gets the model
    # Other parameters, another split or other months are another training.
    model = catalogue_scorecard()
    key = training_key(settings, TRAIN_AS_OF, VALIDATE_AS_OF, model)
    assert key == again["metadata"]["training_inputs"]
    assert training_key(settings, TRAIN_AS_OF, VALIDATE_AS_OF, model, seed=1) != key
    assert training_key(settings, TRAIN_AS_OF, None, model) != key
    assert training_key(settings, TRAIN_AS_OF, VALIDATE_AS_OF,
                        catalogue_scorecard(binning=BinningOptions(max_bins=6))) != key
