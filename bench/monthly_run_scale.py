"""The monthly run at growing populations: time should grow linearly, memory stay flat.

For each population (simulated once into bench/results/, then reused), the monthly run
as `credo run` does it (DuckDB, the default engine and partition size), in a process of
its own so that its peak memory is its own, with a model trained on the smallest world
(or --model). Prints, per population: records in the lake, the run's time by stage,
seconds per 100,000 people, its CPU time (what it costs when other work shares the
cores), and the process's peak resident memory; then a second run of the same month,
which finds it unchanged.

    .venv/bin/python bench/monthly_run_scale.py --people 100000 300000 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
RUN = date(2025, 1, 1)
TRAIN, VALIDATE = date(2024, 10, 1), date(2024, 11, 1)


def _machine() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def child(people: int, seed: int, model_path: Path, partition: int | None) -> None:
    """One monthly run (then the same month again), in this process; prints JSON."""
    from credo.config import Settings
    from credo.features.engines import open_engine
    from credo.pipeline.run import monthly_run
    from credo.scorecard import artifact

    home = RESULTS / f"world-{people}-s{seed}"
    settings = Settings(home=home, partition_people=partition or Settings().partition_people)
    shutil.rmtree(home / "scores", ignore_errors=True)
    model, document = artifact.load(model_path)
    engine = open_engine("duckdb")
    try:
        started = time.perf_counter()
        report = monthly_run(settings, engine, RUN, model, document)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = monthly_run(settings, engine, RUN, model, document)
        again_seconds = time.perf_counter() - started
    finally:
        engine.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "people": report.people, "seconds": seconds, "stages": report.timings,
        # CPU time says what the run costs when other work shares the cores.
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "partition_people": settings.partition_people,
        "again_seconds": again_seconds, "again_reused": again.reused,
    }))


def ensure_world(people: int, seed: int) -> dict:
    """Simulate the world once (in its own process, timed); its record counts."""
    home = RESULTS / f"world-{people}-s{seed}"
    meta = home / "truth" / f"meta-seed={seed}.json"
    if not meta.exists():
        code = ("import sys; sys.path.insert(0, 'bench'); import monthly_run; "
                f"monthly_run.world({people}, {seed})")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        print(f"  simulated {people:,} people in {time.perf_counter() - started:.0f} s")
    return json.loads(meta.read_text())["records"]


def ensure_model(people: int, seed: int) -> Path:
    """The smallest world's champion, trained there if missing."""
    home = RESULTS / f"world-{people}-s{seed}"
    path = home / "models" / "champion.json"
    if not path.exists():
        from credo.config import Settings
        from credo.features.engines import open_engine
        from credo.pipeline.training import train_on_lake
        from credo.scorecard import artifact

        engine = open_engine("duckdb")
        try:
            trained = train_on_lake(Settings(home=home), engine, TRAIN, VALIDATE)
        finally:
            engine.close()
        path.parent.mkdir(parents=True, exist_ok=True)
        artifact.save(trained.model, path, trained.metadata)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--model", type=Path, help="default: the smallest world's champion")
    parser.add_argument("--partition", type=int, help="people per range (default: credo's)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = sorted(args.people)
    if args.child:
        child(sizes[0], args.seed, args.model, args.partition)
        return
    print(_machine())
    for people in sizes:
        ensure_world(people, args.seed)
    model = args.model or ensure_model(sizes[0], args.seed)
    rows = []
    for people in sizes:
        records = sum(ensure_world(people, args.seed).values())
        command = [sys.executable, __file__, "--child", "--people", str(people),
                   "--seed", str(args.seed), "--model", str(model)]
        if args.partition:
            command += ["--partition", str(args.partition)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        row = json.loads(out.strip().splitlines()[-1]) | {"records": records}
        rows.append(row)
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in row["stages"].items())
        print(f"{people:>9,} people, {records:>12,} records: run {row['seconds']:7.1f} s "
              f"({row['seconds'] / people * 1e5:5.1f} s per 100k; CPU "
              f"{row['cpu_seconds']:6.0f} s), peak {row['peak_mb']:6,.0f} MB"
              f" [{stages}]; again {row['again_seconds']:.2f} s "
              f"({'recognised' if row['again_reused'] else 'RECOMPUTED'})", flush=True)
    print(_machine())
    out = RESULTS / "monthly_run_scale.json"
    out.write_text(json.dumps(rows, indent=2))
    print(f"results saved to {out}")


if __name__ == "__main__":
    main()
