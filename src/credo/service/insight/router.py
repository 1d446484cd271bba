"""The person's insight endpoints: what-if, the path to a score, what changed."""

from __future__ import annotations

from fastapi import APIRouter, Query

from credo.service.deps import DB, Ctx, Person
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES, NOT_FOUND
from credo.service.insight import logic
from credo.service.insight.schemas import (
    ChangesOut,
    PathOut,
    WhatIfIn,
    WhatIfOut,
    WhatIfStartOut,
)

router = APIRouter(tags=["what-if"], responses={**COMMON_RESPONSES, **AUTH_RESPONSES})


@router.get("/v1/me/what-if", response_model=WhatIfStartOut, responses=NOT_FOUND)
def what_if_start(person: Person, ctx: Ctx, session: DB) -> WhatIfStartOut:
    """Your score as your records are, computed as each scenario's will be, and the
    accounts a scenario can name (with their balances and limits): what to start from.
    Your records are read and scored here, so the scenarios you ask next answer faster."""
    ctx.limiter.check("what-if:" + person.id)
    return logic.what_if_start(session, ctx.settings, person.id)


@router.post("/v1/me/what-if", response_model=WhatIfOut, responses=NOT_FOUND)
def what_if(body: WhatIfIn, person: Person, ctx: Ctx, session: DB) -> WhatIfOut:
    """Your score, band, sub-scores and reasons under each scenario, exactly as the monthly
    run would give them for those records (not an estimate). A scenario that cannot apply
    to your records answers 422 saying why."""
    ctx.limiter.check("what-if:" + person.id)  # each answer runs the feature pipeline
    scenarios = [[logic.action_of(item) for item in actions] for actions in body.scenarios]
    return logic.run_what_if(session, ctx.settings, person.id, scenarios)


@router.get("/v1/me/path", response_model=PathOut, responses=NOT_FOUND)
def path(person: Person, ctx: Ctx, session: DB,
         target: int | None = Query(None, ge=350, le=950,
                                    description="The score to reach; by default the next "
                                                "band")) -> PathOut:
    """The smallest set of actions you can take (on how you pay and borrow; never tenure,
    identity or anything protected) that brings your score to the target, each with its
    exact points and when it takes effect, verified with the exact what-if."""
    ctx.limiter.check("what-if:" + person.id)
    return logic.path(session, ctx.settings, person.id, target)


@router.get("/v1/me/score/changes", response_model=ChangesOut, responses=NOT_FOUND)
def changes(person: Person, ctx: Ctx) -> ChangesOut:
    """What changed since the previous monthly score and the features that moved it (exact
    points), what earns you the most points, and what each dimension measures."""
    return logic.changes(ctx.settings, person.id)
