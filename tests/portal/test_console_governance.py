"""The console's registry (promote, roll back) and audit-log viewer, over a store of
their own (SQLite, and a throwaway PostgreSQL): the real app, no demo world needed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from credo.app import create_app
from credo.config import Settings
from credo.governance.registry import Registry
from credo.layout import champion_path
from credo.service.audit import logic as audit_logic
from credo.service.config import ServiceConfig
from credo.service.context import ServiceContext
from credo.service.errors import ConflictError, ForbiddenError, InvalidRequestError
from credo.service.governance import logic as governance
from credo.service.keys import Principal, issue_key
from credo.store import audit
from credo.store.models import AuditEvent, ModelRecord
from tests.databases import database_for
from tests.governance.test_registry import document

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SEEN = re.compile(r'name="seen" value="([^"]*)"')
EVENT_ROW = re.compile(r'<tr><td data-label="When \(UTC\)"><time')


@dataclass
class Store:
    settings: Settings
    ctx: ServiceContext
    app: object

    def operator(self, name: str) -> TestClient:
        with self.ctx.session() as s:
            key = issue_key(s, "operator", name, self.ctx.pepper)
            s.commit()
        client = TestClient(self.app, follow_redirects=False)
        token = CSRF.search(client.get("/console/login").text).group(1)
        signed = client.post("/console/login", data={"api_key": key, "csrf": token})
        assert signed.status_code == 303, signed.text[:300]
        return client

    def statuses(self) -> dict[str, str]:
        with self.ctx.session() as s:
            return {m.model_id: m.status for m in s.scalars(select(ModelRecord))}

    def actions(self, prefix: str) -> list[tuple[str, str]]:
        with self.ctx.session() as s:
            return [(e.action, e.actor_id) for e in s.scalars(
                select(AuditEvent).where(AuditEvent.action.startswith(prefix, autoescape=True))
                .order_by(AuditEvent.id))]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path) -> Iterator[Store]:
    settings = Settings(home=tmp_path, database_url=database_for(request.param, tmp_path,
                                                                 request))
    with Registry(settings) as registry:
        for name, auc in (("model-a", 0.80), ("model-b", 0.82), ("model-c", 0.81)):
            registry.register(document(name, auc), "cli:test")
        registry.promote("model-a", "cli:test")
    ctx = ServiceContext.build(settings, config=ServiceConfig(rate_per_second=1e4,
                                                              rate_burst=1e4))
    try:
        yield Store(settings, ctx, create_app(context=ctx))
    finally:
        ctx.close()


def form(client: TestClient, model_id: str | None = None) -> dict[str, str]:
    """The registry page's CSRF token and the champion it shows (as its forms send)."""
    html = client.get("/console/models").text
    return {"csrf": CSRF.search(html).group(1), "seen": SEEN.search(html).group(1)}


def test_an_operator_promotes_and_rolls_back_from_the_registry_page(store: Store) -> None:
    client = store.operator("alice")
    page = client.get("/console/models")
    assert page.status_code == 200
    assert 'data-testid="champion">model-a<' in page.text
    assert "Roll back" not in page.text  # nothing was champion before model-a
    done = client.post("/console/models/model-b/promote",
                       data={**form(client), "note": "better out of time"})
    assert done.status_code == 303 and done.headers["location"].endswith("done=promoted")
    assert store.statuses() == {"model-a": "retired", "model-b": "champion",
                                "model-c": "candidate"}
    assert json.loads(champion_path(store.settings).read_text())["model_id"] == "model-b"
    page = client.get("/console/models?done=promoted")
    assert "The model was promoted" in page.text and "Roll back to model-a" in page.text
    back = client.post("/console/models/rollback", data=form(client))
    assert back.status_code == 303
    assert store.statuses()["model-a"] == "champion"
    assert json.loads(champion_path(store.settings).read_text())["model_id"] == "model-a"
    assert store.actions("model_")[-2:] == [("model_promote", "alice"),
                                            ("model_rollback", "alice")]


def test_of_two_operators_changing_the_champion_at_once_the_second_gets_409(
        store: Store) -> None:
    alice, bob = store.operator("alice"), store.operator("bob")
    alice_form, bob_form = form(alice), form(bob)  # both saw model-a as the champion
    assert alice.post("/console/models/model-b/promote", data=alice_form).status_code == 303
    lost = bob.post("/console/models/model-c/promote", data=bob_form)
    assert lost.status_code == 409
    assert "champion changed meanwhile" in lost.text and "reload" in lost.text
    assert store.statuses() == {"model-a": "retired", "model-b": "champion",
                                "model-c": "candidate"}
    stale_rollback = bob.post("/console/models/rollback", data=bob_form)
    assert stale_rollback.status_code == 409
    assert [a for a, _ in store.actions("model_")].count("model_promote") == 2  # cli + alice


def test_the_store_itself_refuses_a_second_champion(store: Store) -> None:
    with store.ctx.session() as s:
        s.get(ModelRecord, "model-c").status = "champion"
        with pytest.raises(IntegrityError):
            s.commit()


def test_changing_the_champion_needs_an_operator_and_the_consoles_token(store: Store) -> None:
    anonymous = TestClient(store.app, follow_redirects=False)
    r = anonymous.post("/console/models/model-b/promote", data={"seen": "model-a"})
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    client = store.operator("alice")
    r = client.post("/console/models/model-b/promote", data={"seen": "model-a",
                                                               "csrf": "guessed"})
    assert r.status_code == 403
    r = client.post("/console/models/model-b/promote",
                    data={**form(client)}, headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    assert store.statuses()["model-a"] == "champion"
    with store.ctx.session() as s, pytest.raises(ForbiddenError, match="only an operator"):
        governance.promote(s, store.settings, Principal("person", "P1", "x"), "model-b",
                           "model-a")


def test_unknown_models_and_nothing_to_roll_back_are_pages_that_say_so(store: Store) -> None:
    client = store.operator("alice")
    r = client.post("/console/models/no-such-model/promote", data=form(client))
    assert r.status_code == 404 and "no model" in r.text
    r = client.post("/console/models/rollback", data=form(client))
    assert r.status_code == 409 and "no earlier champion" in r.text
    r = client.get("/console/models/model-a/report")
    assert r.status_code == 404 and "credo report --model model-a --out" in r.text


def test_a_written_validation_report_is_linked_and_served_without_script(store: Store) -> None:
    path = governance.report_path(store.settings, "model-a")
    path.parent.mkdir(parents=True)
    path.write_text("<!doctype html><style>h1{color:red}</style><h1>Validation</h1>")
    client = store.operator("alice")
    assert 'href="/console/models/model-a/report"' in client.get("/console/models").text
    assert 'data-testid="report-link"' in client.get("/console/fairness").text
    r = client.get("/console/models/model-a/report")
    assert r.status_code == 200 and "<h1>Validation</h1>" in r.text
    policy = r.headers["content-security-policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert ("report.read", "alice") in store.actions("report.")


def test_the_audit_log_viewer_filters_by_actor_action_and_days_and_pages(store: Store) -> None:
    client = store.operator("alice")
    start = datetime.now(UTC)
    with store.ctx.session() as s:
        for i in range(120):
            audit.record(s, actor_role="partner", actor_id="pt-lender", action="score.read",
                         person_id=f"P{i:03d}")
        s.commit()
    page = client.get("/console/audit", params={"actor": "pt-lender", "action": "score.read"})
    assert page.status_code == 200
    rows = re.findall(EVENT_ROW, page.text)
    assert len(rows) == audit_logic.PAGE_SIZE
    assert "P119" in page.text and "P000" not in page.text  # newest first
    assert "Older events" in page.text and "Newer events" not in page.text
    last = client.get("/console/audit", params={"actor": "pt-lender", "page": "3"})
    assert len(re.findall(EVENT_ROW, last.text)) == 20 and "P000" in last.text
    assert "Older events" not in last.text and "Newer events" in last.text
    none = client.get("/console/audit", params={"actor": "nobody"})
    assert "No event matches" in none.text
    today = start.date()
    past = client.get("/console/audit", params={"to": str(today - timedelta(days=1))})
    assert "No event matches" in past.text
    within = client.get("/console/audit", params={"from": str(today), "to": str(today),
                                                  "action": "model_promote"})
    assert "model_promote" in within.text and "cli:test" in within.text
    reads = [a for a in store.actions("audit.read")]
    assert reads and all(actor == "alice" for _, actor in reads)


@pytest.mark.parametrize(("params", "says"), [
    ({"from": "2026-13-01"}, "from: a date as YYYY-MM-DD"),
    ({"to": "yesterday"}, "to: a date as YYYY-MM-DD"),
    ({"from": "2026-02-01", "to": "2026-01-01"}, "is after to"),
    ({"actor": "<script>alert(1)</script>"}, "actor: an operator"),
    ({"action": "DROP TABLE audit_log"}, "action: one of the actions"),
    ({"page": "0"}, "page: a whole number"),
    ({"page": "-1"}, "page: a whole number"),
    ({"page": "²"}, "page: a whole number"),
    ({"page": "99999999"}, "page: a whole number"),
])
def test_bad_audit_filters_are_refused_in_words_with_the_form_kept(
        store: Store, params: dict[str, str], says: str) -> None:
    client = store.operator("alice")
    r = client.get("/console/audit", params=params)
    assert r.status_code == 422 and says in r.text
    assert "<script>alert" not in r.text  # shown back escaped
    assert 'role="alert"' in r.text and 'id="actor"' in r.text


def test_overlong_audit_filters_are_refused_as_a_page(store: Store) -> None:
    client = store.operator("alice")
    r = client.get("/console/audit", params={"actor": "x" * 5000})
    assert r.status_code == 422 and "text/html" in r.headers["content-type"]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(actor=st.text(max_size=140), action=st.text(max_size=50), since=st.text(max_size=12),
       until=st.text(max_size=12), page=st.text(max_size=8))
def test_any_filter_text_is_either_a_query_or_an_invalid_request(
        actor: str, action: str, since: str, until: str, page: str) -> None:
    try:
        query = audit_logic.audit_query(actor, action, since, until, page)
    except InvalidRequestError as error:
        assert error.status == 422 and ":" in error.detail
        return
    assert 1 <= query.page <= audit_logic.MAX_PAGE
    assert query.since is None or query.until is None or query.since <= query.until


def test_conflicts_are_409_problems_in_the_service_logic(store: Store) -> None:
    with store.ctx.session() as s, pytest.raises(ConflictError):
        governance.promote(s, store.settings, Principal("operator", "bob", "x"), "model-b",
                           seen="model-c")


def test_a_change_that_loses_the_race_after_its_read_is_refused(store: Store,
                                                                 monkeypatch) -> None:
    """Alice reads the champion; Bob's promotion commits before Alice's update runs: her
    conditional update changes nothing, so she gets the conflict and the store keeps
    exactly Bob's change."""
    from credo.governance import registry

    real = registry.champion_of

    def read_then_bob_wins(session):
        current = real(session)
        monkeypatch.setattr(registry, "champion_of", real)
        with store.ctx.session() as other:
            registry.promote(other, "model-c", "bob")
            other.commit()
        return current

    monkeypatch.setattr(registry, "champion_of", read_then_bob_wins)
    with store.ctx.session() as s, pytest.raises(ConflictError, match="changed meanwhile"):
        governance.promote(s, store.settings, Principal("operator", "alice", "x"), "model-b",
                           seen="model-a")
    assert store.statuses() == {"model-a": "retired", "model-b": "candidate",
                                "model-c": "champion"}
    assert store.actions("model_promote")[-1] == ("model_promote", "bob")
