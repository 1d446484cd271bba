"""The server's garbage-collector policy.

A long-lived server imports a large library stack (pandas, pyarrow, ibis, numba,
FastAPI): hundreds of thousands of objects that live as long as the process. CPython's
full collection walks all of them, about a fifth of a second, and every request in
flight waits for it: that pause, not the database, was the tail of the partner
endpoints' latency. Freezing the heap once the app is built moves those objects out of
the collector's sight; what requests allocate is still collected as usual.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect once, then exempt every surviving object from later collections.

    Returns how many objects were frozen. Safe to call again (e.g. after a lazy import
    that brought in a large module): it freezes what has been added since.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
