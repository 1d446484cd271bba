"""From a pushed record to the person's new score: the time it takes, end to end.

Builds a home the way an operator would (``credo simulate``, ``credo train``,
``credo run``, ``credo publish``), starts ``credo serve`` (the API and its inbox
worker), then a source pushes batches of new statements (a payment 95 days late on
an open account) for a few people each, at an interval. For each batch it measures the
time from the push's answer to the moment every person of the batch has a rescored
entry in their score history (read from the store, as the portal and the partners'
next read would). Prints p50 / p95 / max; goal p95 <= 60 s. Never asserts times.

    python bench/push_to_score.py [--people 5000] [--pushes 12] [--per-push 10]
                                  [--interval 5] [--without FAMILY ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from service_latency import free_port, wait_until_serving

RUN_AS_OF = "2025-01-01"


def credo(env: dict[str, str], *args: object) -> None:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "credo", *map(str, args)], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"  credo {args[0]}: {time.perf_counter() - started:.1f} s", flush=True)


def late_statements(lake: Path, people: int) -> list[dict]:
    """A new, badly late statement (95 days past due, reported on 2025-01-09) on the
    latest statement's account of each of ``people`` people of the lake."""
    from credo.data.lake import Lake
    from credo.features.engines import DuckDBEngine

    engine = DuckDBEngine(memory_limit="1GB")
    try:
        t = Lake(lake).table("statement", con=engine)
        rows = engine.to_arrow(t.filter(t.period_end < date(2024, 12, 1))
                               .order_by([t.person_id, t.period_end.desc()])
                               .distinct(on="person_id", keep="first")
                               .limit(people)).to_pylist()
    finally:
        engine.close()
    return [{"record_id": f"pushed-{r['record_id']}", "person_id": r["person_id"],
             "reported_at": "2025-01-09T08:00:00Z", "account_id": r["account_id"],
             "period_end": "2024-12-31", "due_date": "2025-01-20",
             "amount_due": max(int(r["amount_due"]), 5000), "amount_paid": 0,
             "paid_at": None, "balance": int(r["balance"]) + 5000, "days_past_due": 95,
             "status": "late", "currency": r["currency"]} for r in rows]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--people", type=int, default=5000, help="simulated population")
    p.add_argument("--pushes", type=int, default=12)
    p.add_argument("--per-push", type=int, default=10, help="people per pushed batch")
    p.add_argument("--interval", type=float, default=5.0, help="seconds between pushes")
    p.add_argument("--without", action="append", default=[], metavar="FAMILY",
                   help="simulate a lake without this family of records (repeat)")
    args = p.parse_args()

    import httpx
    from sqlalchemy import create_engine, text

    from credo.config import Settings
    from credo.layout import scores_path

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        url = f"sqlite:///{home}/credo.db"
        env = {**os.environ, "CREDO_HOME": str(home), "CREDO_DATABASE_URL": url}
        print(f"setting up {args.people:,} people:", flush=True)
        credo(env, "simulate", "--people", args.people, "--months", 30, "--seed", 1,
              *[a for family in args.without for a in ("--without", family)])
        credo(env, "train", "--as-of", "2024-10-01", "--validate-as-of", "2024-11-01")
        credo(env, "run", "--as-of", RUN_AS_OF)
        credo(env, "publish", scores_path(Settings(home=home), date.fromisoformat(RUN_AS_OF)))
        said = subprocess.run([sys.executable, "-m", "credo", "source", "register",
                               "bench-src", "--name", "Bench source"], env=env, check=True,
                              capture_output=True, text=True).stdout
        key = next(line for line in said.splitlines() if "API key" in line).split()[-1]
        records = late_statements(home / "lake", args.pushes * args.per_push)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "credo", "serve", "--port",
                                   str(port)], env=env, stdout=subprocess.DEVNULL)
        store = create_engine(url)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_serving(base, server)
            waiting: dict[str, tuple[float, int]] = {}
            took: list[float] = []
            failed = 0
            next_push, sent = time.perf_counter(), 0
            deadline = None
            while sent < args.pushes or waiting:
                now = time.perf_counter()
                if sent < args.pushes and now >= next_push:
                    batch = records[sent * args.per_push:(sent + 1) * args.per_push]
                    r = httpx.post(base + "/v1/sources/records", json={
                        "kind": "statement", "records": batch},
                        headers={"X-API-Key": key}, timeout=30)
                    r.raise_for_status()
                    waiting[r.json()["id"]] = (time.perf_counter(), len(batch))
                    sent += 1
                    next_push += args.interval
                    deadline = time.perf_counter() + 600
                with store.connect() as c:
                    for push_id, (at, people) in list(waiting.items()):
                        done = c.execute(text(
                            "SELECT count(*) FROM score_history WHERE run_id = :r"),
                            {"r": f"push-{push_id}"}).scalar_one()
                        state = c.execute(text("SELECT state FROM pushes WHERE id = :i"),
                                          {"i": push_id}).scalar_one()
                        if done >= people:
                            took.append(time.perf_counter() - at)
                            del waiting[push_id]
                        elif state == "failed":
                            failed += 1
                            del waiting[push_id]
                if deadline and time.perf_counter() > deadline:
                    print(f"gave up waiting for {len(waiting)} batches", flush=True)
                    break
                time.sleep(0.1)
        finally:
            server.terminate()
            server.wait(timeout=60)
            store.dispose()
    a = np.array(took)
    verdict = "PASS" if len(a) == args.pushes and np.percentile(a, 95) <= 60 else "FAIL"
    print(json.dumps({"batches": args.pushes, "people_per_batch": args.per_push,
                      "rescored_batches": len(a), "failed": failed}))
    print(f"push -> rescored score: p50 {np.percentile(a, 50):.1f} s, p95 "
          f"{np.percentile(a, 95):.1f} s, max {a.max():.1f} s over {len(a)} batches of "
          f"{args.per_push} people, one every {args.interval:g} s, {args.people:,} people "
          f"[{verdict}: p95 <= 60 s]")


if __name__ == "__main__":
    main()
