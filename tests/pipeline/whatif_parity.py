"""The what-if parity check, shared by the test and the benchmark.

Random scenarios for many simulated people are applied to a copy of the lake (the
scenario's records written through ingestion, as a source would send them), ``credo run``
scores the copy, and every person's published score, band, probability of default,
sub-scores and reasons must equal what the exact what-if answered.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from credo.config import Settings
from credo.data.ingest import ingest_table
from credo.data.lake import Lake
from credo.data.schemas import CREDIT_KINDS, KINDS, record_schema
from credo.layout import champion_path, scores_path
from credo.pipeline.scenarios import (
    Action,
    CloseAccount,
    LeaveOut,
    OnTime,
    OpenAccount,
    PayDown,
    Records,
    apply,
)
from credo.pipeline.whatif import Outcome, champion, people_records, score_variants

MONTHS_CHOICES = (3, 6)  # each distinct month count is one more run of the copy


def random_scenario(rng: random.Random, records: Records, as_of: date) -> list[Action]:
    """One to three actions that apply to these records."""
    open_accounts = [a for a in records["account"]
                     if a["opened_at"] < as_of and (a["closed_at"] is None
                                                    or a["closed_at"] >= as_of)]
    latest: dict[str, dict] = {}
    for s in records["statement"]:
        if s["period_end"] < as_of and (s["account_id"] not in latest
                                        or s["period_end"] > latest[s["account_id"]]["period_end"]):
            latest[s["account_id"]] = s
    payable = [a for a in open_accounts if a["kind"] in CREDIT_KINDS
               and a["account_id"] in latest and latest[a["account_id"]]["balance"] > 0]
    choices: list[Action] = []
    if payable:
        account = rng.choice(payable)
        balance = latest[account["account_id"]]["balance"]
        choices.append(PayDown(account["account_id"], rng.choice([0, balance // 3, balance // 2])))
    if open_accounts:
        choices.append(CloseAccount(rng.choice(open_accounts)["account_id"]))
    choices.append(OpenAccount("credit_card", rng.choice([50_000, 300_000])))
    # Leaving out someone's only account would leave no score to compare.
    kinds = ("statement", "account", "public_record") if len(records["account"]) > 1 else (
        "statement", "public_record")
    disputable = [(k, r) for k in kinds for r in records[k]]
    if disputable:
        kind, record = rng.choice(disputable)
        choices.append(LeaveOut(kind, record["source_id"], record["record_id"]))
    actions = rng.sample(choices, rng.randint(1, min(2, len(choices))))
    # An action on an account left out would be refused: leave out last.
    actions.sort(key=lambda a: isinstance(a, LeaveOut))
    if rng.random() < 0.5:
        actions.append(OnTime(rng.choice(MONTHS_CHOICES)))
    return actions


def write_copy(home: Path, scenario_records: dict[str, Records], model_from: Settings) -> None:
    """A lake holding exactly these people's records, and the champion beside it."""
    lake = Lake(Settings(home=home).lake)
    by_source: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for records in scenario_records.values():
        for kind in KINDS:
            for r in records[kind]:
                by_source[(kind, r["source_id"])].append(r)
    with lake.writer() as writer:
        for (kind, source), rows in sorted(by_source.items()):
            report = ingest_table(pa.Table.from_pylist(rows, schema=record_schema(kind)),
                                  source=source, kind=kind, writer=writer)
            assert report.quarantined == 0, (kind, source, report.reasons)
        writer.commit()
    target = champion_path(Settings(home=home))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(champion_path(model_from), target)


def credo_run(home: Path, as_of: date) -> dict[str, dict]:
    """``credo run --as-of`` on the copy, as a user types it: the published rows by person."""
    credo = Path(sys.executable).with_name("credo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDO_")}
    env["CREDO_HOME"] = str(home)
    done = subprocess.run([str(credo), "run", "--as-of", str(as_of)], env=env,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rows = pq.read_table(scores_path(Settings(home=home), as_of)).to_pylist()
    return {r["person_id"]: r for r in rows}


def differences(outcome: Outcome, published: dict) -> list[str]:
    """What differs between a what-if answer and the run's row for the same records."""
    found = []
    for name, mine, theirs in (
        ("score", outcome.score, published["score"]),
        ("band", outcome.band, published["band"]),
        ("probability_of_default", outcome.probability_of_default,
         published["probability_of_default"]),
        ("reasons", outcome.reasons, json.loads(published["reasons_json"])),
        *((d, v, published[d]) for d, v in outcome.sub_scores.items()),
    ):
        if mine != theirs:
            found.append(f"{name}: what-if {mine!r}, run {theirs!r}")
    return found


def check_parity(settings: Settings, people: list[str], as_of: date, work: Path,
                 seed: int = 17) -> tuple[int, dict[str, list[str]]]:
    """Scenarios checked and the differences found per person (none when exact)."""
    rng = random.Random(seed)
    model, _ = champion(settings)
    records = people_records(settings, people, as_of)
    plans = {pid: random_scenario(rng, records[pid], as_of)
             for pid in people if records[pid]["account"]}
    applied = {pid: apply(records[pid], actions, as_of) for pid, actions in plans.items()}
    outcomes = dict(zip(applied, score_variants(model, list(applied.values())), strict=True))
    problems: dict[str, list[str]] = {}
    for day in sorted({day for _, day in applied.values()}):
        home = work / f"copy-{day}"
        members = {pid: recs for pid, (recs, d) in applied.items() if d == day}
        write_copy(home, members, settings)
        published = credo_run(home, day)
        for pid in members:
            if pid not in published:
                problems[pid] = [f"not scored by the run as of {day}"]
            elif found := differences(outcomes[pid], published[pid]):
                problems[pid] = [f"{plans[pid]}", *found]
    return len(applied), problems
