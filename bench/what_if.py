"""The exact what-if: latency per scenario on a large lake, and parity with `credo run`.

Prints, for a simulated world (the one bench/monthly_run.py builds and reuses, or any
home with a lake, a champion and a run):
- the time of one what-if request holding one scenario, for randomly chosen people and
  random scenarios (p50, p95, max), split into reading the person's records from the lake
  and scoring the scenario; the person's next request (their records are read once per
  lake version); and the time per scenario when a request holds eight;
- the parity check: random scenarios for --parity people applied to a copy of the lake
  and scored by a real `credo run` on it, and how many differ (the goal: 0).

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
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the parity check is shared with the test suite

from tests.pipeline.whatif_parity import check_parity, random_scenario  # noqa: E402

from credo.config import Settings  # noqa: E402
from credo.layout import champion_path, run_dir, run_folders  # noqa: E402
from credo.pipeline.rescore import latest_run_date  # noqa: E402
from credo.pipeline.scenarios import apply  # noqa: E402
from credo.pipeline.whatif import champion, person_records, score_variants  # noqa: E402

RESULTS = Path(__file__).parent / "results"


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
    target = run_dir(settings, latest_run_date(source))  # type: ignore[arg-type]
    if not target.exists():
        shutil.copytree(runs[-1], target)
    return settings


def percentiles(values: list[float]) -> str:
    ms = np.array(values) * 1000
    return (f"p50 {np.percentile(ms, 50):.0f} ms, p95 {np.percentile(ms, 95):.0f} ms, "
            f"max {ms.max():.0f} ms (n={len(ms)})")


def latency(settings: Settings, people: list[str], rng: random.Random) -> None:
    as_of = latest_run_date(settings)
    assert as_of is not None
    model, _ = champion(settings)
    score_variants(model, [(person_records(settings, people[0], as_of), as_of)])  # warm up
    reading, scoring, whole, again, batched = [], [], [], [], []
    for person in people:
        t0 = time.perf_counter()
        records = person_records(settings, person, as_of)
        t1 = time.perf_counter()
        if not records["account"]:
            continue
        scenario = random_scenario(rng, records, as_of)
        score_variants(model, [(records, as_of), apply(records, scenario, as_of)])
        t2 = time.perf_counter()
        reading.append(t1 - t0)
        scoring.append(t2 - t1)
        whole.append(t2 - t0)
        t4 = time.perf_counter()  # the person's next scenario: their records are read once
        records = person_records(settings, person, as_of)
        score_variants(model, [(records, as_of),
                               apply(records, random_scenario(rng, records, as_of), as_of)])
        again.append(time.perf_counter() - t4)
        eight = [apply(records, random_scenario(rng, records, as_of), as_of) for _ in range(8)]
        t3 = time.perf_counter()
        score_variants(model, [(records, as_of), *eight])
        batched.append((time.perf_counter() - t3) / 8)
    print(f"one scenario per request:   {percentiles(whole)}")
    print(f"  reading the records:      {percentiles(reading)}")
    print(f"  scoring (now + scenario): {percentiles(scoring)}")
    print(f"the person's next request:  {percentiles(again)}")
    print(f"eight scenarios per request, scoring per scenario: {percentiles(batched)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=RESULTS / "world-100000-s5",
                        help="a home with a lake, a champion and a run")
    parser.add_argument("--sample", type=int, default=200, help="people timed (0: skip)")
    parser.add_argument("--parity", type=int, default=1000, help="people checked (0: skip)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(machine_load())
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
