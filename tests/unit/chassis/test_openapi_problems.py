"""Every service's OpenAPI document says which problems each operation answers,
as problem+json with the problem schema, and declares no FastAPI validation error."""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

from cascade.services import NAMES, load_service
from shared.app import create_app
from shared.problems import PROBLEM
from shared.settings import Settings

METHODS = {"get", "post", "put", "patch", "delete"}


@functools.cache
def document(service: str) -> dict[str, Any]:
    schema: dict[str, Any] = create_app(load_service(service), Settings()).openapi()
    return schema


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in METHODS and path != "/healthz"
    ]


@pytest.mark.parametrize("service", NAMES)
def test_no_operation_declares_fastapis_validation_error(service: str) -> None:
    assert "HTTPValidationError" not in json.dumps(document(service))


@pytest.mark.parametrize("service", NAMES)
def test_each_operation_documents_its_problems_with_the_problem_schema(service: str) -> None:
    schema = document(service)
    for path, method, op in operations(schema):
        problems = {int(s): r for s, r in op["responses"].items() if int(s) >= 400}
        assert 503 in problems, (method, path)
        if op.get("security"):
            assert {401, 403} <= set(problems), (method, path)
        if "{" in path:
            assert 404 in problems, (method, path)
        if op.get("requestBody"):
            assert {400, 413, 422} <= set(problems), (method, path)
        if method == "patch":
            assert 428 in problems, (method, path)
        for status, answer in problems.items():
            assert answer["content"] == {
                PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, (method, path, status)
    assert schema["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "code",
        "detail",
    ]


def test_a_query_naming_a_resource_may_answer_404() -> None:
    ledger = document("payments")["paths"]["/v1/ledger"]["get"]
    exports = document("reporting")["paths"]["/v1/exports/360giving"]["get"]
    assert "404" in ledger["responses"]
    assert "404" in exports["responses"]


def test_a_described_refusal_keeps_its_codes_in_the_document() -> None:
    submit = document("applications")["paths"]["/v1/applications/{application_id}/submit"]
    assert "partner_consent_missing" in submit["post"]["responses"]["409"]["description"]
