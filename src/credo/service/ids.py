"""Constrained identifier types for request bodies and paths (the data contract's)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from credo.data.schemas import KINDS
from credo.policy.purposes import PERMITTED

ID_REGEX = r"^[A-Za-z0-9][A-Za-z0-9._:@\-]{0,127}$"
UUID_REGEX = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

PersonId = Annotated[str, StringConstraints(pattern=ID_REGEX, max_length=128),
                     Field(examples=["P000001"])]
Identifier = Annotated[str, StringConstraints(pattern=ID_REGEX, max_length=128)]
Uuid = Annotated[str, StringConstraints(pattern=UUID_REGEX, max_length=36)]
# Any short code: a refused purpose must reach the logic so the answer can explain why.
PurposeCode = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$"),
                        Field(examples=list(PERMITTED))]
KIND_REGEX = "^(" + "|".join(KINDS) + ")$"
Kind = Annotated[str, StringConstraints(pattern=KIND_REGEX), Field(examples=list(KINDS))]
