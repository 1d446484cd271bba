"""credo's worker threads, kept for the process: one per usable core, shared by the work
that splits into whole tasks (a scoring call's row ranges, a request's pieces).

Starting threads costs milliseconds per call, as much as scoring a few hundred thousand
rows or reading one person's records, so the threads are made once. What a task keeps
per thread (a DuckDB connection and the statements prepared on it) is then made once
per thread too, and there are never more of those than cores, however many threads
serve requests. Tasks never wait on other tasks of the pool, and work given from one of
its own threads runs there, so concurrent callers cannot deadlock it (see
:mod:`credo.threads` for why its size does not follow the load).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from credo.threads import usable_cores

T = TypeVar("T")
U = TypeVar("U")

_NAME = "credo-worker"
_POOL: list[tuple[ThreadPoolExecutor, int]] = []  # made at first use, with its size
_LOCK = threading.Lock()


def _made() -> tuple[ThreadPoolExecutor, int]:
    with _LOCK:
        if not _POOL:
            size = usable_cores()
            _POOL.append((ThreadPoolExecutor(max_workers=size, thread_name_prefix=_NAME), size))
        return _POOL[0]


def _pool() -> ThreadPoolExecutor:
    return _made()[0]


def pool_size() -> int:
    """The pool's threads: the usable cores when it was made."""
    return _made()[1]


def _on_pool_thread() -> bool:
    return threading.current_thread().name.startswith(f"{_NAME}_")


def on_threads(tasks: list[Callable[[], T]], threads: int) -> list[T]:
    """Every task's result, in order, computed by ``threads`` threads (the caller and
    ``threads - 1`` of the pool), each taking the next task as it finishes the last:
    never more threads than the count allows, whatever the pool's size."""
    results: list[Any] = [None] * len(tasks)
    queue = iter(enumerate(tasks))
    lock = threading.Lock()

    def drain() -> None:
        while True:
            with lock:
                task = next(queue, None)
            if task is None:
                return
            results[task[0]] = task[1]()

    helpers = [_pool().submit(drain) for _ in range(min(threads, len(tasks)) - 1)]
    drain()
    for helper in helpers:
        # A helper still queued behind other calls' work has nothing left to do.
        if not helper.cancel():
            helper.result()
    return results


def side_by_side(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Every call's result, in order, the calls run on the pool's threads at once (so
    what they keep per thread stays on the pool's threads). When a call raises, the
    others still finish before the first error is raised."""
    return side_by_side_here(lambda: None, calls)[1]


def side_by_side_here(here: Callable[[], U], calls: Sequence[Callable[[], T]]
                      ) -> tuple[U, list[T]]:
    """``here``'s result, computed on the caller's thread while the pool runs ``calls``
    (as :func:`side_by_side` does), and theirs: work the caller would otherwise wait
    through. When anything raises, the rest still finish before the first error is
    raised (``here``'s first)."""
    if _on_pool_thread():
        return here(), [call() for call in calls]
    pool = _pool()
    futures: list[Future[T]] = [pool.submit(call) for call in calls]
    try:
        mine = here()
    finally:
        errors = [future.exception() for future in futures]
    for error in errors:
        if error is not None:
            raise error
    return mine, [future.result() for future in futures]


def on_every_thread(call: Callable[[], object]) -> None:
    """Run ``call`` once on each of the pool's threads (to make what each keeps before
    the first request that needs it)."""
    if _on_pool_thread():
        call()
        return
    threads = pool_size()
    meet = threading.Barrier(threads)

    def once() -> None:
        meet.wait()  # every thread holds one of these at once, so each runs one
        call()

    side_by_side([once] * threads)
