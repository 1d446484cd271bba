"""The engine a command uses by default is the settings' (CREDO_ENGINE), and every
engine answers what the pipeline asks of it."""

from __future__ import annotations

import pyarrow as pa
import pytest

from credo.errors import ConfigError
from credo.features.engines import DuckDBEngine, EngineError, open_engine


def test_credo_engine_duckdb_opens_duckdb(monkeypatch):
    monkeypatch.setenv("CREDO_ENGINE", "duckdb")
    engine = open_engine()
    try:
        assert isinstance(engine, DuckDBEngine)
    finally:
        engine.close()


def test_credo_engine_spark_opens_spark(monkeypatch):
    # Without Java, Spark refuses to start: proof that CREDO_ENGINE chose it.
    monkeypatch.setenv("CREDO_ENGINE", "spark")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(EngineError, match="Java"):
        open_engine()


def test_an_unknown_credo_engine_says_how_to_fix_it(monkeypatch):
    monkeypatch.setenv("CREDO_ENGINE", "pandas")
    with pytest.raises(ConfigError, match="CREDO_ENGINE"):
        open_engine()


def test_a_named_engine_wins_over_credo_engine(monkeypatch):
    monkeypatch.setenv("CREDO_ENGINE", "spark")
    engine = open_engine("duckdb")
    try:
        assert isinstance(engine, DuckDBEngine)
    finally:
        engine.close()


def test_an_engine_runs_standard_sql_over_an_arrow_table_keeping_nulls():
    engine = open_engine("duckdb")
    try:
        engine.register("people", pa.table({"person_id": ["b", "a"], "x": [None, 2.5]}))
        result = engine.sql('SELECT "person_id", "x" * 2 AS "y" FROM people ORDER BY person_id')
    finally:
        engine.close()
    assert result.to_pylist() == [{"person_id": "a", "y": 5.0}, {"person_id": "b", "y": None}]
