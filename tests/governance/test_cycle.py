"""The operator's cycle from the CLI: train, compare with the challenger in the report,
promote, run, monitor the next month (and a shifted one), roll back."""

from __future__ import annotations

import json
import re

import pyarrow.parquet as pq

from credo.governance.monitoring import EXIT_ACT, shift_population
from credo.governance.report import SECTIONS
from credo.layout import features_path

from .conftest import NEXT_AS_OF, RUN_AS_OF, TRAIN_AS_OF, VALIDATE_AS_OF

SHIFTED_AS_OF = "2025-03-01"


def champion_id(world) -> str:
    path = world.settings.home / "models" / "champion.json"
    return json.loads(path.read_text())["model_id"]


def test_train_report_promote_monitor_rollback(world, cli) -> None:
    code, out = cli("train", "--as-of", "2024-09-01", "--validate-as-of", VALIDATE_AS_OF)
    assert code == 0, out
    first = champion_id(world)
    assert "made champion (first model)" in out
    code, out = cli("train", "--as-of", TRAIN_AS_OF, "--validate-as-of", VALIDATE_AS_OF,
                    "--max-bins", "6")
    assert code == 0, out
    second = re.search(r"credo model promote ([\w-]+)", out).group(1)
    assert champion_id(world) == first  # a new model does not serve until promoted

    # The validation report on the candidate, with the challenger and the fairness audit.
    html_path = world.settings.home / "report" / "validation.html"
    code, out = cli("report", "--model", second, "--out", html_path, "--margin", "0.01")
    assert code == 0, out
    assert "challenger AUC" in out and "fairness sex" in out
    html = html_path.read_text()
    for section in SECTIONS:
        assert f">{section}<" in html, section
    assert html.count("<svg") >= 4
    lowered = html.lower()
    for outside in ("<script", "<link", "@import", "http://", "https://", "src="):
        assert outside not in lowered, outside
    twin = json.loads(html_path.with_suffix(".json").read_text())
    assert twin["model"]["model_id"] == second
    assert twin["model"]["registry"]["status"] == "candidate"
    assert set(twin["performance"]) == {"development", "out_of_time"}
    assert twin["features"] and all("woe" in b and "points" in b
                                    for f in twin["features"] for b in f["bins"])
    assert {r["band"] for r in twin["calibration"]["out_of_time"]} >= {"poor", "excellent"}
    assert twin["challenger"]["decision"]["winner"] in ("champion", "challenger")
    assert set(twin["fairness"]["attributes"]) == {"sex", "age_band", "region"}

    code, out = cli("model", "promote", second, "--note", "better on the report")
    assert code == 0, out
    assert champion_id(world) == second
    code, out = cli("run", "--as-of", RUN_AS_OF)
    assert code == 0, out
    snapshot = world.settings.home / "scores" / f"as_of={RUN_AS_OF}" / "scores.parquet"
    assert set(pq.read_table(snapshot).column("model_id").to_pylist()) == {second}
    code, out = cli("publish", snapshot)
    assert code == 0, out
    person = pq.read_table(snapshot).column("person_id")[0].as_py()
    code, out = cli("model", "which", person, "--as-of", RUN_AS_OF)
    assert code == 0 and out.startswith(second) and "version 2" in out, out

    # Consecutive months are stable; a deliberately shifted population must stop the run.
    code, out = cli("monitor", "--as-of", NEXT_AS_OF, "--baseline-as-of", RUN_AS_OF)
    assert code == 0, out
    assert "overall: stable" in out or "overall: watch" in out
    shifted = shift_population(pq.read_table(features_path(world.settings, NEXT_AS_OF))
                               .to_pandas())
    target = features_path(world.settings, __import__("datetime").date(2025, 3, 1))
    target.parent.mkdir(parents=True, exist_ok=True)
    shifted.to_parquet(target)
    report_json = world.settings.home / "monitor.json"
    code, out = cli("monitor", "--as-of", SHIFTED_AS_OF, "--baseline-as-of", RUN_AS_OF,
                    "--out", report_json)
    assert code == EXIT_ACT, out
    figures = json.loads(report_json.read_text())
    assert figures["status"] == "act" and figures["score_status"] != "stable"

    code, out = cli("model", "rollback", "--note", "drill")
    assert code == 0, out
    assert champion_id(world) == first
    code, out = cli("model", "list")
    assert code == 0
    statuses = {line.split()[2]: line.split()[1] for line in out.splitlines()[1:]}
    assert statuses == {first: "champion", second: "retired"}

    # The same views for an operator console, over the HTTP API.
    from fastapi.testclient import TestClient

    from credo.app import create_app
    from credo.service import ServiceContext
    from credo.service.keys import issue_key

    ctx = ServiceContext.build(world.settings)
    with ctx.session() as session:
        key = issue_key(session, "operator", "op-1", ctx.pepper)
        session.commit()
    with TestClient(create_app(context=ctx)) as client:
        listed = client.get("/v1/operator/models", headers={"X-API-Key": key})
        assert listed.status_code == 200, listed.text
        assert {m["model_id"]: m["status"] for m in listed.json()} == statuses
        shifted = client.get("/v1/operator/stability", headers={"X-API-Key": key},
                             params={"as_of": SHIFTED_AS_OF, "baseline_as_of": str(RUN_AS_OF)})
        assert shifted.status_code == 200, shifted.text
        assert shifted.json()["status"] == "act"
        assert client.get("/v1/operator/models").status_code == 401
    ctx.close()
