"""Service fixtures: an app over SQLite or a throwaway PostgreSQL, with seeded actors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from credo.app import create_app
from credo.config import Settings
from credo.data.ingest import ingest_path
from credo.policy.bands import band_of
from credo.service import ServiceContext
from credo.service.config import ServiceConfig
from credo.service.keys import issue_key
from credo.service.partners.logic import register_partner
from credo.service.people.logic import enroll, issue_token
from credo.store.publish import publish_snapshot, write_snapshot
from tests.databases import database_for


def snapshot_row(pid: str, score: int, run_id: str, as_of: date) -> dict[str, Any]:
    return {
        "person_id": pid, "as_of": as_of, "score": score, "band": band_of(score),
        "probability_of_default": 0.031, "credit_history": 640, "fulfilment_capacity": 700,
        "behaviour": 610, "identity": 800, "tenure": 590, "reason_1": "utilisation",
        "reason_2": "late_payments", "reason_3": None, "reason_4": None,
        "reasons_json": json.dumps([
            {"feature": "utilisation", "description": "credit cards used close to their limit",
             "bin": "80-100%", "points_lost": 35},
            {"feature": "late_payments", "description": "payments made late in the last year",
             "bin": "1", "points_lost": 12},
        ]),
        "model_id": "scorecard-1", "data_fingerprint": "fp", "run_id": run_id,
    }


STATEMENT = {
    "record_id": "st-1", "person_id": "P1", "reported_at": "2025-03-22T02:00:00Z",
    "account_id": "A1", "period_end": "2025-01-31", "due_date": "2025-02-21",
    "amount_due": 5000, "amount_paid": 0, "paid_at": None, "balance": 48000,
    "days_past_due": 45, "status": "late", "currency": "EUR",
}


@dataclass
class World:
    ctx: ServiceContext
    client: TestClient
    keys: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    rescored: list[str] = field(default_factory=list)

    def partner(self, name: str = "A") -> dict[str, str]:
        return {"X-API-Key": self.keys[f"partner-{name}"]}

    def person(self, pid: str = "P1") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[pid]}"}

    def operator(self) -> dict[str, str]:
        return {"X-API-Key": self.keys["operator"]}

    def source(self) -> dict[str, str]:
        return {"X-API-Key": self.keys["source"]}

    def grant(self, pid: str = "P1", partner: str = "pt-a", purpose: str = "loan",
              days: int = 30, scope: str = "score") -> dict[str, Any]:
        r = self.client.post("/v1/me/authorizations", headers=self.person(pid),
                             json={"partner_id": partner, "purpose": purpose,
                                   "valid_days": days, "scope": scope})
        assert r.status_code in (200, 201), r.text  # 200: the one there was extended
        return r.json()

    def score(self, pid: str = "P1", partner: str = "A", purpose: str = "loan") -> Any:
        return self.client.post("/v1/partner/score", headers=self.partner(partner),
                                json={"person_id": pid, "purpose": purpose})

    def threshold(self, threshold: int, pid: str = "P1", partner: str = "A",
                  purpose: str = "rental_deposit_waiver") -> Any:
        return self.client.post("/v1/partner/threshold-check", headers=self.partner(partner),
                                json={"person_id": pid, "purpose": purpose,
                                      "threshold": threshold})

    def seed_lake(self) -> None:
        path = self.ctx.settings.home / "seed.jsonl"
        rows = [STATEMENT, {**STATEMENT, "record_id": "st-2", "person_id": "P2"}]
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        report = ingest_path(path, source="bank-a", kind="statement", lake=self.ctx.lake)
        assert report.accepted == 2, report


def build_world(home: Path, database_url: str, *, rate: float = 10_000.0) -> World:
    settings = Settings(home=home, database_url=database_url)
    world = World(ctx=None, client=None)  # type: ignore[arg-type]

    def rescorer(pid: str) -> dict[str, Any] | None:
        world.rescored.append(pid)
        return None if pid == "P2" else {**snapshot_row(pid, 690, "x", date(2026, 3, 1)),
                                         "reasons": []}

    ctx = ServiceContext.build(settings, config=ServiceConfig(rate_per_second=rate,
                                                              rate_burst=rate),
                               rescorer=rescorer)
    world.ctx = ctx
    with ctx.session() as s:
        _, world.keys["partner-A"] = register_partner(
            s, ctx.pepper, name="Lender A", purposes=["loan", "rental_deposit_waiver"],
            partner_id="pt-a")
        _, world.keys["partner-B"] = register_partner(
            s, ctx.pepper, name="Landlord B", purposes=["rental_deposit_waiver"],
            partner_id="pt-b")
        world.keys["operator"] = issue_key(s, "operator", "op-1", ctx.pepper)
        world.keys["source"] = issue_key(s, "source", "bank-a", ctx.pepper)
        s.commit()
        for pid in ("P1", "P2", "P3"):
            enroll(s, ctx.pepper, pid)
            world.tokens[pid] = issue_token(s, ctx.pepper, pid)
        snap = write_snapshot(home / "snap.parquet", [
            snapshot_row("P1", 662, "run-2026-01", date(2026, 1, 31)),
            snapshot_row("P2", 540, "run-2026-01", date(2026, 1, 31)),
        ])
        publish_snapshot(s, snap)
    world.client = TestClient(create_app(context=ctx), raise_server_exceptions=False)
    return world


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    url = database_for(request.param, tmp_path, request)
    w = build_world(tmp_path, url)
    yield w
    w.client.close()
    w.ctx.close()


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[World]:
    w = build_world(tmp_path, f"sqlite:///{tmp_path / 'credo.db'}")
    yield w
    w.client.close()
    w.ctx.close()
