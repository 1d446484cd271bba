"""The thread rule: one thread for small work or a busy machine, the free cores otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from threadpoolctl import threadpool_info

from credo import threads
from credo.scorecard import Scorecard
from credo.worker_pool import on_threads

SPIN = "while True: pass"


@pytest.fixture
def busy_machine():
    """More spinning processes than this process has cores: nothing is free."""
    spinners = [subprocess.Popen([sys.executable, "-c", SPIN])
                for _ in range(threads.usable_cores() + 2)]
    try:
        time.sleep(0.5)  # every spinner started and runnable
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


@given(st.integers(min_value=0, max_value=10**9))
def test_threads_stay_within_the_cores_this_process_may_use(rows: int) -> None:
    assert 1 <= threads.threads_for(rows) <= threads.usable_cores()


@given(st.integers(min_value=0, max_value=2 * threads.ROWS_PER_EXTRA_THREAD - 1))
def test_small_work_gets_one_thread(rows: int) -> None:
    assert threads.threads_for(rows) == 1


def test_a_busy_machine_leaves_one_thread(busy_machine: None) -> None:
    assert threads.runnable_elsewhere() >= threads.usable_cores()
    assert threads.free_cores() == 1
    assert threads.threads_for(10**8) == 1
    with threads.blas_threads(10**8) as count:
        assert count == 1
        blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
        assert blas and all(lib["num_threads"] == 1 for lib in blas)


@given(st.integers(min_value=0, max_value=10**9))
def test_pools_stay_within_the_usable_cores_and_small_work_gets_one(rows: int) -> None:
    count = threads.pool_threads(rows)
    assert 1 <= count <= threads.usable_cores()
    if rows < 2 * threads.ROWS_PER_EXTRA_THREAD:
        assert count == 1


def test_pools_keep_every_usable_core_on_a_busy_machine(busy_machine: None) -> None:
    # Pool threads sleep on their queue rather than spin: giving one up beside busy
    # processes would only shrink the fit's share of the cores.
    assert threads.free_cores() == 1
    assert threads.pool_threads(10**8) == threads.usable_cores()


def test_blas_threads_are_restored_after_the_block() -> None:
    before = [lib["num_threads"] for lib in threadpool_info()]
    with threads.blas_threads(0):
        pass
    assert [lib["num_threads"] for lib in threadpool_info()] == before


@given(st.integers(min_value=0, max_value=40), st.integers(min_value=1, max_value=6))
def test_tasks_run_once_each_in_order_on_at_most_the_given_threads(
    n_tasks: int, count: int
) -> None:
    lock = threading.Lock()
    running, most = [0], [0]

    def task(k: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.001)
        with lock:
            running[0] -= 1
        return k * k

    results = on_threads([lambda k=k: task(k) for k in range(n_tasks)], count)
    assert results == [k * k for k in range(n_tasks)]
    assert most[0] <= count


def test_a_fit_on_a_busy_machine_gives_the_same_scorecard(
    busy_machine: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The thread count changes how fast, never what: a busy machine's one-thread fit
    and scoring match those of a fit given every core."""
    rng = np.random.default_rng(7)
    n = 2 * threads.ROWS_PER_EXTRA_THREAD + 1_000
    x = rng.normal(size=(n, 3))
    y = (rng.random(n) < 1 / (1 + np.exp(2 + x @ [1.0, -0.5, 0.3]))).astype(int)
    X = pd.DataFrame(x, columns=["a", "b", "c"])
    busy = Scorecard().fit(X, y)
    busy_scores = busy.score(X)

    monkeypatch.setattr(threads, "free_cores", threads.usable_cores)  # as if idle
    idle = Scorecard().fit(X, y)
    idle_scores = idle.score(X)
    assert busy.intercept_ == idle.intercept_
    assert [[b.points for b in f.binning.bins] for f in busy.features_] == [
        [b.points for b in f.binning.bins] for f in idle.features_
    ]
    assert np.array_equal(busy_scores, idle_scores)


LOWER = """
import os, threading
from pathlib import Path
from credo.threads import lower_priority

started = threading.Event()
go = threading.Event()
later = []

def early():  # a thread a library started at import, before the process lowered itself
    started.set()
    go.wait()
    t = threading.Thread(target=lambda: later.append(os.getpriority(os.PRIO_PROCESS, 0)))
    t.start()
    t.join()

t = threading.Thread(target=early)
t.start()
started.wait()
lower_priority(7)
nices = [os.getpriority(os.PRIO_PROCESS, int(p.name)) for p in Path('/proc/self/task').iterdir()]
go.set()
t.join()
print(min(nices), later[0])
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_lowering_priority_reaches_every_thread_and_the_threads_they_start() -> None:
    # os.nice alone lowers the calling thread only: a pool started at import kept full
    # priority beside the API.
    out = subprocess.run([sys.executable, "-c", LOWER], capture_output=True, text=True,
                         check=True).stdout.split()
    before = os.getpriority(os.PRIO_PROCESS, 0)
    assert [int(v) for v in out] == [min(19, before + 7)] * 2
