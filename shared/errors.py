"""Errors with stable codes. Domain code raises these; the HTTP layer maps them
to problem+json in one place (shared.problems)."""

from __future__ import annotations

from typing import Any


class CascadeError(Exception):
    """A refusal a client can act on: `code` is stable and machine-readable."""

    code = "error"
    status = 400
    title = "Request refused"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(CascadeError):
    code = "not_found"
    status = 404
    title = "Not found"


class Conflict(CascadeError):
    code = "conflict"
    status = 409
    title = "Conflict"


class VersionConflict(Conflict):
    """The stream moved on since the caller read it (optimistic concurrency)."""

    code = "version_conflict"
    title = "Version conflict"


class RuleViolation(CascadeError):
    """A business rule refused the command; subclasses or `code=` name the rule."""

    status = 409
    title = "Rule violation"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        if code is not None:
            self.code = code


class InvalidInput(CascadeError):
    code = "invalid_input"
    status = 422
    title = "Invalid input"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **extra: Any):
        super().__init__(detail, **extra)
        self.errors = errors or []


class InvalidCursor(InvalidInput):
    """A pagination cursor or feed position that this service did not hand out."""

    code = "invalid_cursor"
    title = "Invalid cursor"


class IdempotencyKeyReused(InvalidInput):
    """An Idempotency-Key sent again with another request than the first time."""

    code = "idempotency_key_reused"
    title = "Idempotency key reused"


class PreconditionRequired(CascadeError):
    """An edit of a resource must say which version it was based on (If-Match)."""

    code = "precondition_required"
    status = 428
    title = "Precondition required"


class Unauthorized(CascadeError):
    code = "unauthorized"
    status = 401
    title = "Unauthorized"


class Forbidden(CascadeError):
    code = "forbidden"
    status = 403
    title = "Forbidden"


class AuthUnavailable(CascadeError):
    """The identity provider's signing keys cannot be fetched: not the caller's fault."""

    code = "auth_unavailable"
    status = 503
    title = "Authentication unavailable"


class InfrastructureUnavailable(Exception):
    """PostgreSQL, Kafka or a binary is missing or unreachable: an operator's
    problem, reported as one clear line, never as a traceback."""
