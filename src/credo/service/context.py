"""Everything a request or a CLI command needs: settings, database, limits, hooks.

The same ``ServiceContext`` drives the HTTP app and the CLI, so every domain's logic is
callable without HTTP (the CLI and, later, the web portal).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from credo.config import Settings
from credo.data.lake import Lake
from credo.service.config import ServiceConfig
from credo.service.ratelimit import RateLimiter
from credo.service.security import pepper_for
from credo.store.audit import GROUP_COMMIT, GroupCommit
from credo.store.engine import make_engine, session_factory, upgrade

# rescore(person_id) -> a score entry (the snapshot contract's fields) or None if it
# cannot be computed now; None leaves a "rescore pending" entry in the history.
Rescorer = Callable[[str], dict[str, Any] | None]
# points_of(person_id) -> the person's points per feature under the champion (None: no
# champion or run yet): what an operator reviewing a score has at hand.
PointsOf = Callable[[str], list[dict[str, Any]] | None]


def default_points_of(settings: Settings) -> PointsOf | None:
    """The monthly run's own features and champion, for one person."""
    try:
        from credo.pipeline.rescore import points_by_feature
    except ImportError:
        return None
    return lambda person_id: points_by_feature(person_id, settings)


def default_rescorer(settings: Settings) -> Rescorer | None:
    """The monthly run's rescore, once ``credo.pipeline.rescore`` exists.

    Accepts a function ``rescore(person_id)`` or ``rescore(person_id, settings=...)``,
    exported by ``credo.pipeline`` directly or from a ``credo.pipeline.rescore`` module.
    Until then there is none, and a resolved dispute leaves "rescore pending".
    """
    import importlib
    import inspect
    import types

    try:
        pipeline = importlib.import_module("credo.pipeline")
        fn = getattr(pipeline, "rescore", None)
        if fn is None:
            fn = importlib.import_module("credo.pipeline.rescore")
    except ImportError:
        return None
    except Exception:  # a broken pipeline must not stop the service: disputes still work
        logging.getLogger("credo.service").exception("credo.pipeline.rescore failed to load")
        return None
    if isinstance(fn, types.ModuleType):
        fn = getattr(fn, "rescore", None)
    if not callable(fn):
        return None
    if "settings" in inspect.signature(fn).parameters:
        return lambda person_id: fn(person_id, settings=settings)
    return fn  # type: ignore[no-any-return]


@dataclass
class ServiceContext:
    settings: Settings
    config: ServiceConfig
    engine: Engine
    sessions: sessionmaker[Session]
    limiter: RateLimiter
    rescorer: Rescorer | None = None
    audit_writer: GroupCommit | None = None
    points_of: PointsOf | None = None
    _pepper: bytes | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls, settings: Settings, *, config: ServiceConfig | None = None,
        rescorer: Rescorer | None = None, migrate: bool = True,
        points_of: PointsOf | None = None,
    ) -> ServiceContext:
        config = config or ServiceConfig.from_env()
        engine = make_engine(settings.database)
        if migrate:
            upgrade(engine)
        audit_writer = GroupCommit(engine)
        return cls(settings=settings, config=config, engine=engine,
                   sessions=session_factory(engine, info={GROUP_COMMIT: audit_writer}),
                   audit_writer=audit_writer,
                   limiter=RateLimiter(config.rate_per_second, config.rate_burst),
                   rescorer=rescorer if rescorer is not None else default_rescorer(settings),
                   points_of=points_of if points_of is not None
                   else default_points_of(settings))

    @property
    def pepper(self) -> bytes:
        if self._pepper is None:
            self._pepper = pepper_for(str(self.settings.home.resolve()), self.config.pepper)
        return self._pepper

    @property
    def lake(self) -> Lake:
        return Lake(self.settings.lake)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as s:
            yield s

    def close(self) -> None:
        if self.audit_writer is not None:
            self.audit_writer.close()
        self.engine.dispose()
