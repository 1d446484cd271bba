"""Save -> load -> score, and the SQL form, agree with in-memory scoring on every row."""

from __future__ import annotations

import json
import sqlite3

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from credo.errors import ModelFileError
from credo.scorecard import Scorecard, artifact
from credo.scorecard.sql import to_sql

from .conftest import make_table


@pytest.fixture(scope="module")
def table_model():
    X, y = make_table(5000, seed=2)
    model = Scorecard(dictionary=None).fit(X, y)
    return model, X


def _hostile(X: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = X.sample(300, replace=True, random_state=seed).reset_index(drop=True)
    out.loc[rng.random(300) < 0.1, "region"] = "never seen"
    out.loc[rng.random(300) < 0.1, "region"] = "o'brien\"; DROP TABLE t;--"
    out.loc[rng.random(300) < 0.1, "income"] = np.nan
    out.loc[rng.random(300) < 0.1, "months_since_late"] = -1
    return out


def test_save_load_scores_identically(tmp_path, table_model, german_model, german):
    for model, X in (table_model, (german_model, german[0])):
        path = tmp_path / "model.json"
        artifact.save(model, path, {"note": "test"})
        loaded, document = artifact.load(path)
        assert (loaded.score(X) == model.score(X)).all()
        assert document["format_version"] == artifact.FORMAT_VERSION
        assert document["training"]["fingerprint"].startswith("sha256:")
        assert document["metadata"] == {"note": "test"}


@given(seed=st.integers(0, 10_000))
def test_sql_matches_memory_on_duckdb_and_sqlite(table_model, seed):
    model, X = table_model
    data = _hostile(X, seed)
    expected = model.score(data)
    query = to_sql(model, "people")
    con = duckdb.connect()
    con.register("people", pa.Table.from_pandas(data))
    assert (con.execute(query).fetchdf()["score"].to_numpy() == expected).all()
    lite = sqlite3.connect(":memory:")
    data.to_sql("people", lite, index=False)
    assert (np.array([r[-1] for r in lite.execute(query)]) == expected).all()


def test_sql_on_german_credit_every_row(german_model, german):
    X, _, _ = german
    con = duckdb.connect()
    con.register("applicants", pa.Table.from_pandas(X))
    got = con.execute(to_sql(german_model, "applicants")).fetchdf()["score"].to_numpy()
    assert (got == german_model.score(X)).all()


def test_corrupt_truncated_and_foreign_model_files(tmp_path, german_model):
    good = tmp_path / "good.json"
    artifact.save(german_model, good)
    text = good.read_text()

    truncated = tmp_path / "truncated.json"
    truncated.write_text(text[: len(text) // 2])
    with pytest.raises(ModelFileError, match="not valid JSON"):
        artifact.load(truncated)

    document = json.loads(text)
    document["format_version"] = 99
    other = tmp_path / "other.json"
    other.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match="format version 99"):
        artifact.load(other)

    document = json.loads(text)
    document["features"][0]["bins"][0]["points"] = "lots"
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match="damaged"):
        artifact.load(damaged)

    not_a_model = tmp_path / "x.json"
    not_a_model.write_text('{"hello": 1}')
    with pytest.raises(ModelFileError, match="not a credo scorecard"):
        artifact.load(not_a_model)

    with pytest.raises(ModelFileError, match="does not exist"):
        artifact.load(tmp_path / "missing.json")
