"""Operator endpoints: the model registry, and the stability check of two months.

Read-only views of what ``credo model list`` and ``credo monitor`` show. Promotions
and rollbacks are deliberate acts made on the CLI or in the operator's console (through
``credo.service.governance.logic``). Every call is audited.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from credo.service.deps import DB, Ctx, Operator
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES
from credo.store import audit
from credo.store.models import ModelRecord

router = APIRouter(tags=["governance"], responses={**COMMON_RESPONSES, **AUTH_RESPONSES})


@router.get("/v1/operator/models")
def models(operator: Operator, session: DB) -> list[dict[str, Any]]:
    """Every registered model: version, status, months, metrics, who promoted it."""
    rows = session.scalars(select(ModelRecord).order_by(ModelRecord.version)).all()
    out = [
        {"model_id": r.model_id, "version": r.version, "status": r.status,
         "as_of": r.as_of, "validate_as_of": r.validate_as_of, "fingerprint": r.fingerprint,
         "metrics": r.metrics, "promoted_by": r.promoted_by, "promoted_at": r.promoted_at,
         "created_at": r.created_at}
        for r in rows
    ]
    audit.record(session, actor_role="operator", actor_id=operator.id, action="models.read",
                 rows=len(out))
    session.commit()
    return out


@router.get("/v1/operator/stability")
def stability(
    operator: Operator, session: DB, ctx: Ctx,
    as_of: date = Query(..., description="The month to check."),
    baseline_as_of: date = Query(..., description="The month to compare with."),
) -> dict[str, Any]:
    """PSI of the score and CSI of every feature; ``status`` "act" means stop the run."""
    from credo.features.engines import DuckDBEngine
    from credo.governance.model_reference import find_model
    from credo.governance.monitoring import compare_months

    champion = find_model(ctx.settings)
    engine = DuckDBEngine(memory_limit="2GB")
    try:
        report = compare_months(ctx.settings, engine, baseline_as_of, as_of,
                                champion.scorecard if champion else None)
    finally:
        engine.close()
    audit.record(session, actor_role="operator", actor_id=operator.id,
                 action="stability.read", status=report.status,
                 score_psi=round(report.score_psi, 4))
    session.commit()
    return report.to_dict()
