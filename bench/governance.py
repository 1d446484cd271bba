"""Model governance on a simulated population: report time, fairness, stability.

Runs the operator's commands on one simulated world (simulated once into bench/results/,
then reused) and prints:
- the time `credo report` takes to write the HTML validation report and its JSON twin
  (features of two months, scorecard and challenger metrics, fairness audit);
- the fairness figures for each protected attribute (approval rate, adverse impact
  ratio and true-positive-rate difference at each band threshold, and what drives the
  largest gap);
- the score PSI between two consecutive months (should be stable) and between a month
  and a deliberately shifted population (should flag "act": `credo monitor` exits 3).

    .venv/bin/python bench/governance.py --people 20000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq

from credo.config import Settings
from credo.data.lake import Lake
from credo.governance.monitoring import shift_population
from credo.layout import champion_path, features_path
from credo.simulate.population import SimConfig, simulate

RESULTS = Path(__file__).parent / "results"
TRAIN, VALIDATE = date(2024, 10, 1), date(2024, 11, 1)
RUN, NEXT = date(2025, 1, 1), date(2025, 2, 1)


def world(people: int, seed: int) -> Settings:
    settings = Settings(home=RESULTS / f"world-{people}-s{seed}")
    if not (settings.truth / f"meta-seed={seed}.json").exists():
        started = time.perf_counter()
        simulate(SimConfig(people=people, months=30, seed=seed, bad_share=0.0),
                 Lake(settings.lake), settings.truth)
        print(f"simulated {people:,} people x 30 months in {time.perf_counter() - started:.0f} s")
    return settings


def credo(home: Path, *args: object, check: bool = True) -> tuple[int, str, float]:
    env = {**os.environ, "CREDO_HOME": str(home)}
    env.pop("CREDO_DATABASE_URL", None)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "credo", *map(str, args)], env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if check and done.returncode != 0:
        raise SystemExit(f"credo {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done.returncode, done.stdout, seconds


def print_fairness(section: dict) -> None:
    thresholds = [str(t) for t in section["thresholds"]]
    print(f"\nfairness on the {section['sample']} sample ({section['people']:,} people); "
          f"AIR flagged under {section['air_flag']}; TPR = approved among the truly good")
    for attribute, a in section["attributes"].items():
        print(f"\n  {attribute}")
        print(f"    {'group':<12} {'people':>7} {'mean':>5} {'bad':>6}  "
              + "  ".join(f"{'appr≥' + t:>8} {'AIR':>5} {'ΔTPR':>6}" for t in thresholds))
        for g in a["groups"]:
            cells = []
            for t in thresholds:
                flag = "*" if g["air"][t] < section["air_flag"] else " "
                diff = g.get("tpr_difference", {}).get(t)
                cells.append(f"{g['approval'][t]:>8.1%} {g['air'][t]:>4.2f}{flag} "
                             f"{diff if diff is None else format(diff, '+.3f'):>6}")
            print(f"    {g['group']:<12} {g['count']:>7,} {g['mean_score']:>5.0f} "
                  f"{g.get('bad_rate', 0):>6.1%}  " + "  ".join(cells))
        print("    lowest AIR: " + ", ".join(f"{t} {a['min_air'][t]:.3f}" for t in thresholds)
              + "; largest TPR gap: "
              + ", ".join(f"{t} {a['max_tpr_gap'][t]:.3f}" for t in thresholds)
              + f"; flags: {len(a['flags'])}")
        d = a.get("drivers")
        if d:
            top = ", ".join(f"{f['feature']} {f['points_gap']:+.1f}" for f in d["features"][:4])
            print(f"    gap {d['group']} vs {d['reference']}: mean score {d['score_gap']:+.1f}; "
                  f"driven by {top}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    one, five, _ = os.getloadavg()
    print(f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores")
    settings = world(args.people, args.seed)
    home = settings.home

    _, out, seconds = credo(home, "train", "--as-of", TRAIN, "--validate-as-of", VALIDATE)
    print(f"credo train: {seconds:.1f} s")
    print("  " + "\n  ".join(line for line in out.splitlines() if "AUC" in line or "regis" in line))
    model_id = json.loads(champion_path(settings).read_text())["model_id"]
    # The report on the newest registered model (the one just trained).
    report = RESULTS / "governance-report.html"
    _, out, seconds = credo(home, "report", "--out", report)
    print(f"\ncredo report: {seconds:.1f} s wall (generation time), HTML "
          f"{report.stat().st_size / 1024:.0f} KiB + JSON twin")
    print("  " + "\n  ".join(out.splitlines()[:2]))
    document = json.loads(report.with_suffix(".json").read_text())
    print(f"  analysis inside the report: {document['generation_seconds']:.1f} s")
    if document["fairness"]:
        print_fairness(document["fairness"])

    # Stability: consecutive months with the champion, then a shifted population.
    credo(home, "run", "--as-of", RUN)
    code, out, seconds = credo(home, "monitor", "--as-of", NEXT, "--baseline-as-of", RUN,
                               "--show", "3", check=False)
    print(f"\ncredo monitor {RUN} -> {NEXT}: exit {code}, {seconds:.1f} s")
    print("  " + "\n  ".join(out.splitlines()))
    drill = RESULTS / "governance-drill"
    shutil.rmtree(drill, ignore_errors=True)
    drilled = champion_path(Settings(home=drill))
    drilled.parent.mkdir(parents=True)
    shutil.copy(champion_path(settings), drilled)
    baseline = features_path(Settings(home=drill), RUN)
    baseline.parent.mkdir(parents=True)
    shutil.copy(features_path(settings, RUN), baseline)
    shifted = shift_population(pq.read_table(features_path(settings, NEXT)).to_pandas())
    target = features_path(Settings(home=drill), NEXT)
    target.parent.mkdir(parents=True)
    shifted.to_parquet(target)
    code, out, seconds = credo(drill, "monitor", "--as-of", NEXT, "--baseline-as-of", RUN,
                               "--show", "5", check=False)
    print(f"\ncredo monitor {RUN} -> shifted {NEXT}: exit {code}, {seconds:.1f} s")
    print("  " + "\n  ".join(out.splitlines()))
    print(f"\nchampion {model_id}")


if __name__ == "__main__":
    main()
