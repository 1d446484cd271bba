"""Benchmark: records per second and peak memory for ``simulate`` and ``ingest``.

Each phase runs in its own process so that its peak RSS is its own. Prints figures,
asserts nothing about time.

    python bench/simulate_ingest.py --people 100000 --months 24
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import shutil
import tempfile
import time
from pathlib import Path


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _simulate(root: str, people: int, months: int, chunk: int, q: mp.Queue) -> None:
    from credo.data.lake import Lake
    from credo.simulate.population import SimConfig, simulate

    cfg = SimConfig(people=people, months=months, seed=1, chunk=chunk, bad_share=0.001)
    r = simulate(cfg, Lake(Path(root) / "lake"), Path(root) / "truth")
    q.put({"records": r.total_records, "seconds": r.seconds_total,
           "generate": r.seconds_generate, "write": r.seconds_write,
           "quarantined": sum(x.quarantined for x in r.bad_ingest), "peak_mib": _peak_mib(),
           "mean_true_pd": r.mean_true_pd})


def _export(root: str, kind: str, rows: int, q: mp.Queue) -> None:
    """Write ``rows`` simulated records of ``kind`` as CSV and Parquet ingest inputs."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from credo.data import schemas as sc
    from credo.data.lake import Lake
    from credo.simulate.bad_records import to_text

    lake = Lake(Path(root) / "lake")
    t = lake.table(kind)
    t = t.filter(t.source_id == "sim-bank").select(sc.field_names(kind)).limit(rows).to_pyarrow()
    pacsv.write_csv(to_text(t), Path(root) / f"{kind}.csv")
    pq.write_table(t, Path(root) / f"{kind}.parquet")
    q.put({"rows": t.num_rows})


def _ingest(root: str, path: str, kind: str, q: mp.Queue) -> None:
    from credo.data.ingest import ingest_path
    from credo.data.lake import Lake

    t0 = time.perf_counter()
    r = ingest_path(path, source="sim-bank" if kind == "statement" else "bench",
                    kind=kind, lake=Lake(Path(root) / "ingest-lake"))
    q.put({"rows": r.rows, "accepted": r.accepted, "duplicate": r.duplicate,
           "seconds": time.perf_counter() - t0, "peak_mib": _peak_mib()})


def run(target, *args) -> dict:
    q: mp.Queue = mp.get_context("spawn").Queue()
    p = mp.get_context("spawn").Process(target=target, args=(*args, q))
    p.start()
    p.join()
    if p.exitcode != 0:
        raise SystemExit(f"{target.__name__} failed (exit code {p.exitcode})")
    return q.get()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--chunk", type=int, default=50_000)
    ap.add_argument("--ingest-rows", type=int, default=2_000_000)
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: temp)")
    args = ap.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="credo-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        s = run(_simulate, str(root), args.people, args.months, args.chunk)
        print(f"simulate {args.people:,} people x {args.months} months: {s['records']:,} "
              f"records in {s['seconds']:.1f}s = {s['records'] / s['seconds']:,.0f} records/s "
              f"(generate {s['generate']:.1f}s, validate+write {s['write']:.1f}s); "
              f"peak RSS {s['peak_mib']:,.0f} MiB; mean true PD {s['mean_true_pd']:.4f}; "
              f"{s['quarantined']} bad records quarantined")
        run(_export, str(root), "statement", args.ingest_rows)
        for fmt in ("csv", "parquet"):
            for attempt in ("first", "again"):
                r = run(_ingest, str(root), str(root / f"statement.{fmt}"), "statement")
                print(f"ingest {fmt} {attempt}: {r['rows']:,} statements in {r['seconds']:.1f}s "
                      f"= {r['rows'] / r['seconds']:,.0f} records/s (accepted {r['accepted']:,},"
                      f" duplicate {r['duplicate']:,}); peak RSS {r['peak_mib']:,.0f} MiB")
            shutil.rmtree(root / "ingest-lake", ignore_errors=True)
    finally:
        if args.dir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
