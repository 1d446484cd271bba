"""What an operator reads about the models, the monthly runs and the sources, and the
registry's changes the operator makes.

The console's pages and the operator endpoints arrange these; reading the registry,
the run folders and the lake happens only here. A read of the lake by source, of the
registry or of a validation report is audited, like every other operator read.

Promotion and rollback are the registry's own transitions (``credo.governance.registry``):
one conditional change with its audit row, refused with a conflict when the champion is
no longer the one the operator saw. Only operators may change the champion.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from credo.config import Settings
from credo.data.lake import Lake
from credo.data.quarantine import QUARANTINE
from credo.errors import InputError
from credo.features.catalogue import IN_DEFAULT
from credo.governance import fairness, registry
from credo.layout import MANIFEST_FILE, SCORES_FILE, champion_path, run_folders
from credo.policy.bands import BANDS
from credo.scorecard import artifact, metrics
from credo.scorecard.model import Scorecard
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



def registered_models(session: Session, *, actor: str) -> list[dict[str, Any]]:
    """Every registered model, oldest version first: version, status, months, metrics,
    who promoted it; the operator's read is audited."""
    rows = session.scalars(select(ModelRecord).order_by(ModelRecord.version)).all()
    out = [
        {"model_id": r.model_id, "version": r.version, "status": r.status,
         "as_of": r.as_of, "validate_as_of": r.validate_as_of, "fingerprint": r.fingerprint,
         "metrics": r.metrics, "promoted_by": r.promoted_by, "promoted_at": r.promoted_at,
         "created_at": r.created_at}
        for r in rows
    ]
    audit.record(session, actor_role="operator", actor_id=actor, action="models.read",
                 rows=len(out))
    session.commit()
    return out


def champion_record(session: Session) -> ModelRecord | None:
    """The registry's entry of the champion (the latest version promoted)."""
    return session.scalars(select(ModelRecord).where(ModelRecord.status == "champion")
                           .order_by(ModelRecord.version.desc())).first()


def champion_model(settings: Settings) -> tuple[Scorecard, dict[str, Any]] | None:
    """The champion's scorecard and its whole model file (None: none promoted yet)."""
    path = champion_path(settings)
    if not path.exists():
        return None
    return artifact.load(path)


@functools.lru_cache(maxsize=48)
def _run_scores(path: Path, run_id: str) -> np.ndarray:
    """A published run's scores of the people at risk (those in default are published
    at the floor, outside every metric): a run id names one immutable score run, so they
    are read once per process, not on every view of the page."""
    table = pq.read_table(path, columns=["score", "reason_1"])
    at_risk = pc.fill_null(pc.not_equal(table["reason_1"], IN_DEFAULT), True)
    return table.filter(at_risk)["score"].to_numpy()


def run_history(settings: Settings) -> list[dict[str, Any]]:
    """Every monthly run's manifest, oldest first, with PSI against the month before,
    its status against the thresholds, the mean score and the share of each band."""
    out: list[dict[str, Any]] = []
    previous: np.ndarray | None = None
    for folder in run_folders(settings):
        manifest = json.loads((folder / MANIFEST_FILE).read_text())
        manifest.pop("excluded", None)  # the records' keys: the count says enough here
        current = _run_scores(folder / SCORES_FILE, manifest["run_id"])
        psi = None if previous is None else float(metrics.psi(previous, current))
        out.append({**manifest, "psi": psi,
                    "psi_status": None if psi is None else metrics.psi_status(psi),
                    "mean_score": float(current.mean()) if current.size else None,
                    "band_shares": [manifest.get("bands", {}).get(b.name, 0)
                                    / max(manifest.get("people", 0), 1) for b in BANDS]})
        previous = current
    return out


_RECEIVED = re.compile(r"[,;]? *\(?got .*$|'[^']*'")


def rule_of(reason: str) -> str:
    """A quarantine reason without the value received, so that reasons group by rule."""
    return _RECEIVED.sub("", reason).strip(" ,;:") or reason


def _quarantine_counts(lake: Lake) -> list[dict[str, Any]]:
    if not lake.files(QUARANTINE):
        return []
    con = lake.connect()
    try:
        q = lake.quarantine(con=con)
        return q.group_by(["source_id", "kind", "reasons"]).aggregate(
            n=q.count()).to_pyarrow().to_pylist()
    finally:
        con.disconnect()


def source_summary(session: Session, lake: Lake, *, actor: str) -> dict[str, Any]:
    """Records per source and kind, and what was quarantined, by reason; the operator's
    read is audited."""
    per_source: dict[tuple[str, str], int] = {}
    for row in lake.summary().to_pylist():
        if row["kind"] == QUARANTINE:
            continue
        key = (row["source_id"], row["kind"])
        per_source[key] = per_source.get(key, 0) + int(row["records"])
    quarantined: dict[str, int] = {}
    reasons: dict[tuple[str, str, str], int] = {}
    for row in _quarantine_counts(lake):
        quarantined[row["source_id"]] = quarantined.get(row["source_id"], 0) + row["n"]
        for reason in str(row["reasons"]).split(" | "):
            key = (row["source_id"], row["kind"], rule_of(reason))
            reasons[key] = reasons.get(key, 0) + row["n"]
    sources = sorted({s for s, _ in per_source} | set(quarantined))
    summary = {
        "sources": [{"source_id": s,
                     "kinds": {k: n for (src, k), n in per_source.items() if src == s},
                     "records": sum(n for (src, _), n in per_source.items() if src == s),
                     "quarantined": quarantined.get(s, 0)} for s in sources],
        "reasons": sorted(({"source_id": s, "kind": k, "reason": r, "count": n}
                           for (s, k, r), n in reasons.items()),
                          key=lambda x: -x["count"])[:100],
    }
    audit.record(session, actor_role="operator", actor_id=actor, action="sources.read",
                 rows=len(summary["sources"]))
    session.commit()
    return summary
