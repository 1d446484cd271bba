"""A per-key token bucket (in-process, thread-safe): cheap enough to run per request."""

from __future__ import annotations

import math
import threading
import time

from credo.service.errors import RateLimitedError

MAX_BUCKETS = 100_000  # forget idle buckets beyond this so hostile keys can't fill memory


class RateLimiter:
    def __init__(self, per_second: float, burst: float) -> None:
        self.rate = per_second
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last time)
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                wait = math.ceil((1 - tokens) / self.rate)
                raise RateLimitedError(
                    f"more than {self.rate:g} requests per second for this key; "
                    f"retry in {wait} s",
                    headers={"Retry-After": str(wait)},
                )
            if len(self._buckets) >= MAX_BUCKETS and key not in self._buckets:
                self._buckets.clear()
            self._buckets[key] = (tokens - 1, now)
