"""Identifiers as the data contract defines them: constrained types for request bodies
and paths, and the check every domain's logic applies to an id it is handed."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, StringConstraints

from credo.data.schemas import KINDS
from credo.data.validate import ID_PATTERN
from credo.policy.purposes import PERMITTED
from credo.service.errors import InvalidRequestError

ID_REGEX = ID_PATTERN  # the data contract's rule, written once there
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


def check_id(value: str, what: str) -> str:
    """``value`` if it is a valid identifier, else a 400 that says what one looks like."""
    if not re.fullmatch(ID_PATTERN, value):
        raise InvalidRequestError(
            f"invalid {what} {value[:40]!r}: use 1-128 letters, digits or . _ : @ -, "
            "starting with a letter or digit"
        )
    return value
