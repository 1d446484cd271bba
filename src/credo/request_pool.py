"""Threads that run the pieces of one request side by side: a person's record kinds read
at once, a what-if's dates computed at once.

Each piece is a few milliseconds of DuckDB or Arrow work, which releases the GIL. The
pool's threads are kept, one per usable core: what a piece keeps per thread (a DuckDB
connection and the statements prepared on it) is made once per thread, and there are
never more of those than cores, however many threads serve requests. A piece never
waits on another piece, and pieces given from one of the pool's own threads run there
in turn, so the pool cannot deadlock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from credo.threads import usable_cores

T = TypeVar("T")

_NAME = "credo-request"
_POOL: list[ThreadPoolExecutor] = []
_SIZE: list[int] = []
_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    with _LOCK:
        if not _POOL:
            _SIZE.append(usable_cores())
            _POOL.append(ThreadPoolExecutor(max_workers=_SIZE[0], thread_name_prefix=_NAME))
        return _POOL[0]


def pool_size() -> int:
    """The pool's threads: one per usable core when it was made."""
    _pool()
    return _SIZE[0]


def _on_pool_thread() -> bool:
    return threading.current_thread().name.startswith(f"{_NAME}_")


def side_by_side(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Every call's result, in order, the calls run on the pool's threads at once.
    When a call raises, the others still finish before the first error is raised."""
    if _on_pool_thread():
        return [call() for call in calls]
    pool = _pool()
    futures: list[Future[T]] = [pool.submit(call) for call in calls]
    for error in [future.exception() for future in futures]:
        if error is not None:
            raise error
    return [future.result() for future in futures]


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
