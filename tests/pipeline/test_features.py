"""Features as of T: complete, point-in-time correct, and the outcome of the design."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from credo.config import Settings
from credo.data.ingest import ingest_table
from credo.data.lake import Lake
from credo.errors import InputError
from credo.features.catalogue import CATALOGUE, FEATURE_NAMES
from credo.features.table import STATUS_COLUMN
from credo.pipeline.tables import (
    Exclusions,
    as_of_instant,
    compute_features,
    compute_outcome,
    parse_as_of,
)

from .conftest import RUN_AS_OF, TRAIN_AS_OF, World


def test_one_row_per_person_and_every_catalogue_feature(world: World, duckdb_engine):
    table = compute_features(world.settings, duckdb_engine, RUN_AS_OF)
    assert table.column_names == ["person_id", *FEATURE_NAMES, STATUS_COLUMN]
    ids = table.column("person_id")
    assert pc.count_distinct(ids).as_py() == table.num_rows > 2000
    assert len(FEATURE_NAMES) >= 40
    assert len({f.dimension for f in CATALOGUE}) == 5
    for spec in CATALOGUE:
        kind = table.schema.field(spec.name).type
        assert pa.types.is_string(kind) if spec.categorical else (
            pa.types.is_int64(kind) or pa.types.is_float64(kind)
        ), spec.name


def test_outcome_is_the_simulators_realised_outcome(world: World, duckdb_engine):
    """Our reading of the records gives, person by person, the outcome the simulator
    generated (90+ dpd, charge-off, judgment or bankruptcy within 12 months)."""
    features = compute_features(world.settings, duckdb_engine, TRAIN_AS_OF)
    bad = set(compute_outcome(world.settings, duckdb_engine, TRAIN_AS_OF)
              .column("person_id").to_pylist())
    truth = pq.read_table(world.settings.truth / "true_pd").to_pandas()
    truth = truth[truth["as_of"] == TRAIN_AS_OF].set_index("person_id")
    people = features.column("person_id").to_pylist()
    realised = truth.loc[people, "bad_12m"].astype(bool)
    ours = np.array([p in bad for p in people])
    assert (ours == realised.to_numpy()).mean() > 0.995
    assert 0.02 < ours.mean() < 0.2


def _copy_world(world: World, target) -> Settings:
    shutil.copytree(world.settings.home, target, dirs_exist_ok=True)
    return Settings(home=target)


def test_future_records_change_nothing(world: World, duckdb_engine, tmp_path):
    """Records reported after T, or about events after T, never reach features as of T."""
    settings = _copy_world(world, tmp_path / "copy")
    lake = Lake(settings.lake)
    before = compute_features(settings, duckdb_engine, TRAIN_AS_OF)
    person = before.column("person_id")[0].as_py()
    known = lake.table("statement", as_of=as_of_instant(TRAIN_AS_OF))
    statements = known.filter(known.person_id == person).to_pyarrow()
    assert statements.num_rows > 0
    base = statements.slice(0, 1).drop_columns(
        [c for c in statements.column_names if c.startswith("_") or c == "report_month"]
    ).to_pylist()[0]
    after_t = TRAIN_AS_OF + timedelta(days=40)
    planted = []
    # 1) a correction of a known statement, reported after T: invisible at T
    planted.append({**base, "days_past_due": 120, "status": "delinquent", "amount_paid": 0,
                    "paid_at": None,
                    "reported_at": _instant(after_t)})
    # 2) a statement about a period after T
    planted.append({**base, "record_id": "future-1", "period_end": after_t,
                    "due_date": after_t + timedelta(days=21), "days_past_due": 90,
                    "status": "delinquent", "amount_paid": 0, "paid_at": None,
                    "reported_at": _instant(after_t + timedelta(days=30))})
    # 3) a statement about a period before T but reported only after T
    planted.append({**base, "record_id": "late-report", "period_end": TRAIN_AS_OF - timedelta(
        days=20), "due_date": TRAIN_AS_OF, "days_past_due": 60, "status": "late",
        "amount_paid": 0, "paid_at": None, "reported_at": _instant(after_t)})
    table = pa.Table.from_pylist(planted)
    with lake.writer() as writer:
        ingest_table(table, source=base["source_id"], kind="statement", writer=writer,
                     label="test")
        counts = writer.commit()
    assert counts.accepted + counts.superseded == 3, counts
    after = compute_features(settings, duckdb_engine, TRAIN_AS_OF)
    assert after.equals(before)
    later = compute_features(settings, duckdb_engine, after_t + timedelta(days=60))
    row = later.filter(pc.equal(later.column("person_id"), person)).to_pylist()[0]
    assert row["max_days_past_due_24m"] >= 90  # the planted records do count later on


def _instant(day: date) -> str:
    return f"{day.isoformat()}T12:00:00Z"


def test_excluded_records_are_left_out(world: World, duckdb_engine):
    lake = world.lake
    late = lake.table("statement").filter(lambda t: t.days_past_due >= 30)
    late = late.filter(late.period_end < TRAIN_AS_OF).limit(1).to_pyarrow().to_pylist()[0]
    key = frozenset({("statement", late["source_id"], late["record_id"])})
    with_all = compute_features(world.settings, duckdb_engine, TRAIN_AS_OF)
    without = compute_features(world.settings, duckdb_engine, TRAIN_AS_OF, Exclusions(key))
    pick = pc.equal(with_all.column("person_id"), late["person_id"])
    a = with_all.filter(pick).to_pylist()[0]
    b = without.filter(pc.equal(without.column("person_id"), late["person_id"])).to_pylist()[0]
    assert b["late30_24m"] == a["late30_24m"] - 1
    others = pc.invert(pick)
    assert with_all.filter(others).equals(
        without.filter(pc.invert(pc.equal(without.column("person_id"), late["person_id"])))
    )


@pytest.mark.parametrize("text", ["2025-13-01", "yesterday", "", "2025/01/01", "9999-01-01"])
def test_bad_as_of_dates_are_refused(text):
    with pytest.raises(InputError):
        parse_as_of(text)


def test_empty_lake_and_dates_before_the_data(tmp_path, duckdb_engine, world: World):
    with pytest.raises(InputError, match="holds no accounts"):
        compute_features(Settings(home=tmp_path), duckdb_engine, RUN_AS_OF)
    with pytest.raises(InputError, match="no records were known before"):
        compute_features(world.settings, duckdb_engine, date(1990, 1, 1))
    with pytest.raises(InputError, match="not observed yet"):
        compute_outcome(world.settings, duckdb_engine, date(2025, 6, 1))
