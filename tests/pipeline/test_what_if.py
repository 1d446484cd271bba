"""The exact what-if: scenarios scored as ``credo run`` would score their records."""

from __future__ import annotations

import json
import shutil

import pyarrow.parquet as pq
import pytest

from credo.config import Settings
from credo.data import by_person
from credo.data.by_person_writer import write_copy
from credo.data.ingest import ingest_path
from credo.data.lake import Lake
from credo.features.engines import DuckDBEngine
from credo.layout import MANIFEST_FILE, champion_path, features_path, run_dir, scores_path
from credo.pipeline import whatif
from credo.pipeline.run import monthly_run
from credo.pipeline.run_features import run_features
from credo.pipeline.scenarios import CloseAccount, LeaveOut, OnTime, PayDown, ScenarioError
from credo.pipeline.training import train_on_lake
from credo.pipeline.whatif import champion, forget_people, people_records, what_if
from credo.scorecard import artifact

from ..data.conftest import record, write_csv
from .conftest import RUN_AS_OF, TRAIN_AS_OF, VALIDATE_AS_OF, World
from .whatif_parity import check_parity

PARITY_PEOPLE = 150  # bench/what_if.py checks 1,000


@pytest.fixture(scope="module")
def scored(world: World, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A home over the shared lake with a champion and the run as of RUN_AS_OF."""
    settings = Settings(home=tmp_path_factory.mktemp("what-if"), lake_path=world.settings.lake)
    engine = DuckDBEngine(memory_limit="2GB")
    try:
        result = train_on_lake(settings, engine, TRAIN_AS_OF, VALIDATE_AS_OF)
        path = champion_path(settings)
        path.parent.mkdir(parents=True)
        document = artifact.save(result.model, path, result.metadata)
        monthly_run(settings, engine, RUN_AS_OF, result.model, document)
    finally:
        engine.close()
    return settings


def _published(settings: Settings) -> dict[str, dict]:
    rows = pq.read_table(scores_path(settings, RUN_AS_OF)).to_pylist()
    return {r["person_id"]: r for r in rows}


def test_scenarios_give_what_credo_run_gives_on_a_copy_of_the_lake(scored, tmp_path):
    people = sorted(_published(scored))[:: max(1, len(_published(scored)) // PARITY_PEOPLE)]
    checked, problems = check_parity(scored, people, RUN_AS_OF, tmp_path)
    assert checked >= PARITY_PEOPLE * 0.9
    assert problems == {}, list(problems.items())[:5]


def test_no_scenario_gives_the_published_score_and_the_answers_are_one_call(scored):
    published = _published(scored)
    person = sorted(published)[3]
    records = people_records(scored, [person], RUN_AS_OF)[person]
    # An open card, chosen the same way whatever order the lake's rows come in.
    cards = sorted(a["account_id"] for a in records["account"]
                   if a["kind"] == "credit_card" and a.get("closed_at") is None)
    scenarios = [[OnTime(6)], [OnTime(6), OnTime(6)][:1]]
    answer = what_if(scored, person, scenarios + ([[CloseAccount(cards[0])]] if cards else []))
    assert answer.now.score == published[person]["score"]
    assert answer.now.band == published[person]["band"]
    assert answer.scenarios[0] == answer.scenarios[1]  # deterministic
    assert answer.scenarios[0].as_of == RUN_AS_OF.replace(month=7)
    # Points are exact: their sum is the score (before the scale's clip, when in range).
    for outcome in (answer.now, *answer.scenarios):
        if outcome.in_default is None and 350 < outcome.score < 950:
            assert sum(outcome.points.values()) == outcome.score


def test_a_persons_next_request_answers_as_their_first(scored):
    """The records and the score as they are, kept between a person's requests, give the
    answers a first request gives."""
    person = sorted(_published(scored))[5]
    asks = [[[OnTime(3)]], [[OnTime(6)], [OnTime(3)]], [[OnTime(3)]]]
    kept = [what_if(scored, person, scenarios) for scenarios in asks]
    fresh = []
    for scenarios in asks:
        forget_people()
        fresh.append(what_if(scored, person, scenarios))
    assert kept == fresh
    assert kept[0].now.score == _published(scored)[person]["score"]


@pytest.mark.parametrize("actions, words", [
    ([PayDown("nobody-a1", 0)], "not one of your accounts"),
    ([OnTime(0)], "from 1 to 24"),
    ([OnTime(3), OnTime(4)], "at most one"),
])
def test_a_scenario_that_cannot_apply_says_why(scored, actions, words):
    person = sorted(_published(scored))[0]
    with pytest.raises(ScenarioError, match=words):
        what_if(scored, person, [actions])


def test_paying_a_balance_up_is_refused(scored: Settings):
    published = _published(scored)
    for person in sorted(published)[:200]:
        records = people_records(scored, [person], RUN_AS_OF)[person]
        card = next((s for s in sorted(records["statement"], key=lambda s: s["period_end"])[::-1]
                     if s["balance"] > 0 and any(a["account_id"] == s["account_id"]
                                                 and a["kind"] == "credit_card"
                                                 for a in records["account"])), None)
        if card is not None:
            with pytest.raises(ScenarioError, match="choose a lower balance"):
                what_if(scored, person, [[PayDown(card["account_id"], card["balance"] + 1)]])
            return
    pytest.skip("no card with a balance among the first people")




def test_a_scenario_leaving_no_account_is_refused(scored: Settings):
    people = sorted(_published(scored))[:20]
    found = people_records(scored, people, RUN_AS_OF)
    person = next(p for p in people if len(found[p]["account"]) <= 6)
    every = [LeaveOut("account", a["source_id"], a["record_id"])
             for a in found[person]["account"]]
    with pytest.raises(ScenarioError, match="leaves no account"):
        what_if(scored, person, [every])


def test_read_from_the_lake_copied_in_person_order_the_answers_hold(scored, tmp_path):
    """The copy changes how a person's records are found, never which: the same answers,
    and still those of `credo run`."""
    people = sorted(_published(scored))[7::61][:40]
    scenarios = [[OnTime(6)], [OnTime(3)]]
    forget_people()
    before = {p: what_if(scored, p, scenarios) for p in people}
    lake = Lake(scored.lake)
    copies = write_copy(lake).path.parent
    try:
        assert by_person.person_rows(lake, "statement", people[0]) is not None
        forget_people()
        assert {p: what_if(scored, p, scenarios) for p in people} == before
        checked, problems = check_parity(scored, people, RUN_AS_OF, tmp_path)
        assert checked >= 30 and problems == {}, list(problems.items())[:5]
    finally:  # the world's lake is shared with other tests: leave it as it was
        shutil.rmtree(copies)
        forget_people()


def _copied(scored: Settings, tmp_path) -> Settings:
    """A home and lake of their own, copied from ``scored`` (the world's are shared)."""
    settings = Settings(home=tmp_path / "home", lake_path=tmp_path / "lake")
    shutil.copytree(scored.home, settings.home)
    shutil.copytree(scored.lake, settings.lake)
    return settings


def _runs_row(settings: Settings, person: str, excluded=frozenset()):
    lake = Lake(settings.lake)
    _, document = champion(settings)
    rows = whatif._read(settings, person, RUN_AS_OF).records
    return run_features(settings, lake, RUN_AS_OF, str(document["model_id"]), person,
                        whatif._keys(rows), excluded)


def test_a_persons_now_from_the_runs_features_is_the_one_computed(scored, monkeypatch):
    """Where the run read what the what-if reads, its row of features is the person's
    now, and gives to the point what computing it gives."""
    people = sorted(_published(scored))[11::53][:25]
    assert all(_runs_row(scored, p) is not None for p in people)
    scenarios = [[OnTime(6)]]
    forget_people()
    with_row = {p: what_if(scored, p, scenarios) for p in people}
    monkeypatch.setattr(whatif, "run_row", lambda *_a, **_k: None)
    forget_people()
    computed = {p: what_if(scored, p, scenarios) for p in people}
    forget_people()
    assert with_row == computed
    assert all(with_row[p].now.score == _published(scored)[p]["score"] for p in people)


def test_the_runs_features_are_not_taken_once_they_may_differ(scored, tmp_path):
    settings = _copied(scored, tmp_path)
    people = sorted(_published(settings))[3::97][:3]
    person = people[0]
    rows = whatif._read(settings, person, RUN_AS_OF).records
    one = next(iter(whatif._keys(rows)))
    assert _runs_row(settings, person) is not None
    # A record of theirs left out since the run (a dispute): theirs is computed, not
    # someone else's; a key that is none of their records changes nothing.
    assert _runs_row(settings, person, frozenset({one})) is None
    assert _runs_row(settings, people[1], frozenset({one})) is not None
    assert _runs_row(settings, person, frozenset({("statement", "x", "nobody's")})) is not None
    # A record reported after the run's month (a source's push today) changes nothing
    # the run read; one reported before it does, for everyone.
    lake = Lake(settings.lake)
    later = record("statement", record_id="later-1", person_id=person,
                   reported_at="2025-03-22T02:00:00Z")
    ingest_path(write_csv(tmp_path / "later.csv", [later]), source="bank",
                kind="statement", lake=lake)
    forget_people()
    assert _runs_row(settings, person) is not None
    earlier = record("statement", record_id="earlier-1", person_id=person,
                     reported_at="2024-12-02T02:00:00Z", period_end="2024-10-31",
                     due_date="2024-11-21", paid_at="2024-11-18")
    ingest_path(write_csv(tmp_path / "earlier.csv", [earlier]), source="bank",
                kind="statement", lake=lake)
    forget_people()
    assert all(_runs_row(settings, p) is None for p in people)
    assert what_if(settings, person, [[OnTime(3)]]).now.as_of == RUN_AS_OF  # computed


@pytest.mark.parametrize("damage", ["no features", "older manifest", "other model"])
def test_without_the_runs_features_a_what_if_computes_its_own(scored, tmp_path, damage):
    settings = _copied(scored, tmp_path)
    person = sorted(_published(settings))[9]
    forget_people()
    expected = what_if(settings, person, [[OnTime(6)]])
    manifest = run_dir(settings, RUN_AS_OF) / MANIFEST_FILE
    document = json.loads(manifest.read_text())
    if damage == "no features":
        features_path(settings, RUN_AS_OF).unlink()
    elif damage == "older manifest":  # written before runs listed what they left out
        del document["excluded"]
    else:
        document["model_id"] = "scorecard-another"
    manifest.write_text(json.dumps(document))
    assert _runs_row(settings, person) is None
    forget_people()
    assert what_if(settings, person, [[OnTime(6)]]) == expected
