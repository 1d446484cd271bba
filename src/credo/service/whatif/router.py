"""The person's what-if endpoint."""

from __future__ import annotations

from fastapi import APIRouter

from credo.service.deps import DB, Ctx, Person
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES, NOT_FOUND
from credo.service.whatif import logic
from credo.service.whatif.schemas import WhatIfIn, WhatIfOut

router = APIRouter(tags=["what-if"], responses={**COMMON_RESPONSES, **AUTH_RESPONSES})


@router.post("/v1/me/what-if", response_model=WhatIfOut, responses=NOT_FOUND)
def what_if(body: WhatIfIn, person: Person, ctx: Ctx, session: DB) -> WhatIfOut:
    """Your score, band, sub-scores and reasons under each scenario, exactly as the monthly
    run would give them for those records (not an estimate). A scenario that cannot apply
    to your records answers 422 saying why."""
    scenarios = [[logic.action_of(item) for item in actions] for actions in body.scenarios]
    return logic.run_what_if(session, ctx.settings, person.id, scenarios)
