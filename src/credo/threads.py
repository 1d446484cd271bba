"""How many threads a piece of compute work may use: the one rule, used everywhere.

On a shared machine, more runnable threads than cores cost far more than the
parallelism they buy. OpenBLAS (and OpenMP) threads meet at a barrier after every
product and spin while they wait; when one of them is descheduled, the others spin
through their time slices and a product that takes microseconds waits for the next
turn of the scheduler. A scorecard fit measured 28 times slower that way beside four
busy processes on two cores than with one thread. So:

- work too small to gain from a second thread gets one (its synchronisation would cost
  more than it saves);
- other work gets the cores that are free *now*: the cores this process may run on
  (its CPU affinity), less the tasks of other processes that are runnable at this
  instant (the kernel's count, not the load average, which lags by a minute and
  counts this process's own past threads), and never fewer than one.

The count is read when the work starts (a fraction of a millisecond: small files
under ``/proc``), so BLAS in a fit on an idle machine uses both cores and beside busy
processes one. Every BLAS call in a fit, in scoring and in the monthly run takes its
size from here.

credo's own pools are different: their threads take whole tasks (a feature's binning, a
range of rows) from a queue and sleep on it when it is empty; they never wait for each
other at a barrier, so a descheduled thread delays its own task and nothing else. They
get every usable core whatever the load (:func:`pool_threads`): the scheduler shares the
cores among runnable threads, and a fit that gave up its second thread beside four busy
processes would get a fifth of the machine rather than a third.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# Below this many rows a call's work is a few milliseconds: a second thread's start
# and synchronisation cost as much as it saves, and far more on a busy machine.
ROWS_PER_EXTRA_THREAD = 100_000

_LOADAVG = Path("/proc/loadavg")
_OWN_TASKS = Path("/proc/self/task")


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask, which containers narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def runnable_elsewhere() -> int | None:
    """Tasks of other processes runnable at this instant, or None where the kernel
    does not say (then only the affinity counts)."""
    try:
        # "0.41 1.11 1.40 3/189 29824": the fourth field is runnable/all tasks, now.
        running = int(_LOADAVG.read_text().split()[3].partition("/")[0])
    except (OSError, IndexError, ValueError):
        return None
    return max(0, running - _own_runnable_tasks())


def _own_runnable_tasks() -> int:
    """This process's threads that are running or waiting for a core (state R)."""
    count = 0
    try:
        tasks = list(_OWN_TASKS.iterdir())
    except OSError:
        return 1
    for task in tasks:
        try:
            # The state follows the command name, which is in parentheses and may
            # itself hold spaces or parentheses.
            state = (task / "stat").read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            continue  # the thread ended meanwhile
        count += state == "R"
    return max(1, count)  # at least the thread asking


def free_cores() -> int:
    """Cores no other process is using right now (at least 1)."""
    cores = usable_cores()
    elsewhere = runnable_elsewhere()
    if elsewhere is None:
        return cores
    return max(1, min(cores, cores - elsewhere))


def threads_for(rows: int) -> int:
    """Threads for work over ``rows`` rows: one when it is small, else the free cores
    (each extra thread needs :data:`ROWS_PER_EXTRA_THREAD` rows to pay for itself)."""
    return _split(rows, free_cores)


def pool_threads(rows: int) -> int:
    """Threads for one of credo's own task pools over ``rows`` rows: one when the work
    is small, else the usable cores, busy or not (see the module text)."""
    return _split(rows, usable_cores)


def _split(rows: int, cores: Callable[[], int]) -> int:
    """One thread for small work, else one per :data:`ROWS_PER_EXTRA_THREAD` rows up to
    ``cores()`` (read only when the work is large enough to use more than one)."""
    if rows < 2 * ROWS_PER_EXTRA_THREAD:
        return 1
    return max(1, min(cores(), rows // ROWS_PER_EXTRA_THREAD))


@contextmanager
def blas_threads(rows: int) -> Iterator[int]:
    """Limit BLAS and OpenMP (numpy's, scipy's) to :func:`threads_for` ``rows`` inside
    the block; yields the count. The limit is per process: the block is meant for the
    thread that does a fit's linear algebra, not for code running beside other fits."""
    import numpy  # noqa: F401 - the libraries must be loaded for the limit to reach them
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_limits

    threads = threads_for(rows)
    with threadpool_limits(limits=threads):
        yield threads


def lower_priority(niceness: int) -> None:
    """Make this whole process yield the cores to others: every thread it has now gets
    ``niceness`` added to its nice value, and threads started later inherit it from the
    thread that starts them.

    ``os.nice`` alone is not enough on Linux, where it changes the calling thread only:
    threads a library started at import (an allocator's, a pool's) kept competing with
    the API at full priority."""
    if niceness <= 0:
        return
    try:
        tasks = [int(task.name) for task in _OWN_TASKS.iterdir()]
    except OSError:  # not Linux: the process's nice value is the threads'
        os.nice(niceness)
        return
    for tid in tasks:
        try:
            current = os.getpriority(os.PRIO_PROCESS, tid)
            os.setpriority(os.PRIO_PROCESS, tid, min(19, current + niceness))
        except (ProcessLookupError, PermissionError):
            continue  # the thread ended meanwhile
