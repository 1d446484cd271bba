"""``credo serve --workers N``: connections opened together reach every process, a
process that stops is replaced, and stopping the server stops them all."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from credo.service.workers import START_SECONDS

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="Linux's /proc")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def servers(pid: int) -> set[int]:
    """The server processes under ``pid`` (not the inbox worker, not multiprocessing's
    helpers): those whose command line runs a spawned child."""
    found = set()
    for child in children(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            found.add(child)
    return found


def sockets_on(port: int, state: str) -> set[int]:
    """Inodes of the sockets on local ``port`` in ``state`` ("01": a connection's
    server side, "0A": listening)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, now, inode = fields[1], fields[3], int(fields[9])
        if int(local.split(":")[1], 16) == port and now == state and inode:
            inodes.add(inode)
    return inodes


def listening(pid: int, port: int) -> bool:
    return bool(sockets_of(pid) & sockets_on(port, "0A"))


def sockets_of(pid: int) -> set[int]:
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith("socket:["):
            held.add(int(target[8:-1]))
    return held


def wait_for(check, seconds: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    port = free_port()
    env = {**os.environ, "CREDO_HOME": str(tmp_path)}
    server = subprocess.Popen([sys.executable, "-m", "credo", "serve", "--port", str(port),
                               "--workers", "2", "--no-inbox"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def healthy() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def ready() -> bool:
        processes = servers(server.pid)
        return (len(processes) == 2 and all(listening(p, port) for p in processes)
                and healthy())

    try:
        wait_for(ready)
        yield server, port
    finally:
        left = children(server.pid)
        server.kill()
        for child in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        server.wait(30)


def test_connections_opened_together_reach_both_processes(served) -> None:  # type: ignore[no-untyped-def]
    server, port = served
    # Connections made while neither process can accept (as when a client's pool opens
    # while both are busy): with one shared socket, the process that woke first took
    # all or most of them.
    processes = servers(server.pid)
    for pid in processes:
        os.kill(pid, signal.SIGSTOP)
    try:
        opened = [socket.create_connection(("127.0.0.1", port), timeout=10)
                  for _ in range(64)]
    finally:
        for pid in processes:
            os.kill(pid, signal.SIGCONT)
    try:
        for connection in opened:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: credo\r\n\r\n")
        for connection in opened:
            assert connection.recv(4096).startswith(b"HTTP/1.1 200")
        connections = sockets_on(port, "01")
        assert len(connections) == 64
        held = {pid: len(sockets_of(pid) & connections) for pid in processes}
        # Two sockets split them by address, as coins would fall: one process with fewer
        # than 16 of 64 has a chance of about 1 in 15,000.
        assert len(held) == 2 and sum(held.values()) == 64
        assert min(held.values()) >= 16, held
    finally:
        for connection in opened:
            connection.close()


def test_a_process_that_stops_is_replaced_and_stopping_stops_all(served) -> None:  # type: ignore[no-untyped-def]
    server, port = served
    first = servers(server.pid)
    time.sleep(START_SECONDS)  # past its start: a crash, not a failure to start
    gone = min(first)
    os.kill(gone, signal.SIGKILL)
    now = wait_for(lambda: (s := servers(server.pid)) and len(s) == 2 and gone not in s and s)
    assert len(now - first) == 1
    assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    server.send_signal(signal.SIGTERM)
    assert server.wait(60) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in now)


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "CREDO_HOME": str(tmp_path)}
        done = subprocess.run([sys.executable, "-m", "credo", "serve", "--port", str(port),
                               "--workers", "2", "--no-inbox"], env=env, capture_output=True,
                              text=True, timeout=120)
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
