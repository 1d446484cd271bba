"""The default rescorer: ``credo.pipeline.rescore`` with the service's settings."""

from __future__ import annotations

from pathlib import Path

import pytest

import credo.pipeline.rescore
from credo.config import Settings
from credo.service.context import default_rescorer

from .conftest import World


def test_pipeline_rescore_is_wired_with_the_service_settings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}

    def rescore(person_id: str, settings: Settings | None = None) -> dict | None:
        seen["args"] = (person_id, settings)
        return None

    monkeypatch.setattr(credo.pipeline.rescore, "rescore", rescore)
    settings = Settings(home=Path("somewhere"))
    hook = default_rescorer(settings)
    assert hook is not None and hook("P1") is None
    assert seen["args"] == ("P1", settings)


def test_a_failing_rescorer_leaves_the_decision_and_a_pending_entry(world: World) -> None:
    def broken(person_id: str) -> dict:
        raise RuntimeError("engine down")

    world.ctx.rescorer = broken
    world.seed_lake()
    c = world.client
    d = c.post("/v1/me/disputes", headers=world.person(), json={
        "kind": "statement", "source_id": "bank-a", "record_id": "st-1", "reason": "wrong"})
    r = c.post(f"/v1/operator/disputes/{d.json()['id']}/uphold", headers=world.operator(),
               json={"note": "confirmed"})
    assert r.status_code == 200 and r.json()["status"] == "upheld"
    hist = c.get("/v1/me/score/history", headers=world.person()).json()
    assert hist[0]["status"] == "rescore_pending" and "RuntimeError" in hist[0]["note"]
