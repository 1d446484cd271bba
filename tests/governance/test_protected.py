"""No model input is, or is derived from, a protected attribute.

The protected attributes live apart from the lake (``Settings.truth / "protected"``).
Their names appear in no lake schema and no catalogue feature; the feature table is an
expression over the five lake tables alone; and removing the protected folder leaves
every feature of every person unchanged.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import ibis
import pyarrow.parquet as pq

import credo.features as features_pkg
from credo.data.schemas import KINDS, lake_schema
from credo.features.catalogue import CATALOGUE, FEATURE_NAMES
from credo.features.engines import DuckDBEngine
from credo.features.table import STATUS_COLUMN, feature_table
from credo.pipeline.tables import compute_features

from .conftest import TRAIN_AS_OF

PROTECTED_WORDS = ("sex", "gender", "age_band", "birth", "region", "nationality",
                   "ethnic", "religion", "marital")


def protected_columns(world) -> list[str]:
    return [c for c in pq.read_table(world.settings.truth / "protected").column_names
            if c != "person_id"]


def test_protected_names_are_in_no_lake_schema_nor_the_catalogue(world) -> None:
    protected = protected_columns(world)
    assert set(protected) >= {"sex", "age_band", "region"}
    for kind in KINDS:
        names = set(lake_schema(kind).names)
        assert not names & set(protected), kind
        assert not any(w in n for n in names for w in PROTECTED_WORDS), kind
    for spec in CATALOGUE:
        assert not any(w in spec.name for w in PROTECTED_WORDS), spec.name


def test_the_feature_table_reads_only_the_lake_tables() -> None:
    # Built over unbound tables that carry exactly the lake schemas: if any feature read
    # another table or column, building the expression would fail.
    tables = {kind: ibis.table(lake_schema(kind), name=kind) for kind in KINDS}
    expression = feature_table(tables, TRAIN_AS_OF)
    assert set(expression.columns) == {"person_id", *FEATURE_NAMES, STATUS_COLUMN}
    sources = {t.name for t in expression.op().find(ibis.expr.operations.UnboundTable)}
    assert sources <= set(KINDS)
    # And the feature code never mentions where protected attributes are kept.
    for path in Path(features_pkg.__file__).parent.glob("*.py"):
        text = path.read_text()
        assert "truth" not in text and "protected\"" not in text, path.name


def test_features_do_not_change_without_the_protected_folder(world, tmp_path) -> None:
    engine = DuckDBEngine(memory_limit="1GB")
    try:
        before = compute_features(world.settings, engine, TRAIN_AS_OF)
        folder = world.settings.truth / "protected"
        moved = tmp_path / "protected"
        shutil.move(folder, moved)
        try:
            after = compute_features(world.settings, engine, TRAIN_AS_OF)
        finally:
            shutil.move(moved, folder)
    finally:
        engine.close()
    assert after.equals(before)
