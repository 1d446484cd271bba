"""Service errors as RFC 9457 problem details (``application/problem+json``).

Logic functions raise these typed errors (they are ``CredoError`` so the CLI prints them
as one line); the app turns every error, including validation errors and unknown
routes, into a problem document whose ``detail`` says what to do next.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from credo.errors import CredoError

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemError(CredoError):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class NotAuthenticatedError(ProblemError):
    status, slug, title = 401, "not-authenticated", "Not authenticated"


class ForbiddenError(ProblemError):
    status, slug, title = 403, "forbidden", "Forbidden"


class NoAuthorizationError(ProblemError):
    """The same answer whether the person exists or not: nothing leaks."""

    status, slug, title = 403, "no-authorization", "No valid authorization"


class PurposeForbiddenError(ProblemError):
    """A partner asked for a purpose outside credit: refused with the reason and the law."""

    status, slug, title = 403, "purpose-refused", "Purpose refused"


class PurposeNotDeclaredError(ProblemError):
    """A partner asked for a credit purpose it did not declare when it registered."""

    status, slug, title = 403, "purpose-not-declared", "Purpose not declared"


class ThresholdOnlyError(ProblemError):
    """The person authorized yes / no answers only: the score itself is not shared."""

    status, slug, title = 403, "threshold-only", "Yes / no only"


class FileFrozenError(ProblemError):
    """The person froze their file: no partner receives anything until they lift it."""

    status, slug, title = 403, "file-frozen", "File frozen"


class NotFoundError(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class ConflictError(ProblemError):
    status, slug, title = 409, "conflict", "Conflict"


class PayloadTooLargeError(ProblemError):
    status, slug, title = 413, "payload-too-large", "Request too large"


class InvalidRequestError(ProblemError):
    status, slug, title = 422, "invalid-request", "Invalid request"


class RateLimitedError(ProblemError):
    status, slug, title = 429, "rate-limited", "Too many requests"


class UnavailableError(ProblemError):
    status, slug, title = 503, "unavailable", "Service unavailable"


def problem_type(slug: str) -> str:
    return f"urn:credo:problem:{slug}"


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=["urn:credo:problem:no-authorization"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="For invalid requests: each field and what is wrong."
    )


def problem_response(status: int, description: str) -> dict[str, Any]:
    return {"description": description, "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: problem_response(400, "Malformed request"),
    413: problem_response(413, "Request body too large"),
    422: problem_response(422, "Invalid request: the problem lists each field"),
    429: problem_response(429, "Rate limit exceeded: retry after the Retry-After seconds"),
}
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: problem_response(401, "Missing or invalid credential"),
    403: problem_response(403, "Not allowed"),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem_response(404, "Not found")}
CONFLICT: dict[int | str, dict[str, Any]] = {409: problem_response(409, "Conflict")}
