"""The exact what-if: latency per scenario and per request on a large lake, and parity
with `credo run`.

Prints, for a simulated world (the one bench/monthly_run.py builds and reuses, or any
home with a lake, a champion and a run), timing the library call a request makes
(``credo.pipeline.whatif.what_if``) for randomly chosen people and random scenarios:
- the person's first request (their records read from the lake) holding one scenario,
  and how much of it is reading the records; the same with eight scenarios;
- the person's next request (their records and their score as they are were kept, per
  lake version) holding one scenario, and holding eight: what follows the start of a
  what-if (GET /v1/me/what-if, or the page opening), which is timed too;
- per request and per scenario (a request's time divided by its scenarios): p50, p95 and
  max, and the p95 per scenario against the goal of 100 ms;
- the parity check: random scenarios for --parity people applied to a copy of the lake
  and scored by a real `credo run` on it, and how many differ (the goal: 0).

The lake's copy in person order (`credo lake --by-person`) is written first if the lake
has none of its version (the time it took is printed); `--no-copy` reads every person
from the month files instead, as a lake without the copy is read.

    .venv/bin/python bench/what_if.py --home bench/results/world-100000-s5 --parity 1000
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the parity check is shared with the test suite

from tests.pipeline.whatif_parity import (  # noqa: E402
    MONTHS_CHOICES,
    check_parity,
    random_scenario,
)

from credo.config import Settings  # noqa: E402
from credo.data import by_person  # noqa: E402
from credo.data.by_person_writer import write_copy  # noqa: E402
from credo.data.lake import Lake  # noqa: E402
from credo.data.schemas import KINDS  # noqa: E402
from credo.layout import champion_path, features_path, run_dir, run_folders  # noqa: E402
from credo.pipeline.rescore import latest_run_date  # noqa: E402
from credo.pipeline.run_features import run_features  # noqa: E402
from credo.pipeline.scenarios import OnTime  # noqa: E402
from credo.pipeline.variant_features import prepare  # noqa: E402
from credo.pipeline.whatif import (  # noqa: E402
    champion,
    forget_people,
    people_records,
    person_records,
    scored_columns,
    what_if,
)
from credo.service.insight.schemas import (  # noqa: E402
    MAX_SCENARIOS_PER_REQUEST as EIGHT,
)
from credo.worker_pool import on_every_thread  # noqa: E402

RESULTS = Path(__file__).parent / "results"
GOAL_MS = 100  # p95 per scenario


def machine_load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def work_home(world: Path, out: Path) -> Settings:
    """A home reading the world's lake, with copies of its champion and latest run, so the
    world's own folder is only read."""
    source = Settings(home=world)
    runs = run_folders(source)
    if not runs or not champion_path(source).exists():
        raise SystemExit(f"{world} holds no run or no champion: run bench/monthly_run.py first")
    settings = Settings(home=out, lake_path=source.lake)
    champion_path(settings).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(champion_path(source), champion_path(settings))
    as_of = latest_run_date(source)
    assert as_of is not None
    if not run_dir(settings, as_of).exists():
        shutil.copytree(runs[-1], run_dir(settings, as_of))
        # Its feature table too: a person's outcome as they are is its row while the run
        # read what the what-if reads (a run written before that was kept has none).
        if features_path(source, as_of).exists():
            features_path(settings, as_of).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(features_path(source, as_of), features_path(settings, as_of))
    return settings


def from_the_run(settings: Settings, people: list[str], as_of: date) -> int:
    """How many of these people's outcome as they are is the run's row of features (the
    benchmark's world holds no dispute, so every record of theirs is read)."""
    _, document = champion(settings)
    lake = Lake(settings.lake)
    taken = 0
    for person in people:
        records = person_records(settings, person, as_of)
        keys = frozenset((kind, r["source_id"], r["record_id"])
                         for kind in KINDS for r in records[kind])
        taken += run_features(settings, lake, as_of, str(document["model_id"]), person,
                              keys, frozenset()) is not None
    return taken


def percentiles(values: list[float]) -> str:
    ms = np.array(values) * 1000
    return (f"p50 {np.percentile(ms, 50):.0f} ms, p95 {np.percentile(ms, 95):.0f} ms, "
            f"max {ms.max():.0f} ms (n={len(ms)})")


def timed(call: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    call(*args)
    return time.perf_counter() - start


def latency(settings: Settings, people: list[str], rng: random.Random) -> None:
    as_of = latest_run_date(settings)
    assert as_of is not None
    # The scenarios are chosen from records read for everyone at once, so that no
    # person's records are kept before their first request.
    found = people_records(settings, people, as_of)
    people = [p for p in people if found[p]["account"]]
    plans = {p: [random_scenario(rng, found[p], as_of) for _ in range(2)]
             + [[random_scenario(rng, found[p], as_of) for _ in range(EIGHT)]]
             for p in people}
    model, _ = champion(settings)
    # A server's first requests prepare the feature query for each date they ask about
    # (the run's, and each number of months on time the scenarios choose).
    warm_up = [[OnTime(months)] for months in MONTHS_CHOICES]
    process_first = timed(what_if, settings, people[0], warm_up)
    # Each of the worker pool's threads keeps its own connection and prepared queries,
    # among them the run's date's, which a scenario that is not "months on time" needs
    # (a person's outcome as they are is usually the run's, with no query).
    on_every_thread(lambda: (prepare([as_of], scored_columns(model)),
                              what_if(settings, people[0], warm_up)))
    reading, start, first_one, next_one, first_eight, next_eight = [], [], [], [], [], []
    for person in people:
        one, another, eight = plans[person]
        forget_people()
        reading.append(timed(person_records, settings, person, as_of))
        forget_people()
        first_one.append(timed(what_if, settings, person, [one]))
        next_one.append(timed(what_if, settings, person, [another]))
        next_eight.append(timed(what_if, settings, person, eight))
        forget_people()
        first_eight.append(timed(what_if, settings, person, eight))
        forget_people()  # what GET /v1/me/what-if (the page's opening) asks
        start.append(timed(what_if, settings, person, []))
    per_scenario = {
        "first request, one scenario": first_one,
        "first request, eight scenarios": [t / EIGHT for t in first_eight],
        "next request, one scenario": next_one,
        "next request, eight scenarios": [t / EIGHT for t in next_eight],
    }
    print(f"the process's first request (records read, the feature query prepared for "
          f"each date it needs): {process_first * 1000:.0f} ms")
    print(f"a person's outcome as they are: the run's row of features for "
          f"{from_the_run(settings, people, as_of)} of {len(people)} people (computed "
          "for the others)")
    print("per request:")
    print(f"  first, one scenario:          {percentiles(first_one)}")
    print(f"    reading the records:        {percentiles(reading)}")
    print(f"  first, eight scenarios:       {percentiles(first_eight)}")
    print(f"  next, one scenario:           {percentiles(next_one)}")
    print(f"  next, eight scenarios:        {percentiles(next_eight)}")
    print(f"  the start (records read and scored as they are, no scenario): "
          f"{percentiles(start)}")
    print(f"per scenario (goal: p95 <= {GOAL_MS} ms):")
    for name, values in per_scenario.items():
        p95 = float(np.percentile(np.array(values) * 1000, 95))
        verdict = "met" if p95 <= GOAL_MS else "NOT met"
        print(f"  {name + ':':32}{percentiles(values)}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=RESULTS / "world-100000-s5",
                        help="a home with a lake, a champion and a run")
    parser.add_argument("--sample", type=int, default=200, help="people timed (0: skip)")
    parser.add_argument("--parity", type=int, default=1000, help="people checked (0: skip)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-copy", action="store_true",
                        help="read people from the month files, not the copy in person order")
    args = parser.parse_args()
    print(machine_load())
    lake = Lake(Settings(home=args.home).lake)
    if args.no_copy:  # the reader then finds no copy, as on a lake that has none
        by_person.person_rows = lambda *_, **__: None  # type: ignore[assignment]
        print("reading people from the month files (no copy in person order)")
    else:
        report = write_copy(lake)
        print(f"copy in person order of lake version {report.lake_version}: "
              + (f"written in {report.seconds:.1f} s" if report.written else "already there"))
    with tempfile.TemporaryDirectory(prefix="credo-what-if-") as scratch:
        settings = work_home(args.home, Path(scratch) / "home")
        as_of = latest_run_date(settings)
        assert as_of is not None
        everyone = pq.read_table(run_dir(settings, as_of) / "scores.parquet",
                                 columns=["person_id"])["person_id"].to_pylist()
        print(f"lake {settings.lake}: {len(everyone):,} people scored as of {as_of}")
        rng = random.Random(args.seed)
        if args.sample:
            latency(settings, rng.sample(everyone, min(args.sample, len(everyone))), rng)
        if args.parity:
            t = time.perf_counter()
            people = rng.sample(everyone, min(args.parity, len(everyone)))
            checked, problems = check_parity(settings, people, as_of, Path(scratch) / "parity",
                                             seed=args.seed)
            print(f"parity with credo run on a copy of the lake: {checked:,} people with a "
                  f"random scenario, {len(problems)} differ ({time.perf_counter() - t:.0f} s)")
            for person, found in list(problems.items())[:5]:
                print(f"  {person}: {found}")
    print(machine_load())


if __name__ == "__main__":
    main()
