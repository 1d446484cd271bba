"""A pushed record becomes a score through the monthly run's own code: the inbox
worker's rescore of the people it concerns equals what ``credo run`` publishes as of
the same day, on a copy of a simulated lake with a trained champion."""

from __future__ import annotations

import shutil
from datetime import date

import pyarrow.parquet as pq
import pytest

from credo.config import Settings
from credo.features.engines import DuckDBEngine
from credo.layout import champion_path, run_dir
from credo.pipeline.run import monthly_run
from credo.pipeline.training import train_on_lake
from credo.scorecard import artifact
from credo.service.context import ServiceContext
from credo.service.keys import issue_key
from credo.service.sources import inbox
from credo.service.sources.logic import accept_push
from credo.store.models import ScoreRecord
from tests.bench_modules import bench_module

from .conftest import RUN_AS_OF, TRAIN_AS_OF, VALIDATE_AS_OF, World


@pytest.fixture(scope="module")
def home(world: World, tmp_path_factory):
    """A copy of the world's lake with a champion and the run of RUN_AS_OF."""
    root = tmp_path_factory.mktemp("push-home")
    shutil.copytree(world.settings.lake, Settings(home=root).lake)
    settings = Settings(home=root, database_url=f"sqlite:///{root}/credo.db")
    engine = DuckDBEngine(memory_limit="2GB")
    try:
        trained = train_on_lake(settings, engine, TRAIN_AS_OF, VALIDATE_AS_OF)
        path = champion_path(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        document = artifact.save(trained.model, path, trained.metadata)
        monthly_run(settings, engine, RUN_AS_OF, trained.model, document)
    finally:
        engine.close()
    return settings, trained.model, document


def test_a_push_rescores_its_people_as_the_monthly_run_would(home) -> None:
    settings, model, document = home
    ctx = ServiceContext.build(settings)
    try:
        with ctx.session() as s:
            issue_key(s, "source", "bank-push", ctx.pepper)
            s.commit()
            records = bench_module("push_to_score").late_statements(settings.lake, 5)
            pushed = accept_push(s, "bank-push", "statement", records)
        [outcome] = inbox.drain(ctx, inbox.pipeline_rescorer(ctx))
        assert outcome.state == "done" and outcome.rescored == len(records)
        with ctx.session() as s:
            entries = {e.person_id: e for e in s.query(ScoreRecord).filter(
                ScoreRecord.run_id == f"push-{pushed.id}")}
    finally:
        ctx.close()
    as_of = date(2025, 1, 10)  # the day after the records were reported
    assert {e.as_of for e in entries.values()} == {as_of}
    engine = DuckDBEngine(memory_limit="2GB")
    try:
        run = monthly_run(settings, engine, as_of, model, document)
    finally:
        engine.close()
    frame = pq.read_table(run.path / "scores.parquet").to_pandas().set_index("person_id")
    for person_id, entry in entries.items():
        reference = frame.loc[person_id]
        for column in ("score", "band", "probability_of_default", "credit_history",
                       "fulfilment_capacity"):
            assert getattr(entry, column) == reference[column], (person_id, column)
        assert entry.reason_codes == [c for c in (reference["reason_1"], reference["reason_2"],
                                                  reference["reason_3"], reference["reason_4"])
                                      if c]
    # 95 days late on a statement is news: most of these people lose points.
    before = pq.read_table(run_dir(settings, RUN_AS_OF) / "scores.parquet").to_pandas()
    before = before.set_index("person_id")["score"]
    lower = sum(entries[p].score < before[p] for p in entries)
    assert lower >= len(entries) // 2
