"""A simulated world prepared by the demo itself, served by a real ``credo serve``.

The world is built once per session with ``python -m credo.demo`` (2,500 people, three
published months, the demo lender, person and operator); tests that change it each
enrol people of their own, so they do not depend on one another's order.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest

from credo.config import Settings
from credo.data.lake import Lake
from credo.service.config import ServiceConfig
from credo.service.context import ServiceContext

PASSWORD = "correct horse battery staple"
MONTHS = 3
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@dataclass
class PortalWorld:
    home: Path
    settings: Settings
    demo: dict[str, str]
    people: list[str]  # everyone scored in the latest month, by id
    last_month: date

    def context(self) -> ServiceContext:
        return ServiceContext.build(self.settings,
                                    config=ServiceConfig(rate_per_second=1e4, rate_burst=1e4))

    def enrol(self, person_id: str, *, grant: str | None = "pt-demo-lender") -> str:
        """Give ``person_id`` a password (and an authorization for the demo lender)."""
        from credo.service.authorizations import logic as authorizations
        from credo.service.people import logic as people

        ctx = self.context()
        try:
            with ctx.session() as s:
                code = people.enroll(s, ctx.pepper, person_id, actor="test")
                people.activate(s, ctx.pepper, person_id, code, PASSWORD)
                auth_id = None
                if grant:
                    auth_id = authorizations.grant(s, person_id, grant, "loan", 30).id
                    s.commit()
        finally:
            ctx.close()
        return auth_id or ""

    def operator_key(self, name: str) -> str:
        from credo.service.keys import issue_key

        ctx = self.context()
        try:
            with ctx.session() as s:
                key = issue_key(s, "operator", name, ctx.pepper)
                s.commit()
        finally:
            ctx.close()
        return key

    def score_without(self, person_id: str, record: dict[str, Any]) -> int | None:
        """The person's score if ``record`` (a statement) were left out of scoring."""
        from credo.pipeline.rescore import rescore

        key = ("statement", record["source_id"], record["record_id"])
        result = rescore(person_id, self.settings, also_excluding=frozenset({key}))
        return None if result is None else int(result["score"])

    def late_statement(self, person_id: str) -> dict[str, Any] | None:
        """The person's most recent statement paid 30+ days late before the last run."""
        from credo.service.people.logic import lake_records

        statements = lake_records(Lake(self.settings.lake), person_id, history=False,
                                  kinds=("statement",))["statement"]
        rows = [r for r in statements if r["days_past_due"] >= 30
                and r["period_end"] < self.last_month.isoformat()]
        return max(rows, key=lambda r: r["period_end"]) if rows else None


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("CREDO_DATABASE_URL", "CREDO_LAKE", "CREDO_ENGINE")}
    env.update(CREDO_HOME=str(home), CREDO_RATE_PER_SECOND="10000", CREDO_RATE_BURST="10000")
    return env


@pytest.fixture(scope="session")
def portal_world(tmp_path_factory: pytest.TempPathFactory) -> PortalWorld:
    home = tmp_path_factory.mktemp("portal")
    accounts = home / "accounts.json"
    done = subprocess.run(
        [sys.executable, "-m", "credo.demo", "--people", "2500", "--months", str(MONTHS),
         "--no-example", "--no-serve", "--accounts", str(accounts)],
        env=_clean_env(home), capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    settings = Settings(home=home)
    scores = sorted(settings.home.glob("scores/as_of=*"))[-1]
    people = sorted(pq.read_table(scores / "scores.parquet", columns=["person_id"])
                    ["person_id"].to_pylist())
    last = date.fromisoformat(scores.name.removeprefix("as_of="))
    return PortalWorld(home, settings, json.loads(accounts.read_text()), people, last)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(portal_world: PortalWorld) -> Iterator[str]:
    """``credo serve`` on a free port over the world: the base URL."""
    port = _free_port()
    credo = Path(sys.executable).with_name("credo")
    log = portal_world.home / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen([str(credo), "serve", "--port", str(port)],
                                   env=_clean_env(portal_world.home), stdout=out,
                                   stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a loaded machine imports slowly
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("credo serve did not start:\n" + log.read_text()[-3000:])
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
