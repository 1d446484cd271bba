"""Operator endpoints: the model registry, and the stability check of two months.

Read-only views of what ``credo model list`` and ``credo monitor`` show, for an
operator console; promotions stay on the CLI, where they are deliberate acts. Every
call is audited.
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
    from credo.governance import monitoring, samples
    from credo.layout import champion_path
    from credo.scorecard import artifact

    settings = ctx.settings
    path = champion_path(settings)
    model = artifact.load(path)[0] if path.exists() else None
    engine = DuckDBEngine(memory_limit="2GB")
    try:
        frames = {d: samples.features(settings, engine, d) for d in (baseline_as_of, as_of)}
    finally:
        engine.close()
    scores = {}
    for day, frame in frames.items():
        published = samples.published_scores(settings, day)
        if published is not None:
            scores[day] = published["score"].to_numpy()
        elif model is not None:
            scores[day] = model.score(frame)
        else:
            from credo.errors import InputError

            raise InputError(f"no snapshot for {day} and no champion model to score it")
    report = monitoring.stability(frames[baseline_as_of], frames[as_of],
                                  scores[baseline_as_of], scores[as_of],
                                  str(baseline_as_of), str(as_of))
    audit.record(session, actor_role="operator", actor_id=operator.id,
                 action="stability.read", status=report.status,
                 score_psi=round(report.score_psi, 4))
    session.commit()
    return report.to_dict()
