"""The model registry: register, promote, rollback, and which model produced a score."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from credo.config import Settings
from credo.errors import InputError
from credo.governance.registry import Registry, champion_path
from credo.store.models import AuditEvent, ScoreRecord


def document(model_id: str, auc: float) -> dict:
    return {
        "format": "credo-scorecard", "model_id": model_id,
        "training": {"fingerprint": f"sha256:{model_id}"},
        "metadata": {"as_of": "2024-10-01", "validate_as_of": "2024-11-01",
                     "metrics": {"out_of_time": {"auc": auc}}},
    }


def test_promote_and_rollback_round_trip(tmp_path) -> None:
    settings = Settings(home=tmp_path)
    with Registry(settings) as registry:
        a = registry.register(document("model-a", 0.80), "cli:test")
        b = registry.register(document("model-b", 0.82), "cli:test")
        assert (a.version, b.version) == (1, 2)
        assert registry.register(document("model-a", 0.80)).version == 1  # idempotent
        assert registry.champion() is None and {m.status for m in registry.list()} == {
            "candidate"}
        assert a.fingerprint == "sha256:model-a" and a.as_of == date(2024, 10, 1)

        registry.promote("model-a", "alice")
        assert json.loads(champion_path(settings).read_text())["model_id"] == "model-a"
        promoted = registry.promote("model-b", "bob", note="better out of time")
        assert promoted.status == "champion" and promoted.promoted_by == "bob"
        assert {m.model_id: m.status for m in registry.list()} == {
            "model-a": "retired", "model-b": "champion"}
        assert json.loads(champion_path(settings).read_text())["model_id"] == "model-b"

        back = registry.rollback("carol")
        assert back.model_id == "model-a" and back.status == "champion"
        assert {m.model_id: m.status for m in registry.list()} == {
            "model-a": "champion", "model-b": "retired"}
        assert json.loads(champion_path(settings).read_text())["model_id"] == "model-a"
        with pytest.raises(InputError, match="no earlier champion"):
            registry.rollback("carol")
        with pytest.raises(InputError, match="no model"):
            registry.promote("model-z", "carol")

        with registry.sessions() as session:
            actions = session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("model_%"))
                .order_by(AuditEvent.id)).all()
            assert actions == ["model_register", "model_register", "model_promote",
                               "model_promote", "model_rollback"]


def test_registry_answers_which_model_produced_a_score(tmp_path) -> None:
    settings = Settings(home=tmp_path)
    with Registry(settings) as registry:
        registry.register(document("model-a", 0.8))
        with registry.sessions() as session, session.begin():
            session.add(ScoreRecord(person_id="P1", as_of=date(2025, 1, 1), status="published",
                                    score=700, model_id="model-a", run_id="run-1"))
        found = registry.model_of_score("P1", date(2025, 1, 1))
        assert found is not None and found.model_id == "model-a" and found.version == 1
        assert registry.model_of_score("P2", date(2025, 1, 1)) is None
