"""RFC 9457 problem details: every error of every service leaves through here."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from shared.errors import CascadeError, InvalidInput

PROBLEM = "application/problem+json"
log = logging.getLogger("cascade.http")


def body_of(status: int, code: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": f"https://cascade.eu/problems/{code}",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse(
        body_of(status, code, title, detail, **extra), status_code=status, media_type=PROBLEM
    )


def error_body(error: CascadeError) -> dict[str, Any]:
    """The problem body of a domain error (also of a command that recorded what
    happened and still refused what was asked)."""
    extra = dict(error.extra)
    if isinstance(error, InvalidInput):
        extra["errors"] = error.errors
    return body_of(error.status, error.code, error.title, error.detail, **extra)


def from_error(error: CascadeError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    response = JSONResponse(error_body(error), status_code=error.status, media_type=PROBLEM)
    if headers:
        response.headers.update(headers)
    return response


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """`[{field, message, type}]`: body fields by their path (`criteria.0.weight`),
    other inputs with their place (`query.limit`, `path.id`, `header.If-Match`)."""
    errors = []
    for err in exc.errors():
        loc = list(err["loc"])
        if err["type"] == "json_invalid":
            # Its loc is ("body", <character offset>): the offset is no field.
            field, message = "body", f"{err['msg']}: {err.get('ctx', {}).get('error', '')}"
        else:
            field = ".".join(str(p) for p in (loc[1:] if loc[:1] == ["body"] else loc))
            field, message = field or "body", err["msg"]
        errors.append({"field": field, "message": message, "type": err["type"]})
    return errors


def install(app: FastAPI) -> None:
    """Map every error to a problem body, in one place."""

    @app.exception_handler(CascadeError)
    async def _cascade(_: Request, exc: CascadeError) -> JSONResponse:
        return from_error(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(
            422,
            "invalid_input",
            "Invalid input",
            "the request does not match the schema",
            errors=_field_errors(exc),
        )

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        response = problem(exc.status_code, code, str(exc.detail), str(exc.detail))
        response.headers.update(exc.headers or {})  # e.g. Allow on a 405
        return response

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        # SQLSTATE class 22 (data exception) is a value PostgreSQL cannot take:
        # a NUL character in text or JSON, a number out of a column's range.
        # Such values pass schema validation, so they are the caller's to fix.
        if str(getattr(exc.orig, "sqlstate", None) or "").startswith("22"):
            log.warning("value refused by the database", extra={"path": request.url.path})
            return problem(
                422,
                "invalid_input",
                "Invalid input",
                "a value cannot be stored (e.g. a NUL character or a number out of range)",
                errors=[],
            )
        if database_unavailable(exc):
            return _unavailable(request, exc.orig or exc)
        return _internal_error(request)

    @app.exception_handler(OSError)
    async def _unreachable(request: Request, exc: OSError) -> JSONResponse:
        # The driver lets a failed connect out as the bare OSError: refused over
        # TCP, FileNotFoundError when a Unix socket is gone, TimeoutError. The
        # database is the only thing a request reaches over the network (the
        # identity provider's keys have their own 503, auth_unavailable).
        return _unavailable(request, exc)

    @app.exception_handler(PoolTimeout)
    async def _pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
        # Every connection of the pool is busy and none came free in time.
        return _unavailable(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _internal_error(request)


# SQLSTATE classes of a database that cannot serve now, whatever was asked:
# 08 connection exception, 53 insufficient resources (too many connections,
# disk full), 57P operator intervention (shutting down, starting up).
UNAVAILABLE_SQLSTATES = ("08", "53", "57P")


def database_unavailable(exc: DBAPIError) -> bool:
    """The request failed because the database is out of reach, not because of it."""
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
    cause = exc.orig.__cause__ if exc.orig is not None else None
    # The driver's errors carry their SQLSTATE through SQLAlchemy's translation.
    return (
        exc.connection_invalidated
        or sqlstate.startswith(UNAVAILABLE_SQLSTATES)
        or isinstance(exc.orig, OSError)
        or isinstance(cause, OSError)
    )


def _unavailable(request: Request, error: BaseException) -> JSONResponse:
    log.warning("database unavailable", extra={"path": request.url.path, "error": str(error)})
    response = problem(
        503,
        "database_unavailable",
        "Database unavailable",
        "the database cannot be reached or takes no more connections; "
        "nothing was changed, try again shortly",
    )
    response.headers["Retry-After"] = "1"
    return response


def _internal_error(request: Request) -> JSONResponse:
    log.exception("unhandled error", extra={"path": request.url.path})
    return problem(
        500, "internal_error", "Internal error", "an unexpected error occurred; it has been logged"
    )
