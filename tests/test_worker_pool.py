"""The worker pool runs a request's pieces on its own threads, at once, in order of the
calls given; an error waits for the other pieces; pieces given from its own threads run
in turn; a call can be made once on each of its threads; and the caller can do a piece
of its own meanwhile."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from credo import worker_pool


def test_results_come_back_in_the_order_of_the_calls():
    # The first call finishes last: the order is the calls', not the finishing order.
    calls = [lambda: time.sleep(0.05) or "slow", lambda: "quick", lambda: 3]
    assert worker_pool.side_by_side(calls) == ["slow", "quick", 3]


def test_pieces_run_on_the_pool_and_at_once():
    threads = worker_pool.pool_size()
    if threads < 2:
        pytest.skip("one usable core: the pieces run in turn")
    # Each piece waits for the other: they can only both finish if they run at once.
    meet = threading.Barrier(2, timeout=10)
    names = worker_pool.side_by_side(
        [lambda: (meet.wait(), threading.current_thread().name)[1]] * 2)
    assert len(set(names)) == 2
    assert all(name.startswith("credo-worker") for name in names)


def _fails() -> None:
    raise ValueError("bad piece")


def _slow(finished: threading.Event) -> Callable[[], str]:
    def slow() -> str:
        time.sleep(0.1)
        finished.set()
        return "done"

    return slow


def test_an_error_is_raised_once_the_other_pieces_are_done():
    finished = threading.Event()
    with pytest.raises(ValueError, match="bad piece"):
        worker_pool.side_by_side([_fails, _slow(finished)])
    assert finished.is_set()


# A deadlock would hold the pool's threads for good (and the interpreter at its exit):
# after two minutes the run ends, failed, with every thread's stack.
@pytest.mark.timeout(120, method="thread")
def test_pieces_given_from_the_pool_run_there_in_turn():
    # As many outer pieces as threads, each giving pieces of its own: were those queued
    # behind the outer ones, every thread would wait for a free one forever.
    def outer() -> list[str]:
        here = threading.current_thread().name
        inner = worker_pool.side_by_side([lambda: threading.current_thread().name] * 3)
        return [*inner, here]

    found = worker_pool.side_by_side([outer] * worker_pool.pool_size())
    for names in found:
        assert set(names) == {names[-1]}  # the inner pieces ran on the outer's thread


def test_a_call_runs_once_on_every_thread():
    seen: list[str] = []
    lock = threading.Lock()

    def note() -> None:
        with lock:
            seen.append(threading.current_thread().name)

    worker_pool.on_every_thread(note)
    assert len(seen) == worker_pool.pool_size()
    assert len(set(seen)) == len(seen)


def test_the_callers_own_piece_runs_on_its_thread_while_the_pool_runs_the_others():
    # The caller's piece waits for a pool piece: both finish only if they run at once.
    meet = threading.Barrier(2, timeout=10)
    mine, theirs = worker_pool.side_by_side_here(
        lambda: (meet.wait(), threading.current_thread().name)[1],
        [lambda: (meet.wait(), threading.current_thread().name)[1]])
    assert mine == threading.current_thread().name
    assert theirs[0].startswith("credo-worker")


def test_an_error_of_the_callers_piece_waits_for_the_pools():
    finished = threading.Event()
    with pytest.raises(ValueError, match="bad piece"):
        worker_pool.side_by_side_here(_fails, [_slow(finished)])
    assert finished.is_set()


def test_an_error_of_a_pool_piece_is_raised_after_the_callers_piece():
    finished = threading.Event()
    with pytest.raises(ValueError, match="bad piece"):
        worker_pool.side_by_side_here(_slow(finished), [_fails])
    assert finished.is_set()
