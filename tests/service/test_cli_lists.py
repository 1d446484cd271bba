"""The operator's list commands for scripts (model list, dispute list --json), an empty
list said in words, and the API's answer to a body that is not JSON."""

from __future__ import annotations

import json

import pytest
from pydantic import TypeAdapter

from credo.cli.schemas import ModelOut
from credo.governance.registry import Registry
from credo.service.disputes.schemas import DisputeOut
from tests.cli import invoke
from tests.service.conftest import World


@pytest.fixture
def run(sqlite_world: World, monkeypatch, capsys):
    settings = sqlite_world.ctx.settings
    monkeypatch.setenv("CREDO_HOME", str(settings.home))
    monkeypatch.setenv("CREDO_DATABASE_URL", settings.database)
    monkeypatch.setenv("CREDO_PEPPER", sqlite_world.ctx.pepper.decode())
    return lambda *args: invoke(monkeypatch, capsys, *args)


def test_dispute_list_empty_and_as_json(sqlite_world: World, run) -> None:
    code, out, _ = run("dispute", "list")
    assert code == 0 and out.strip() == "no open disputes"
    code, out, _ = run("dispute", "list", "--json")
    assert code == 0 and json.loads(out) == []

    sqlite_world.seed_lake()
    filed = sqlite_world.client.post("/v1/me/disputes", headers=sqlite_world.person("P1"), json={
        "kind": "statement", "source_id": "bank-a", "record_id": "st-1",
        "reason": "I paid this statement on time."})
    assert filed.status_code == 201, filed.text
    code, out, _ = run("dispute", "list", "--json")
    listed = TypeAdapter(list[DisputeOut]).validate_json(out)
    # The same shape as the API's operator list.
    api = sqlite_world.client.get("/v1/operator/disputes?status=open",
                                  headers=sqlite_world.operator()).json()
    assert [d.model_dump(mode="json") for d in listed] == api
    code, out, _ = run("dispute", "list", "--status", "upheld")
    assert code == 0 and out.strip() == "no upheld disputes"


def test_dispute_list_refuses_an_unknown_status(run) -> None:
    code, out, err = run("dispute", "list", "--status", "pending")
    assert code == 2 and out == ""
    assert err.strip() == "error: --status 'pending': choose one of open, upheld, rejected or all"


def test_model_list_json(sqlite_world: World, run) -> None:
    code, out, _ = run("model", "list", "--json")
    assert code == 0 and json.loads(out) == []
    document = {
        "format": "credo-scorecard", "model_id": "model-a",
        "training": {"fingerprint": "sha256:a"},
        "metadata": {"as_of": "2024-10-01", "validate_as_of": "2024-11-01",
                     "metrics": {"out_of_time": {"auc": 0.8, "ks": 0.4, "gini": 0.6,
                                                 "rows": 1200}}},
    }
    with Registry(sqlite_world.ctx.settings) as registry:
        registry.register(document, "cli:test")
    code, out, _ = run("model", "list", "--json")
    models = TypeAdapter(list[ModelOut]).validate_json(out)
    assert [(m.model_id, m.version, m.status) for m in models] == [("model-a", 1, "candidate")]
    assert models[0].metrics["out_of_time"]["auc"] == 0.8
    api = sqlite_world.client.get("/v1/operator/models", headers=sqlite_world.operator()).json()
    assert [m.model_dump(mode="json")["model_id"] for m in models] == [
        m["model_id"] for m in api]


def test_malformed_json_is_named_as_such(sqlite_world: World) -> None:
    answer = sqlite_world.client.post(
        "/v1/partner/score", headers={**sqlite_world.partner(), "Content-Type":
                                      "application/json"},
        content=b'{"person_id": "P1", "purpose": }')
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["errors"][0]["field"] == "body"
    assert problem["detail"].startswith("body: not valid JSON at character ")
    assert "JSON decode error" not in problem["detail"]
