"""Several server processes on one port, each with its own listening socket.

uvicorn's workers share one listening socket, and whichever is awake first accepts every
connection waiting: partners keep their connections open, so a burst of them (a pool
opening) could all land on one process while the others idle, and one process is bound
by its interpreter's lock. Here each process listens on a socket of its own, bound to
the same address with ``SO_REUSEPORT``, and the kernel spreads new connections over
them by their addresses. (Only processes of the same user can join that group; where
the system has no ``SO_REUSEPORT``, ``credo serve`` falls back to uvicorn's workers.)

The supervisor starts the processes, starts again one that stops on its own (after it
served for a while; one that fails at start stops them all, with its error), and stops
them all, each finishing the requests at hand, when it is asked to stop.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess

from credo.errors import ConfigError

log = logging.getLogger("credo.service.workers")

APP = "credo.asgi:app"
SOCKET_EACH = hasattr(socket, "SO_REUSEPORT")
# A process that stops within this many seconds of its start failed to start: starting
# it again would only fail again.
START_SECONDS = 10.0
STOP_SECONDS = 30.0


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` that other processes of this user may bind too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {error.strerror or error}; "
                          "choose another --port or stop what uses it") from None
    return sock


def _serve_one(host: str, port: int, log_level: str) -> None:  # in a worker process
    import uvicorn

    sock = listening_socket(host, port)
    config = uvicorn.Config(APP, log_level=log_level, access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


class Supervisor:
    """``workers`` server processes on ``host:port`` until ``stop`` (or a signal)."""

    def __init__(self, host: str, port: int, workers: int, log_level: str) -> None:
        self.address = (host, port)
        self.workers = workers
        self.log_level = log_level
        self.processes: list[tuple[BaseProcess, float]] = []
        self.stopping = False

    def run(self) -> None:
        listening_socket(*self.address).close()  # a clear error now, not in each worker
        previous = {s: signal.signal(s, self._on_signal)
                    for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.processes = [self._start() for _ in range(self.workers)]
            self._watch()
        finally:
            self.stop_all()
            for s, handler in previous.items():
                signal.signal(s, handler)

    def _start(self) -> tuple[BaseProcess, float]:
        process = multiprocessing.get_context("spawn").Process(
            target=_serve_one, args=(*self.address, self.log_level), name="credo-serve",
            daemon=False)
        process.start()
        return process, time.monotonic()

    def _watch(self) -> None:
        while not self.stopping:
            wait([p.sentinel for p, _ in self.processes], timeout=0.5)
            for i, (process, started) in enumerate(self.processes):
                if process.is_alive() or self.stopping:
                    continue
                if time.monotonic() - started < START_SECONDS:
                    raise ConfigError(f"a server process stopped at its start (exit code "
                                      f"{process.exitcode}); its error is above")
                log.warning("server process %s stopped (exit code %s); starting another",
                            process.pid, process.exitcode)
                self.processes[i] = self._start()

    def _on_signal(self, *_: object) -> None:
        self.stopping = True

    def stop_all(self) -> None:
        """Ask each process to stop (uvicorn finishes the requests at hand), then wait."""
        self.stopping = True
        for process, _ in self.processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for process, _ in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
