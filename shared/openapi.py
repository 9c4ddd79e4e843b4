"""Each operation's OpenAPI says which problems it can answer, with the problem schema."""

from __future__ import annotations

from typing import Any

from shared.problems import PROBLEM

FIELD_ERROR = {
    "type": "object",
    "required": ["field", "message", "type"],
    "properties": {
        "field": {
            "type": "string",
            "description": "`criteria.0.weight`, `query.limit`, "
            "`header.If-Match`; `body` for the body as a whole",
        },
        "message": {"type": "string"},
        "type": {"type": "string", "description": "A stable name of the check that failed"},
        "pointer": {
            "type": "string",
            "description": "Where in a JSON document of the field (a form's schema, its "
            "answers) the error is: a JSON pointer (RFC 6901); empty for the whole document",
        },
    },
}
PROBLEM_SCHEMA = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; a refusal may carry fields of its own "
    "(e.g. `remaining_cents`, `organisation_ids`).",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "description": "Stable and machine-readable"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
    },
    "additionalProperties": True,
}
WHY = {
    400: "`bad_request`: the body cannot be read",
    401: "`unauthorized`: no valid bearer token",
    403: "`forbidden` (role) or `not_a_member` (not the caller's resource)",
    404: "`not_found`",
    409: "A rule refused the command (its `code`), or `version_conflict`",
    413: "`payload_too_large`: the body is over the configured limit",
    422: "`invalid_input` (each field in `errors`) or a refusal of a value",
    428: "`precondition_required`: an edit needs If-Match",
    503: "`database_unavailable`, with Retry-After: nothing was changed, try again",
}
HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}}},
    503: {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait"}},
}
WRITES = {"post", "put", "patch", "delete"}


def problems_of(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The problem statuses an operation can answer, from what it takes."""
    statuses = {503}  # every operation but liveness reads the database
    if operation.get("security"):
        statuses |= {401, 403}
    names_one = any(
        p.get("in") == "query" and (p.get("required") or p["name"].endswith("_id"))
        for p in operation.get("parameters", [])
    )
    if "{" in path or method in WRITES or names_one:
        statuses.add(404)  # the resource, or one the command or the query names
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.add(422)
    if method in WRITES:
        statuses |= {409, 413, 422}
        if operation.get("requestBody"):
            statuses.add(400)
    if method == "patch":
        statuses.add(428)
    return statuses


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with every operation's problems documented, and the problem schema
    where FastAPI puts its HTTPValidationError (every 422 here is a problem)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components["Problem"] = PROBLEM_SCHEMA
    components["FieldError"] = FIELD_ERROR
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if path == "/healthz":
                continue
            responses = operation["responses"]
            declared = {int(s) for s in responses if s.isdigit() and int(s) >= 400}
            for status in sorted(problems_of(path, method, operation) | declared):
                given = responses.get(str(status), {})
                answer: dict[str, Any] = {
                    "description": given.get("description") or WHY.get(status, "A problem"),
                    "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                }
                if status in HEADERS:
                    answer["headers"] = HEADERS[status]
                responses[str(status)] = answer
    return schema
