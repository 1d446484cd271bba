"""Latency and throughput of the partner endpoints, on SQLite and on PostgreSQL.

For each database: seeds a store (partner, people, published scores, authorizations),
starts ``credo serve`` (one server process, or ``--workers N``) on loopback, then drives
the partner score endpoint and the threshold check from a separate process with a few
concurrent keep-alive clients. Every request runs the authorization check and writes its audit row.
Prints p50 / p99 latency and throughput, and CPU per request: the server's (its
workers and inbox worker), the client's, and the machine's (every core, the database
server and the kernel included, time the hypervisor gave elsewhere not), with how many
cores were busy; never asserts times.

Then, under load: partner score requests paced at ``--rate`` per second (open loop: a
slow answer does not slow the sender) for ``--seconds``, after ``--warm-up`` seconds of
the same requests on the same connections (not counted), while ``credo simulate`` writes
a population into the same lake (holding its write lock) and a source pushes a record
every quarter second: the server keeps each push in its inbox (202) and the inbox
worker that ``credo serve`` starts ingests it into the lake when the lake is free.
Prints p50 / p99 / max, the timeouts (2 s) and the pushes' answers (202 kept, 503 "send
again"). Goal: p99 under 20 ms and no timeouts. The simulation and the inbox worker run
at a lower priority (nice 10), as batch work should beside a service.

    python bench/service_latency.py [--requests 2000] [--concurrency 1 4 16] [--people 2000]
    python bench/service_latency.py --rate 200 --seconds 20
    python bench/service_latency.py --concurrency 16 --requests 4000 --workers 2 --rounds 5

``--rounds N`` runs each database N times, one after the other (a fresh store and server
each time), and ends with each row's median and the rounds that met the goal at 16
clients (1,000 requests a second with p99 under 50 ms): on a virtual machine whose speed
moves by a third from one minute to the next, one run says little.

PostgreSQL runs as a throwaway cluster with fsync on (durable commits), like production.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, suppress
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from common import cpu_busy_s


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_serving(base: str, server: subprocess.Popen, seconds: float = 30.0) -> None:
    """Return once ``base`` answers its health check; fail with the server's last words."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    said = server.stderr.read().decode()[-2000:] if server.stderr else ""
    raise RuntimeError(f"server did not start: {said}")


def seed(home: Path, url: str, people: int) -> str:
    """Store with one partner, ``people`` scored people and their authorizations."""
    from credo.config import Settings
    from credo.policy.bands import band_of
    from credo.service.context import ServiceContext
    from credo.service.partners.logic import register_partner
    from credo.store.models import Authorization, Person, now
    from credo.store.publish import publish_snapshot, write_snapshot

    ctx = ServiceContext.build(Settings(home=home, database_url=url))
    rng = random.Random(7)
    rows = []
    for i in range(people):
        score = rng.randint(350, 950)
        rows.append({
            "person_id": f"P{i:06d}", "as_of": date(2026, 1, 31), "score": score,
            "band": band_of(score), "probability_of_default": 0.03, "credit_history": 600,
            "fulfilment_capacity": 620, "behaviour": 640, "identity": 700, "tenure": 500,
            "reason_1": "utilisation", "reason_2": None, "reason_3": None, "reason_4": None,
            "reasons_json": json.dumps([{"feature": "utilisation", "description":
                                         "credit used close to the limit", "bin": "80%+",
                                         "points_lost": 30}]),
            "model_id": "m", "data_fingerprint": "f", "run_id": "bench-run",
        })
    with ctx.session() as s:
        _, key = register_partner(s, ctx.pepper, name="Bench lender",
                                  purposes=["loan", "rental_deposit_waiver"], partner_id="bench")
        publish_snapshot(s, write_snapshot(home / "snap.parquet", rows))
        at = now()
        s.add_all(Person(id=r["person_id"]) for r in rows)
        s.flush()
        s.add_all(Authorization(id=str(uuid.uuid4()), person_id=r["person_id"],
                                partner_id="bench", purpose=p, granted_at=at,
                                expires_at=at + timedelta(days=30))
                  for r in rows for p in ("loan", "rental_deposit_waiver"))
        s.commit()
    ctx.close()
    return key


async def drive(base: str, key: str, path: str, requests: int, concurrency: int,
                people: int, server_pid: int = 0) -> dict[str, float]:
    """``concurrency`` clients, each sending its next request when the last is answered
    (closed loop), over kept-alive connections with the minimal client below: httpx
    costs about a millisecond a request, which on two cores would measure the client."""
    host, port = base.removeprefix("http://").split(":")
    rng = random.Random(1)
    bodies = []
    for _ in range(1000):
        body: dict = {"person_id": f"P{rng.randrange(people):06d}"}
        if path.endswith("threshold-check"):
            body |= {"purpose": "rental_deposit_waiver", "threshold": 650}
        else:
            body |= {"purpose": "loan"}
        bodies.append(_post(host, path, key, body))
    lat: list[float] = []
    per = requests // concurrency

    async def client(offset: int) -> None:
        connection = await asyncio.open_connection(host, int(port))
        try:
            for k in range(per):
                t = time.perf_counter()
                status = await _exchange(connection, bodies[(offset + k) % len(bodies)])
                lat.append(time.perf_counter() - t)
                if status != 200:
                    raise RuntimeError(f"{path}: answered {status}")
        finally:
            connection[1].close()

    cpu = server_cpu_seconds(server_pid)
    own = time.process_time()
    busy = cpu_busy_s()[0]
    start = time.perf_counter()
    await asyncio.gather(*(client(k * 97) for k in range(concurrency)))
    wall = time.perf_counter() - start
    busy = cpu_busy_s()[0] - busy
    own = time.process_time() - own
    cpu = server_cpu_seconds(server_pid) - cpu
    a = np.array(lat) * 1000
    # The client's own CPU too: on two cores it is what the server and database lack.
    return {"p50": float(np.percentile(a, 50)), "p99": float(np.percentile(a, 99)),
            "rps": len(a) / wall, "n": len(a), "cpu_ms": 1000 * cpu / len(a),
            "client_cpu_ms": 1000 * own / len(a), "machine_cpu_ms": 1000 * busy / len(a),
            "cores_busy": busy / wall}


def processes() -> dict[int, tuple[int, float]]:
    """Every process now: its parent and its CPU time (user + system) in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, tuple[int, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while being read
            continue
        found[int(stat.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return found


def descendants(pid: int, table: dict[int, tuple[int, float]] | None = None) -> list[int]:
    """The processes under ``pid`` (its uvicorn workers, its inbox worker)."""
    table = processes() if table is None else table
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        children = [child for child, (parent, _) in table.items() if parent == current]
        found += children
        todo += children
    return found


def stop_server(server: subprocess.Popen, seconds: float = 60.0) -> None:
    """Stop the server and wait for the processes it started too: its inbox worker
    finishes the batch at hand in the home's lake after the server is gone, and the
    home must not be removed under it."""
    started = descendants(server.pid)
    server.terminate()
    server.wait(timeout=30)
    deadline = time.monotonic() + seconds
    while any(Path(f"/proc/{pid}").exists() for pid in started):
        if time.monotonic() > deadline:
            for pid in started:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.1)


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of the server and every process under it (its uvicorn
    workers, its inbox worker): what the service costs, whatever else runs beside it."""
    if not pid:
        return 0.0
    table = processes()
    return sum(table[p][1] for p in [pid, *descendants(pid, table)] if p in table)


async def _exchange(connection: tuple, raw: bytes) -> int:
    """One request on a kept-alive connection; the status code once the body is read."""
    reader, writer = connection
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return int(head.split(b" ", 2)[1])


def _post(host: str, path: str, key: str, body: dict) -> bytes:
    data = json.dumps(body).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nX-API-Key: {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
            ).encode() + data


async def drive_paced(base: str, key: str, source_key: str, rate: float, seconds: float,
                      people: int, warm_up: float = 0.0, connections: int = 32
                      ) -> dict[str, float]:
    """Partner score requests sent at a fixed rate (open loop) over kept-alive
    connections, with a minimal HTTP/1.1 client so that the load generator's own cost
    stays far below the server's; each latency runs from the request's scheduled time
    (a request that waited for a free connection counts its wait). Meanwhile a source
    pushes one record every quarter second, on a connection of its own, through the
    same client.

    The first ``warm_up`` seconds are the same requests and pushes on the same
    connections, not counted: the measured run is that of a server already serving, not
    of its first requests (a connection's first exchange, a database thread's first
    connection, the server's first push)."""
    host, port = base.removeprefix("http://").split(":")
    rng = random.Random(2)
    requests = [_post(host, "/v1/partner/score", key,
                      {"person_id": f"P{rng.randrange(people):06d}", "purpose": "loan"})
                for _ in range(1000)]
    idle: asyncio.Queue = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await asyncio.open_connection(host, int(port)))
    lat: list[float] = []
    failures = {"timeouts": 0, "errors": 0}
    pushes: dict[int, int] = {}

    async def one(raw: bytes, scheduled: float) -> None:
        connection = await idle.get()
        try:
            status = await asyncio.wait_for(_exchange(connection, raw), 2.0)
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            failures["timeouts"] += 1
            connection[1].close()
            idle.put_nowait(await asyncio.open_connection(host, int(port)))
            return
        lat.append(time.perf_counter() - scheduled)
        failures["errors"] += status != 200
        idle.put_nowait(connection)

    push_ms: list[float] = []  # each push's answer, in the measured run

    async def pusher(start: float, stop: float) -> None:
        # A general-purpose HTTP client would cost the load generator milliseconds of
        # its event loop per push, which the paced requests would count as the server's.
        connection = await asyncio.open_connection(host, int(port))
        k = 0
        while (sent := time.perf_counter()) < stop:
            k += 1
            record = {"record_id": f"push-{k}", "person_id": "P000001",
                      "reported_at": "2025-03-22T02:00:00Z", "account_id": "A1",
                      "period_end": "2025-01-31", "due_date": "2025-02-21",
                      "amount_due": 5000, "amount_paid": 5000, "paid_at": "2025-02-20",
                      "balance": 48000, "days_past_due": 0, "status": "current",
                      "currency": "EUR"}
            raw = _post(host, "/v1/sources/records", source_key,
                        {"kind": "statement", "records": [record]})
            try:
                status = await asyncio.wait_for(_exchange(connection, raw), 30.0)
            except (TimeoutError, OSError, asyncio.IncompleteReadError):
                status = 0
                connection[1].close()
                connection = await asyncio.open_connection(host, int(port))
            if sent >= start:
                pushes[status] = pushes.get(status, 0) + 1
                push_ms.append((time.perf_counter() - sent) * 1000)
            await asyncio.sleep(0.25)
        connection[1].close()

    async def paced(start: float, stop: float) -> int:
        tasks, k = [], 0
        while (now := time.perf_counter()) < stop:
            scheduled = start + k / rate
            await asyncio.sleep(max(0.0, scheduled - now))
            tasks.append(asyncio.create_task(one(requests[k % len(requests)], scheduled)))
            k += 1
        await asyncio.gather(*tasks)
        return k

    warm = time.perf_counter()
    start = warm + max(warm_up, 0.0)
    stop = start + seconds
    pushing = asyncio.create_task(pusher(start, stop)) if source_key else None
    if warm_up > 0:
        await paced(warm, start)
        lat.clear()
        failures.update(timeouts=0, errors=0)
    k = await paced(start, stop)
    if pushing:
        await pushing
    while not idle.empty():
        idle.get_nowait()[1].close()
    a = np.array(lat) * 1000
    return {"p50": float(np.percentile(a, 50)), "p99": float(np.percentile(a, 99)),
            "max": float(a.max()), "n": len(a), "sent": k, **failures,
            "pushes": {str(code): n for code, n in sorted(pushes.items())},
            "push_p50": float(np.percentile(push_ms, 50)) if push_ms else 0.0,
            "push_max": max(push_ms, default=0.0)}


def driver_main(args: argparse.Namespace) -> None:
    """Runs in its own process: the load generator must not share the server's core."""
    if args.rate:
        print(json.dumps({"paced": asyncio.run(drive_paced(
            args.base, args.key, args.source_key, args.rate, args.seconds, args.people,
            args.warm_up))}))
        return
    out = {}
    for path in ("/v1/partner/score", "/v1/partner/threshold-check"):
        asyncio.run(drive(args.base, args.key, path, 200, 2, args.people))  # warm-up
        for c in args.concurrency:
            out[f"{path}|{c}"] = asyncio.run(drive(
                args.base, args.key, path, args.requests, c, args.people, args.server_pid))
    print(json.dumps(out))


def source_key(home: Path, url: str) -> str:
    from credo.config import Settings
    from credo.service.context import ServiceContext
    from credo.service.sources.logic import register_source

    ctx = ServiceContext.build(Settings(home=home, database_url=url))
    try:
        with ctx.session() as s:
            return register_source(s, ctx.pepper, "bench-src", "Bench source")
    finally:
        ctx.close()


def run_backend(name: str, url: str, home: Path, args: argparse.Namespace) -> dict:
    key = seed(home, url, args.people)
    port = free_port()
    env = {**os.environ, "CREDO_HOME": str(home), "CREDO_DATABASE_URL": url,
           "CREDO_RATE_PER_SECOND": "1e9", "CREDO_RATE_BURST": "1e9"}
    server = subprocess.Popen([sys.executable, "-m", "credo", "serve", "--port", str(port),
                               "--workers", str(args.workers)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(base, server)
        cmd = [sys.executable, __file__, "--drive", "--base", base, "--key", key,
               "--requests", str(args.requests), "--people", str(args.people),
               "--server-pid", str(server.pid), "--concurrency", *map(str, args.concurrency)]
        if not args.rate:
            done = subprocess.run(cmd, check=True, capture_output=True, text=True)
            return json.loads(done.stdout.strip().splitlines()[-1])
        # Under load: another process writes the same lake all along.
        # Batch work runs at a lower priority than the service, as it should on a shared
        # machine (nice 10); it still takes a core and holds the lake's write lock.
        writer = subprocess.Popen(
            ["nice", "-n", "10", sys.executable, "-m", "credo", "simulate", "--people",
             "40000", "--months", "24", "--seed", "3"] if "writer" not in args.quiet
            else ["true"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            cmd += ["--rate", str(args.rate), "--seconds", str(args.seconds),
                    "--warm-up", str(args.warm_up),
                    "--source-key", "" if "pushes" in args.quiet else source_key(home, url)]
            done = subprocess.run(cmd, check=True, capture_output=True, text=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            result["writer_still_running"] = writer.poll() is None
            return result
        finally:
            writer.terminate()
            writer.wait(timeout=60)
    finally:
        stop_server(server)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=2000, help="per endpoint and concurrency")
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    p.add_argument("--people", type=int, default=2000)
    p.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    p.add_argument("--workers", type=int, default=1, help="server processes")
    p.add_argument("--rounds", type=int, default=1,
                   help="runs of each database, each with a fresh store and server; "
                        "with more than one, each row's median and the rounds meeting the "
                        "goal at the end (of the plain runs, not of --rate)")
    p.add_argument("--rate", type=float, default=0.0,
                   help="partner score requests per second under load (0: the plain runs)")
    p.add_argument("--seconds", type=float, default=20.0, help="length of the run under load")
    p.add_argument("--warm-up", type=float, default=5.0,
                   help="seconds of the same paced requests, on the same connections, before "
                        "the measured run (the writer and the pushes start with them)")
    p.add_argument("--quiet", nargs="*", default=[], choices=["writer", "pushes"],
                   help="under load, leave out the lake writer or the source pushes "
                        "(to see what each costs)")
    p.add_argument("--source-key", help=argparse.SUPPRESS)
    p.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--base", help=argparse.SUPPRESS)
    p.add_argument("--key", help=argparse.SUPPRESS)
    p.add_argument("--server-pid", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    if args.drive:
        driver_main(args)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from credo.store.pgtemp import temp_postgres

    print(f"partner endpoints on loopback, {os.cpu_count()} cores, "
          f"{args.workers} server process(es), "
          f"{args.requests} requests per row, {args.people} people; authorization check "
          "and audit write included")
    # Figures from a busy machine mean little: say how busy it was.
    print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"{'database':<11}{'endpoint':<29}{'clients':>8}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'req/s':>9}{'server CPU ms/req':>19}{'client':>8}{'machine':>9}"
          f"{'cores busy':>12}")
    rows: dict[tuple[str, str, str], list[dict]] = {}
    for backend in [b for _ in range(args.rounds) for b in args.backends]:
        with ExitStack() as stack:
            home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="credo-bench-")))
            if backend == "sqlite":
                url = f"sqlite:///{home / 'credo.db'}"
            else:
                url = stack.enter_context(temp_postgres(durable=True))
            res = run_backend(backend, url, home, args)
        if args.rate:
            v = res["paced"]
            goal = "PASS" if v["p99"] < 20 and not v["timeouts"] else "FAIL"
            print(f"{backend:<11}under load: {v['sent']:,} sent at {args.rate:g}/s, p50 "
                  f"{v['p50']:.2f} ms, p99 {v['p99']:.2f} ms, max {v['max']:.1f} ms, "
                  f"{v['timeouts']} timeouts, {v['errors']} errors; pushes by answer "
                  f"{v['pushes']} (answered in {v['push_p50']:.1f} ms at p50, "
                  f"{v['push_max']:.1f} at most); lake writer busy throughout: "
                  f"{res['writer_still_running']}  [{goal}: p99 < 20 ms, no timeouts]",
                  flush=True)
            continue
        for k, v in res.items():
            path, c = k.split("|")
            rows.setdefault((backend, path, c), []).append(v)
            print(f"{_label(backend, path, c)}{v['p50']:>9.2f}{v['p99']:>9.2f}"
                  f"{v['rps']:>9.0f}{v['cpu_ms']:>19.2f}{v['client_cpu_ms']:>8.2f}"
                  f"{v['machine_cpu_ms']:>9.2f}{v['cores_busy']:>12.2f}", flush=True)
    if args.rounds > 1 and not args.rate:
        print_rounds(rows)


GOAL_CLIENTS, GOAL_RPS, GOAL_P99_MS = "16", 1000.0, 50.0


def _label(backend: str, path: str, clients: str) -> str:
    # The columns that name a row, in the table and in the summary over rounds.
    return f"{backend:<11}{path:<29}{clients:>8}"


def meets_goal(v: dict) -> bool:
    """The goal at 16 clients: 1,000 requests a second with p99 under 50 ms."""
    return v["rps"] >= GOAL_RPS and v["p99"] < GOAL_P99_MS


def print_rounds(rows: dict[tuple[str, str, str], list[dict]]) -> None:
    """Each row's median over the rounds, its range, and (at 16 clients) the rounds
    that met the goal."""
    print(f"over {max(len(v) for v in rows.values())} rounds:")
    for (backend, path, c), runs in rows.items():
        rps = [v["rps"] for v in runs]
        p99 = [v["p99"] for v in runs]
        goal = (f"; goal met in {sum(map(meets_goal, runs))} of {len(runs)}"
                if c == GOAL_CLIENTS else "")
        print(f"{_label(backend, path, c)}  req/s median {statistics.median(rps):,.0f} "
              f"({min(rps):,.0f}-{max(rps):,.0f}), p99 median "
              f"{statistics.median(p99):.1f} ms ({min(p99):.1f}-{max(p99):.1f}){goal}",
              flush=True)


if __name__ == "__main__":
    main()
