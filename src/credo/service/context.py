"""Everything a request or a CLI command needs: settings, database, limits, hooks.

The same ``ServiceContext`` drives the HTTP app and the CLI, so every domain's logic is
callable without HTTP (the CLI and, later, the web portal).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from credo.config import Settings
from credo.data.lake import Lake
from credo.service.config import DB_SERVER_THREADS, ServiceConfig
from credo.service.errors import ProblemError
from credo.service.ratelimit import RateLimiter
from credo.service.security import pepper_for
from credo.store.engine import make_engine, session_factory, upgrade
from credo.store.group_commit import Ahead, GroupCommitter

# rescore(person_id) -> a score entry (the snapshot contract's fields) or None if it
# cannot be computed now; None leaves a "rescore pending" entry in the history.
Rescorer = Callable[[str], dict[str, Any] | None]
# points_of(person_id) -> the person's points per feature under the champion (None: no
# champion or run yet): what an operator reviewing a score has at hand.
PointsOf = Callable[[str], list[dict[str, Any]] | None]
T = TypeVar("T")


def default_points_of(settings: Settings) -> PointsOf | None:
    """The monthly run's own features and champion, for one person."""
    try:
        from credo.pipeline.rescore import points_by_feature
    except ImportError:
        return None
    return lambda person_id: points_by_feature(person_id, settings)


def default_rescorer(settings: Settings) -> Rescorer:
    """The monthly run's rescore of one person (``credo.pipeline.rescore``), with these
    settings; the pipeline is imported at the first rescore, not with the service."""

    def rescore(person_id: str) -> dict[str, Any] | None:
        from credo.pipeline import rescore as pipeline

        return pipeline.rescore(person_id, settings=settings)

    return rescore


@dataclass
class ServiceContext:
    settings: Settings
    config: ServiceConfig
    engine: Engine
    sessions: sessionmaker[Session]
    limiter: RateLimiter
    rescorer: Rescorer | None = None
    points_of: PointsOf | None = None
    _pepper: bytes | None = field(default=None, repr=False)
    _group_commit: GroupCommitter | None = field(default=None, repr=False)
    _group_commit_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

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
        return cls(settings=settings, config=config, engine=engine,
                   sessions=session_factory(engine),
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

    @property
    def db_threads(self) -> int:
        if self.config.db_threads is not None:
            return self.config.db_threads
        return 1 if self.engine.dialect.name == "sqlite" else DB_SERVER_THREADS

    @property
    def group_commit(self) -> GroupCommitter:
        """The partner reads' group commit (see ``credo.store.group_commit``), started
        with the first read."""
        if self._group_commit is None:
            with self._group_commit_lock:
                if self._group_commit is None:
                    self._group_commit = GroupCommitter(self.engine, threads=self.db_threads,
                                                        expected=(ProblemError,))
        return self._group_commit

    async def in_group_commit(self, work: Callable[[Session], T],
                              ahead: Ahead[Any] | None = None) -> T:
        """Run ``work`` with a session off the event loop, its rows committed with those
        of the reads waiting beside it; the answer comes once they are on disk.

        The partner reads use this rather than FastAPI's pool of 40 threads and a commit
        each: one commit for every read waiting is one sync of the disk for them all, and
        a few threads do not fight over the interpreter's lock. ``ahead``: a read the
        work needs first, made for the batch's units in one statement."""
        return await asyncio.wrap_future(self.group_commit.submit(work, ahead))

    async def in_own_session(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` with a session of its own (it commits itself) in FastAPI's
        threads: for work too big to keep the reads of a group commit waiting."""
        def run() -> T:
            with self.session() as session:
                return work(session)

        return await run_in_threadpool(run)

    def close(self) -> None:
        if self._group_commit is not None:
            self._group_commit.close()
        self.engine.dispose()
