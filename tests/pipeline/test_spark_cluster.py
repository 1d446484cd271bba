"""`credo run --engine spark` against a real standalone cluster (a master and two workers
on this machine) publishes, person by person, the snapshot DuckDB publishes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from credo.features.engines import DuckDBEngine
from credo.pipeline.training import train_on_lake
from credo.scorecard import artifact
from tests.bench_modules import bench_module

from .conftest import RUN_AS_OF, TRAIN_AS_OF, VALIDATE_AS_OF

spark_missing = shutil.which("java") is None and not os.environ.get("JAVA_HOME")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(spark_missing, reason="no Java runtime: Spark cannot run"),
]


def standalone():
    """The benchmark's cluster launcher (Spark's own scripts; not part of credo)."""
    return bench_module("standalone")


def credo_run(home: Path, lake: Path, model: Path, env: dict[str, str], *extra: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "credo", "run", "--as-of", str(RUN_AS_OF), "--model",
         str(model), *extra],
        env={**env, "CREDO_HOME": str(home), "CREDO_LAKE": str(lake)},
        capture_output=True, text=True, timeout=3600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def published(home: Path):
    return pq.read_table(home / "scores" / f"as_of={RUN_AS_OF}" / "scores.parquet").sort_by(
        "person_id")


def test_a_cluster_run_publishes_what_duckdb_publishes(world, tmp_path):
    engine = DuckDBEngine(memory_limit="2GB")
    try:
        result = train_on_lake(world.settings, engine, TRAIN_AS_OF, VALIDATE_AS_OF)
    finally:
        engine.close()
    model = tmp_path / "model.json"
    artifact.save(result.model, model, result.metadata)
    lake = world.settings.lake

    credo_run(tmp_path / "duckdb", lake, model, dict(os.environ))
    launcher = standalone()
    with launcher.StandaloneCluster(worker_memory="1g", executor_memory="768m") as cluster:
        credo_run(tmp_path / "spark", lake, model, cluster.env(),
                  "--engine", "spark", "--spark-master", cluster.master)
        executors = list((cluster.folder).glob("work-*/app-*/*/stderr"))
        # Both workers ran an executor for the run: the work was distributed.
        assert len({path.parts[-4] for path in executors}) == 2

    on_duckdb, on_cluster = published(tmp_path / "duckdb"), published(tmp_path / "spark")
    assert on_duckdb.num_rows > 2000
    # Every column: scores, bands, reasons, and the fingerprint of the feature table.
    for name in on_duckdb.column_names:
        assert on_duckdb.column(name).equals(on_cluster.column(name)), name
