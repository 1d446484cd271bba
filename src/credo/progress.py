"""How long work tells its caller how far it has got, without printing anything.

The library's long loops (simulate, ingest, features, training, the run, the report)
take one of these callbacks; the command line passes a reporter that draws progress
bars, a service or a test passes nothing. Nothing here writes to a terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Count = Callable[[int, int], None]
"""``(done, total)`` in the unit of the work: people simulated, bytes ingested."""

Step = Callable[[str], None]
"""A named step begins (or one more step of a known number is done)."""


class Reporter(Protocol):
    """What a caller that shows progress provides.

    ``stage`` starts a new stage (closing the previous one); ``total`` and ``unit`` say
    what ``count`` will measure, when the stage can tell. ``count`` sets how much of
    the stage is done; ``step`` marks one more step done, with a note of what it was.
    """

    def stage(self, name: str, total: int | None = None, unit: str = "") -> None: ...

    def count(self, done: int, total: int | None = None) -> None: ...

    def step(self, note: str = "") -> None: ...

    def close(self) -> None: ...


class Silent:
    """A reporter that reports nothing: the default for library callers."""

    def stage(self, name: str, total: int | None = None, unit: str = "") -> None:
        return None

    def count(self, done: int, total: int | None = None) -> None:
        return None

    def step(self, note: str = "") -> None:
        return None

    def close(self) -> None:
        return None
