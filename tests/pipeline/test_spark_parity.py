"""The same definitions on DuckDB and on Spark: identical features and scores for all."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pyarrow.parquet as pq
import pytest

from credo.features import definitions as d
from credo.features.engines import DuckDBEngine, SparkEngine
from credo.pipeline.run import score_in_engine
from credo.pipeline.tables import compute_features
from credo.pipeline.training import train_on_lake

from .conftest import RUN_AS_OF, TRAIN_AS_OF, VALIDATE_AS_OF
from .test_feature_definitions import AS_OF, planted_addresses

spark_missing = shutil.which("java") is None and not os.environ.get("JAVA_HOME")
if spark_missing and os.environ.get("CI"):
    pytest.fail("CI must install Java for the Spark parity test", pytrace=False)
pytestmark = pytest.mark.skipif(spark_missing, reason="no Java runtime: Spark cannot run")


@pytest.fixture(scope="module")
def spark():
    engine = SparkEngine(driver_memory="2g")
    yield engine
    engine.close()


def test_duckdb_and_spark_agree_person_by_person(world, spark):
    duck = DuckDBEngine(memory_limit="2GB")
    try:
        on_duckdb = compute_features(world.settings, duck, RUN_AS_OF)
        model = train_on_lake(world.settings, duck, TRAIN_AS_OF, VALIDATE_AS_OF).model
        duck_scores = score_in_engine(duck, on_duckdb, model)
    finally:
        duck.close()
    on_spark = compute_features(world.settings, spark, RUN_AS_OF)
    assert on_spark.column_names == on_duckdb.column_names
    assert on_spark.num_rows == on_duckdb.num_rows
    for name in on_duckdb.column_names:
        a, b = on_duckdb.column(name), on_spark.column(name)
        assert a.type == b.type, name
        assert a.equals(b), f"{name} differs between DuckDB and Spark"
    spark_scores = score_in_engine(spark, on_spark, model)
    memory = model.score(on_duckdb.to_pandas())
    assert np.array_equal(duck_scores, spark_scores)
    assert np.array_equal(duck_scores, memory)


def test_planted_address_moves_agree_on_spark(spark, tmp_path):
    """Address changes, ties on the instant included, count the same on both engines."""
    table, moved = planted_addresses()
    path = tmp_path / "identity.parquet"
    pq.write_table(table, path)
    duck = DuckDBEngine(memory_limit="1GB")
    try:
        results = [
            engine.to_arrow(d.identity_features(engine.read_parquet([str(path)]), AS_OF))
            for engine in (duck, spark)
        ]
    finally:
        duck.close()
    for result in results:
        rows = result.sort_by("person_id").to_pylist()
        assert {r["person_id"]: r["address_changes_24m"] for r in rows} == moved
    a, b = (r.sort_by("person_id") for r in results)
    assert a.equals(b)
