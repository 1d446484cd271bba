"""The model registry, kept in the operational store.

Every model trained on the lake is registered as a *candidate* with its version, its
training and validation months, its data fingerprint, its metrics and the model file
itself. Promoting one makes it the *champion*: its file is written to the champion path
that ``credo run`` reads, the previous champion is *retired* and remembered, and the
operator's action goes to the append-only audit log. A rollback restores the champion
that the current one replaced. Each published score carries its ``model_id``, so
:func:`model_of_score` answers which model produced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credo.config import Settings
from credo.errors import InputError
from credo.layout import champion_path, model_path
from credo.scorecard import artifact
from credo.store import audit
from credo.store.engine import make_engine, session_factory, upgrade
from credo.store.models import ModelRecord, ScoreRecord, now

CANDIDATE, CHAMPION, RETIRED = "candidate", "champion", "retired"
SEEN_NOW = object()  # "whatever the champion is now": the CLI's deliberate act


class UnknownModelError(InputError):
    """No such model in the registry."""


class ChampionChangedError(InputError):
    """The champion is no longer the one the operator saw: another change won."""


@dataclass(frozen=True)
class ModelInfo:
    model_id: str
    version: int
    status: str
    as_of: date | None
    validate_as_of: date | None
    fingerprint: str
    metrics: dict[str, Any]
    promoted_by: str | None
    promoted_at: str | None
    created_at: str


def write_document(path: Path, document: dict[str, Any]) -> None:
    """Write a model file, making the registry's folder on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    artifact.write_document(path, document)


class Registry:
    """Registry operations on one store (opened, and migrated, on construction)."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self._own = engine is None
        self.engine = engine or make_engine(settings.database)
        upgrade(self.engine)
        self.sessions = session_factory(self.engine)

    def close(self) -> None:
        if self._own:
            self.engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- writing
    def register(self, document: dict[str, Any], actor: str = "system") -> ModelInfo:
        """Register a model file as a candidate (idempotent on its model_id)."""
        model_id = str(document["model_id"])
        metadata = document.get("metadata", {})
        with self.sessions() as session, session.begin():
            existing = session.get(ModelRecord, model_id)
            if existing is not None:
                return info_of(existing)
            version = (session.scalar(select(func.max(ModelRecord.version))) or 0) + 1
            record = ModelRecord(
                model_id=model_id,
                version=version,
                as_of=_day(metadata.get("as_of")),
                validate_as_of=_day(metadata.get("validate_as_of")),
                fingerprint=str(document.get("training", {}).get("fingerprint", "")),
                metrics=metadata.get("metrics", {}),
                document=document,
                status=CANDIDATE,
            )
            session.add(record)
            audit.record(session, actor_role="operator", actor_id=actor,
                         action="model_register", model_id=model_id, version=version)
        path = model_path(self.settings, model_id)
        if not path.exists():
            write_document(path, document)
        return info_of(record)

    def register_trained(self, document: dict[str, Any], actor: str) -> tuple[ModelInfo, bool]:
        """Register a model trained on the lake; the first one becomes champion at once
        (there is nothing to compare it with). Returns its record and whether it was
        made champion."""
        info = self.register(document, actor)
        if self.champion() is not None:
            return info, False
        return self.promote(info.model_id, actor, "first model in the registry"), True

    def promote(self, model_id: str, actor: str, note: str | None = None) -> ModelInfo:
        """Make ``model_id`` the champion and write it where ``credo run`` reads it."""
        with self.sessions() as session, session.begin():
            record = promote(session, model_id, actor, note)
            info, document = info_of(record), record.document
        write_document(champion_path(self.settings), document)
        return info

    def rollback(self, actor: str, note: str | None = None) -> ModelInfo:
        """Restore the champion the current one replaced; the current one is retired."""
        with self.sessions() as session, session.begin():
            record = rollback(session, actor, note)
            info, document = info_of(record), record.document
        write_document(champion_path(self.settings), document)
        return info

    # ---------------------------------------------------------------- reading
    def list(self) -> list[ModelInfo]:
        with self.sessions() as session:
            rows = session.scalars(select(ModelRecord).order_by(ModelRecord.version))
            return [info_of(r) for r in rows]

    def trained_with(self, training_inputs: str) -> ModelInfo | None:
        """The first registered model trained with this key (the same records, months,
        parameters and split: see ``credo.pipeline.inputs``), if any."""
        with self.sessions() as session:
            for record in session.scalars(select(ModelRecord).order_by(ModelRecord.version)):
                metadata = (record.document or {}).get("metadata", {})
                if metadata.get("training_inputs") == training_inputs:
                    return info_of(record)
        return None

    def champion(self) -> ModelInfo | None:
        with self.sessions() as session:
            record = self._champion(session)
            return info_of(record) if record else None

    def document(self, model_id: str) -> dict[str, Any]:
        with self.sessions() as session:
            return self._get(session, model_id).document

    def model_of_score(self, person_id: str, as_of: date) -> ModelInfo | None:
        """The registered model that produced a person's published score for a month."""
        with self.sessions() as session:
            model_id = session.scalar(
                select(ScoreRecord.model_id)
                .where(ScoreRecord.person_id == person_id, ScoreRecord.as_of == as_of)
                .order_by(ScoreRecord.id.desc())
                .limit(1)
            )
            if model_id is None:
                return None
            record = session.get(ModelRecord, model_id)
            return info_of(record) if record else None

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def _champion(session: Session) -> ModelRecord | None:
        return champion_of(session)

    @staticmethod
    def _get(session: Session, model_id: str) -> ModelRecord:
        return _get(session, model_id)


def _get(session: Session, model_id: str) -> ModelRecord:
    record = session.get(ModelRecord, model_id)
    if record is None:
        raise UnknownModelError(f"no model {model_id!r} in the registry: see credo model list")
    return record


def champion_of(session: Session) -> ModelRecord | None:
    return session.scalar(select(ModelRecord).where(ModelRecord.status == CHAMPION))


def _lost(now_: str) -> ChampionChangedError:
    return ChampionChangedError(f"the champion changed meanwhile (it is now {now_}): "
                                "reload the registry and decide again")


def _check_seen(current: ModelRecord | None, seen: object) -> None:
    if seen is not SEEN_NOW and (current.model_id if current else None) != seen:
        raise _lost(current.model_id if current else "none")


def _crown(session: Session, record: ModelRecord, current: ModelRecord | None,
           actor: str, **values: Any) -> None:
    """The change itself, in the caller's transaction: the current champion retired and
    ``record`` crowned, each only from the state read (a conditional update), so of two
    changes at once one wins and the other raises ChampionChangedError."""
    if current is not None:
        done = session.execute(
            update(ModelRecord).where(ModelRecord.model_id == current.model_id,
                                      ModelRecord.status == CHAMPION)
            .values(status=RETIRED).execution_options(synchronize_session=False))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise _lost("another model")
    try:
        done = session.execute(
            update(ModelRecord).where(ModelRecord.model_id == record.model_id,
                                      ModelRecord.status != CHAMPION)
            .values(status=CHAMPION, promoted_by=actor, promoted_at=now(), **values)
            .execution_options(synchronize_session=False))
    except IntegrityError:  # another champion was crowned at the same time
        raise _lost("another model") from None
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise _lost(record.model_id)
    session.refresh(record)


def promote(session: Session, model_id: str, actor: str, note: str | None = None,
            seen: object = SEEN_NOW) -> ModelRecord:
    """Make ``model_id`` the champion, in the caller's transaction with its audit row.
    ``seen``: the champion's id the operator saw (None: none); if it changed since, raise
    ChampionChangedError. Writing the champion file is the caller's, after the commit."""
    record = _get(session, model_id)
    current = champion_of(session)
    _check_seen(current, seen)
    if current is not None and current.model_id == model_id:
        return record
    _crown(session, record, current, actor,
           previous_champion=current.model_id if current else None)
    audit.record(session, actor_role="operator", actor_id=actor, action="model_promote",
                 model_id=model_id, replaced=current.model_id if current else None, note=note)
    return record


def rollback(session: Session, actor: str, note: str | None = None,
             seen: object = SEEN_NOW) -> ModelRecord:
    """Restore the champion the current one replaced (the current one is retired), in
    the caller's transaction with its audit row; ``seen`` as for :func:`promote`."""
    current = champion_of(session)
    _check_seen(current, seen)
    if current is None or not current.previous_champion:
        raise InputError("there is no earlier champion to roll back to (credo model list "
                         "shows the registry)")
    previous = _get(session, current.previous_champion)
    # Its own predecessor is kept, so successive rollbacks walk back in time.
    _crown(session, previous, current, actor)
    audit.record(session, actor_role="operator", actor_id=actor, action="model_rollback",
                 model_id=previous.model_id, replaced=current.model_id, note=note)
    return previous


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def info_of(record: ModelRecord) -> ModelInfo:
    return ModelInfo(
        model_id=record.model_id, version=record.version, status=record.status,
        as_of=record.as_of, validate_as_of=record.validate_as_of,
        fingerprint=record.fingerprint, metrics=record.metrics or {},
        promoted_by=record.promoted_by,
        promoted_at=record.promoted_at.isoformat() if record.promoted_at else None,
        created_at=record.created_at.isoformat() if record.created_at else "",
    )
