"""`credo run` on a real Spark cluster against DuckDB: time, and parity person by person.

Starts a Spark standalone cluster on this machine (a master and two workers, with
Spark's own launcher from the pyspark installation; see standalone.py), then runs the
monthly run twice as a user types it, on the same lake and model:

    credo run --as-of T --model M                                  # DuckDB, in-process
    credo run --as-of T --model M --engine spark --spark-master spark://127.0.0.1:7177

and compares the two snapshots and feature tables person by person (every column,
the data fingerprint and run id included), then stops the cluster.

    .venv/bin/python bench/spark_cluster.py --people 100000
    .venv/bin/python bench/spark_cluster.py --people 1000000 --worker-memory 4g
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq

from standalone import Ports, StandaloneCluster

RESULTS = Path(__file__).parent / "results"
TRAIN, VALIDATE, RUN = date(2024, 10, 1), date(2024, 11, 1), date(2025, 1, 1)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def champion(people: int, seed: int) -> tuple[Path, Path]:
    """The world's lake (simulated once, shared with monthly_run.py) and a model for it."""
    from credo.features.engines import DuckDBEngine
    from credo.governance.registry import write_document
    from credo.pipeline.training import train_on_lake
    from credo.scorecard import artifact
    from monthly_run import world

    settings = world(people, seed)
    model = settings.home / "models" / "champion.json"
    if not model.exists():
        print(f"training a model on {people:,} people (DuckDB) ...", flush=True)
        engine = DuckDBEngine()
        try:
            result = train_on_lake(settings, engine, TRAIN, VALIDATE)
        finally:
            engine.close()
        write_document(model, artifact.to_dict(result.model, result.metadata))
    return settings.lake, model


def credo_run(home: Path, lake: Path, model: Path, extra: list[str],
              env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, the command's peak memory in MB, its output) of one `credo run`."""
    cmd = [sys.executable, "-m", "credo", "run", "--as-of", str(RUN), "--model", str(model),
           *extra]
    env = {**env, "CREDO_HOME": str(home), "CREDO_LAKE": str(lake)}
    started = time.perf_counter()
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"`{' '.join(cmd[1:])}` failed:\n{output}")
    return wall, usage.ru_maxrss / 1024, output


def snapshot(home: Path) -> tuple:
    scores = pq.read_table(home / "scores" / f"as_of={RUN}" / "scores.parquet")
    features = next((home / "features").rglob("*.parquet"))
    return scores.sort_by("person_id"), pq.read_table(features).sort_by("person_id")


def differences(a, b) -> list[str]:
    """Columns whose values differ between two tables of the same people."""
    if a.num_rows != b.num_rows or a.column_names != b.column_names:
        return [f"shape {a.num_rows}x{a.num_columns} vs {b.num_rows}x{b.num_columns}"]
    return [n for n in a.column_names if not a.column(n).equals(b.column(n))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--worker-cores", type=int, default=1)
    parser.add_argument("--worker-memory", default="2g")
    parser.add_argument("--executor-memory", default="1536m")
    args = parser.parse_args()

    print(load(), flush=True)
    lake, model = champion(args.people, args.seed)
    out = RESULTS / f"spark-cluster-{args.people}"
    homes = {"duckdb": out / "duckdb", "spark": out / "spark"}
    for home in homes.values():
        subprocess.run(["rm", "-rf", str(home)], check=True)
        home.mkdir(parents=True)

    figures: dict[str, object] = {"people": args.people, "as_of": str(RUN)}
    wall, peak, _ = credo_run(homes["duckdb"], lake, model, [], dict(os.environ))
    print(f"DuckDB (in-process): credo run {wall:.1f} s, peak {peak:,.0f} MB ({load()})",
          flush=True)
    figures["duckdb"] = {"seconds": wall, "peak_mb": peak}

    cluster = StandaloneCluster(worker_cores=args.worker_cores,
                                worker_memory=args.worker_memory,
                                executor_memory=args.executor_memory, ports=Ports())
    started = time.perf_counter()
    with cluster:
        up = time.perf_counter() - started
        print(f"cluster {cluster.master}: 1 master, {len(cluster.ports.workers)} workers x "
              f"{args.worker_cores} core, {args.worker_memory} (executors "
              f"{args.executor_memory}), up in {up:.0f} s", flush=True)
        wall, peak, _ = credo_run(
            homes["spark"], lake, model,
            ["--engine", "spark", "--spark-master", cluster.master], cluster.env(),
        )
    print(f"Spark cluster: credo run {wall:.1f} s (the driver's peak {peak:,.0f} MB, the "
          f"session's start included; {load()})", flush=True)
    figures["spark_cluster"] = {"seconds": wall, "driver_peak_mb": peak, "startup_s": up,
                                "workers": len(cluster.ports.workers),
                                "worker_cores": args.worker_cores}

    (duck_scores, duck_features), (spark_scores, spark_features) = (
        snapshot(homes["duckdb"]), snapshot(homes["spark"]))
    feature_diff = differences(duck_features, spark_features)
    score_diff = differences(duck_scores, spark_scores)
    print(f"parity on {duck_scores.num_rows:,} people: features "
          f"{'identical' if not feature_diff else 'DIFFER in ' + ', '.join(feature_diff)} "
          f"({duck_features.num_columns} columns); snapshot "
          f"{'identical' if not score_diff else 'DIFFERS in ' + ', '.join(score_diff)} "
          f"(score, band, PD, sub-scores, reasons, fingerprint, run id)")
    figures["parity"] = {"people": duck_scores.num_rows, "feature_columns_differing":
                         feature_diff, "snapshot_columns_differing": score_diff}
    path = RESULTS / f"spark_cluster_{args.people}.json"
    path.write_text(json.dumps(figures, indent=2))
    print(f"results saved to {path}")
    if feature_diff or score_diff:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
