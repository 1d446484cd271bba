"""Operator endpoints: the model registry, and the stability check of two months.

Read-only views of what ``credo model list`` and ``credo monitor`` show. Promotions
and rollbacks are deliberate acts made on the CLI or in the operator's console (through
``credo.service.governance.logic``). Every call is audited.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query

from credo.service.deps import DB, Ctx, Operator
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES
from credo.service.governance import logic
from credo.store import audit

router = APIRouter(tags=["governance"], responses={**COMMON_RESPONSES, **AUTH_RESPONSES})


@router.get("/v1/operator/models")
def models(operator: Operator, session: DB) -> list[dict[str, Any]]:
    """Every registered model: version, status, months, metrics, who promoted it."""
    return logic.registered_models(session, actor=operator.id)


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
