"""The model registry and the fairness of the latest run, for the operator.

Promotion and rollback are the registry's own transitions (``credo.governance.registry``):
one conditional change with its audit row, refused with a conflict when the champion is
no longer the one the operator saw. Only operators may change the champion.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from credo.config import Settings
from credo.errors import InputError
from credo.features.catalogue import IN_DEFAULT
from credo.governance import fairness, registry
from credo.layout import MANIFEST_FILE, SCORES_FILE, champion_path, run_folders
from credo.service.errors import ConflictError, ForbiddenError, NotFoundError
from credo.service.keys import Principal
from credo.store import audit
from credo.store.models import ModelRecord

REPORTS_FOLDER = "reports"


@dataclass(frozen=True)
class RegistryView:
    models: list[registry.ModelInfo]  # newest version first
    champion: str | None
    rollback_to: str | None  # the champion the current one replaced, if any


def list_models(session: Session, reader: Principal) -> RegistryView:
    """Every registered model, the champion and what a rollback would restore; the
    read is audited."""
    rows = [registry.info_of(r) for r in
            session.scalars(select(ModelRecord).order_by(ModelRecord.version.desc()))]
    champion = registry.champion_of(session)
    audit.record(session, actor_role="operator", actor_id=reader.id, action="models.read",
                 rows=len(rows))
    session.commit()
    return RegistryView(rows, champion.model_id if champion else None,
                        champion.previous_champion or None if champion else None)


def champion_id(session: Session) -> str | None:
    champion = registry.champion_of(session)
    return champion.model_id if champion else None


def _operator(actor: Principal) -> None:
    if actor.role != "operator":
        raise ForbiddenError("only an operator may change the champion model")


def _change(session: Session, settings: Settings, change: Any) -> registry.ModelInfo:
    """Run one registry change and commit it; then write the champion's file."""
    try:
        record = change()
    except registry.UnknownModelError as error:
        session.rollback()
        raise NotFoundError(str(error)) from None
    except InputError as error:  # the champion changed, or nothing to roll back to
        session.rollback()
        raise ConflictError(str(error)) from None
    info, document = registry.info_of(record), record.document
    session.commit()
    registry.write_document(champion_path(settings), document)
    return info


def promote(session: Session, settings: Settings, actor: Principal, model_id: str,
            seen: str | None, note: str | None = None) -> registry.ModelInfo:
    """Make ``model_id`` the champion, if the champion is still ``seen`` (None: none)."""
    _operator(actor)
    return _change(session, settings, lambda: registry.promote(
        session, model_id, actor.id, note, seen=seen))


def rollback(session: Session, settings: Settings, actor: Principal, seen: str | None,
             note: str | None = None) -> registry.ModelInfo:
    """Restore the champion ``seen`` replaced, if ``seen`` is still the champion."""
    _operator(actor)
    return _change(session, settings, lambda: registry.rollback(
        session, actor.id, note, seen=seen))


def report_path(settings: Settings, model_id: str) -> Path:
    """Where the console looks for a model's HTML validation report (written there with
    ``credo report --model MODEL_ID --out`` this path)."""
    return settings.home / REPORTS_FOLDER / f"{model_id}.html"


def validation_report(session: Session, settings: Settings, reader: Principal,
                      model_id: str) -> str:
    """A registered model's validation report (HTML); the read is audited."""
    if session.get(ModelRecord, model_id) is None:
        raise NotFoundError(f"no model {model_id!r} in the registry: see the registry page")
    path = report_path(settings, model_id)
    if not path.is_file():
        raise NotFoundError(f"no validation report for {model_id} yet: write it with "
                            f"credo report --model {model_id} --out {path}")
    audit.record(session, actor_role="operator", actor_id=reader.id, action="report.read",
                 model_id=model_id)
    session.commit()
    return path.read_text()


def latest_fairness(settings: Settings) -> dict[str, Any] | None:
    """Approval rates and adverse impact ratios by protected group at every band cut-off,
    over the latest run's people at risk (``credo.governance.fairness``'s audit); None
    when there is no run or no protected attributes to audit with."""
    folders = run_folders(settings)
    protected = settings.truth / "protected"
    if not folders or not fairness.has_parquet(protected):
        return None
    manifest = json.loads((folders[-1] / MANIFEST_FILE).read_text())
    return {"as_of": manifest.get("as_of"), "air_flag": fairness.AIR_FLAG,
            **_audit(folders[-1] / SCORES_FILE, manifest["run_id"], protected)}


@functools.lru_cache(maxsize=8)
def _audit(scores: Path, run_id: str, protected: Path) -> dict[str, Any]:
    # A run id names one immutable snapshot: audited once per process.
    table = pq.read_table(scores, columns=["person_id", "score", "reason_1"])
    at_risk = pc.fill_null(pc.not_equal(table["reason_1"], IN_DEFAULT), True)
    frame = table.filter(at_risk).select(["person_id", "score"]).to_pandas()
    frame["person_id"] = frame["person_id"].astype(str)
    attributes = fairness.read_protected(protected)
    assert attributes is not None
    return fairness.audit(frame, attributes)
