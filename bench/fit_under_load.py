"""credo's scorecard fit under its thread rule against one thread and every core, idle
and beside busy processes, on the synthetic table's training rows.

Each setting is fitted in turn, round after round, so all three see the same machine;
the median of the rounds is printed with the CPU time the fit used:

- ``rule``: credo's own choice (``credo.threads``): its task pools on every usable core,
  BLAS on the cores free at that instant;
- ``free``: the cores free at that instant everywhere, pools included (the rule before);
- ``one``: one thread everywhere (BLAS and credo's pools);
- ``all``: every core whatever the load (credo's behaviour before any rule).

With four busy processes on two cores, a fit's fair share is what a fit of as many
threads as cores gets among them: the scheduler shares the cores among runnable
threads. The goal is a busy fit no longer than 4x the idle one.

    .venv/bin/python bench/fit_under_load.py --rounds 3 --busy 4
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import credo.threads
from common import DATA_DIR, SEED, load_dataset
from credo.policy.protected import looks_protected
from credo.scorecard import Scorecard
from scorecard_vs_peers import busy_processes, prepare_synthetic

USABLE = credo.threads.usable_cores


def FREE() -> int:  # noqa: N802 - named like USABLE, its pair
    """credo's free cores, from the real usable cores whatever the setting patched in."""
    elsewhere = credo.threads.runnable_elsewhere()
    return USABLE() if elsewhere is None else max(1, USABLE() - elsewhere)


# setting: (cores the pools may use, cores BLAS may use), each read when the work starts
SETTINGS = {
    "rule": (USABLE, FREE),
    "free": (FREE, FREE),
    "one": (lambda: 1, lambda: 1),
    "all": (USABLE, USABLE),
}


def fit_once(ds, setting: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one fit with the thread counts ``setting`` gives."""
    # pool_threads reads usable_cores, threads_for (BLAS) reads free_cores
    credo.threads.usable_cores, credo.threads.free_cores = SETTINGS[setting]
    allow = [c for c in ds.X_train.columns if looks_protected(str(c))]
    wall, cpu = time.perf_counter(), time.process_time()
    Scorecard(allow_protected=allow).fit(ds.X_train, ds.y_train)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--load", default="idle,busy")
    args = parser.parse_args()

    path = prepare_synthetic(args.rows)
    assert path.parent == DATA_DIR and str(SEED) in path.name
    ds = load_dataset(path, dictionary_text=True)
    fit_once(ds, "one")  # loads the compiled loops; untimed
    print(f"{len(ds.X_train):,} training rows x {ds.X_train.shape[1]} columns, "
          f"{USABLE()} usable cores, {args.rounds} rounds")
    medians: dict[str, dict[str, float]] = {}
    for condition in args.load.split(","):
        spinners = args.busy if condition == "busy" else 0
        runs: dict[str, list[tuple[float, float]]] = {s: [] for s in SETTINGS}
        with busy_processes(spinners):
            for _ in range(args.rounds):
                for setting in SETTINGS:
                    runs[setting].append(fit_once(ds, setting))
            one, five, _ = os.getloadavg()
        label = "idle" if not spinners else f"beside {spinners} busy processes"
        print(f"\n{label} (load average at the end {one:.1f} / {five:.1f}):")
        for setting, values in runs.items():
            walls = [w for w, _ in values]
            cpus = [c for _, c in values]
            medians.setdefault(condition, {})[setting] = statistics.median(walls)
            print(f"  {setting:<5} fit median {statistics.median(walls):6.2f} s "
                  f"(runs {', '.join(f'{w:.2f}' for w in walls)}), CPU "
                  f"{statistics.median(cpus):.2f} s")
    if {"idle", "busy"} <= medians.keys():
        idle = medians["idle"]["rule"]
        print(f"\nbusy / idle, against credo's idle fit by its rule ({idle:.2f} s):")
        for setting, busy in medians["busy"].items():
            verdict = "PASS" if busy <= 4 * idle else "FAIL"
            print(f"  {setting:<5} {busy / idle:5.2f}x  [{verdict}: <= 4x]")


if __name__ == "__main__":
    main()
