"""What an operator reads about the models, the monthly runs and the sources.

The console's pages and the operator endpoints arrange these; reading the registry,
the run folders and the lake happens only here. A read of the lake by source is
audited, like every other operator read.
"""

from __future__ import annotations

import functools
import json
import re
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
from credo.features.catalogue import IN_DEFAULT
from credo.layout import MANIFEST_FILE, SCORES_FILE, champion_path, run_folders
from credo.policy.bands import BANDS
from credo.scorecard import artifact, metrics
from credo.scorecard.model import Scorecard
from credo.store import audit
from credo.store.models import ModelRecord


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
