"""What a call asks applicants to hand in (its form, annexes and declarations on
honour): shown to programme managers and visitors, frozen once the call opens,
and refused with a named place when it cannot work."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from shared.clock import FixedClock
from tests.support.api import assert_problem
from tests.support.calls import DAY, T0, act, call_body, new_call, new_programme
from tests.support.calls import status_of as call_status
from tests.support.forms import ANNEXES, CALL_TERMS, DECLARATIONS, FORM, FORM_SCHEMA, UI_SCHEMA
from tests.support.waiting import eventually

Headers = dict[str, str]


async def test_a_calls_form_annexes_and_declarations_are_shown_to_managers_and_visitors(
    client: httpx.AsyncClient, manager: Headers
) -> None:
    programme = await new_programme(client, manager)
    call = await new_call(client, manager, programme["id"], **CALL_TERMS)
    assert call["form"]["schema"] == FORM_SCHEMA
    assert call["form"]["ui_schema"] == UI_SCHEMA
    assert call["form"]["budget_total_must_equal_requested"] is True
    assert call["required_annexes"] == ANNEXES
    assert call["required_declarations"] == DECLARATIONS
    assert (await act(client, manager, call, "publish")).status_code == 200

    shown = (await client.get(f"/v1/calls/{call['id']}", headers=manager)).json()
    public = (await client.get(f"/v1/public/calls/{call['id']}")).json()
    listed = (await client.get("/v1/public/calls")).json()["items"]
    for view in (shown, public, *listed):
        assert view["form"] == call["form"]
        assert view["required_annexes"] == ANNEXES
        assert view["required_declarations"] == DECLARATIONS


async def test_a_call_without_a_form_asks_for_nothing_more(
    client: httpx.AsyncClient, manager: Headers
) -> None:
    programme = await new_programme(client, manager)
    call = await new_call(client, manager, programme["id"])
    assert (call["form"], call["required_annexes"], call["required_declarations"]) == (None, [], [])


async def test_the_form_annexes_and_declarations_are_frozen_once_the_call_is_open(
    client: httpx.AsyncClient, manager: Headers, clock: FixedClock
) -> None:
    programme = await new_programme(client, manager)
    call = await new_call(client, manager, programme["id"], **CALL_TERMS)
    published = await act(client, manager, call, "publish")
    before_opening = await client.patch(
        f"/v1/calls/{call['id']}",
        json={"required_declarations": ["sme_status"]},
        headers={**manager, "If-Match": f'"{published.json()["version"]}"'},
    )
    assert before_opening.status_code == 200, before_opening.text
    assert before_opening.json()["required_declarations"] == ["sme_status"]

    clock.set(T0 + 2 * DAY)

    async def is_open() -> bool:
        return await call_status(client, manager, call["id"]) == "open"

    await eventually(is_open)
    version = (await client.get(f"/v1/calls/{call['id']}", headers=manager)).json()["version"]
    for changes in (
        {"form": {**FORM, "budget_total_must_equal_requested": False}},
        {"required_annexes": ANNEXES[:1]},
        {"required_declarations": DECLARATIONS},
    ):
        refused = await client.patch(
            f"/v1/calls/{call['id']}", json=changes, headers={**manager, "If-Match": f'"{version}"'}
        )
        assert assert_problem(refused, 409, "rules_frozen")["fields"] == list(changes)
    kept = (await client.get(f"/v1/calls/{call['id']}", headers=manager)).json()
    assert kept["form"] == call["form"]
    assert kept["required_declarations"] == ["sme_status"]


async def test_an_unknown_declaration_or_a_repeated_annex_is_refused_and_nothing_is_drafted(
    client: httpx.AsyncClient, manager: Headers
) -> None:
    programme = await new_programme(client, manager)
    for terms, field, type_ in (
        (
            {"required_declarations": ["no_double_funding", "loyalty"]},
            "required_declarations.1",
            "literal_error",
        ),
        (
            {"required_declarations": ["sme_status", "sme_status"]},
            "required_declarations",
            "value_error",
        ),
        (
            {"required_annexes": [ANNEXES[0], ANNEXES[0]]},
            "required_annexes.1.code",
            "annex_duplicate",
        ),
        (
            {"required_annexes": [{**ANNEXES[0], "media_types": []}]},
            "required_annexes.0.media_types",
            "too_short",
        ),
        (
            {"required_annexes": [{**ANNEXES[0], "max_bytes": 0}]},
            "required_annexes.0.max_bytes",
            "greater_than",
        ),
        (
            {"required_annexes": [{**ANNEXES[0], "media_types": ["PDF"]}]},
            "required_annexes.0.media_types.0",
            "string_pattern_mismatch",
        ),
    ):
        refused = await client.post(
            "/v1/calls", json=call_body(programme["id"], **terms), headers=manager
        )
        assert refused.status_code == 422, refused.text
        errors = refused.json()["errors"]
        assert (errors[0]["field"], errors[0]["type"]) == (field, type_), errors
    listed = (await client.get("/v1/calls", headers=manager)).json()["items"]
    assert listed == []


def _form_with(**schema_changes: Any) -> dict[str, Any]:
    return {**FORM, "schema": {**FORM_SCHEMA, **schema_changes}}


def _nested(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {}
    for _ in range(levels):
        node = {"not": node}
    return node


FORM_MISTAKES: list[tuple[dict[str, Any], str, str]] = [
    (
        _form_with(properties={**FORM_SCHEMA["properties"], "impact": {"maxLenght": 5}}),
        "/properties/impact/maxLenght",
        "form_schema_unknown_keyword",
    ),
    (
        _form_with(properties={**FORM_SCHEMA["properties"], "cv": {"$ref": "https://x.eu/cv"}}),
        "/properties/cv/$ref",
        "form_schema_remote_ref",
    ),
    (_form_with(required="work_plan"), "/required", "form_schema_invalid"),
    (_form_with(description="x" * (256 * 1024)), "", "form_schema_too_large"),
    (
        {**FORM, "budget_table": {"property": "costs", "amount_property": "amount_cents"}},
        "/properties/costs",
        "form_budget_table",
    ),
    (
        {**FORM, "budget_table": {"property": "budget", "amount_property": "eur"}},
        "/properties/budget/items",
        "form_budget_table",
    ),
]


@pytest.mark.parametrize(("form", "pointer", "type_"), FORM_MISTAKES)
async def test_a_form_that_cannot_work_is_refused_naming_the_place_in_its_schema(
    client: httpx.AsyncClient, manager: Headers, form: dict[str, Any], pointer: str, type_: str
) -> None:
    programme = await new_programme(client, manager)
    refused = await client.post(
        "/v1/calls", json=call_body(programme["id"], form=form), headers=manager
    )
    errors = assert_problem(refused, 422, "invalid_call")["errors"]
    assert [(e["type"], e["pointer"]) for e in errors] == [(type_, pointer)], errors
    assert (await client.get("/v1/calls", headers=manager)).json()["items"] == []


async def test_a_form_nested_deeper_than_any_form_needs_is_refused(
    client: httpx.AsyncClient, manager: Headers
) -> None:
    programme = await new_programme(client, manager)
    for form in (_form_with(**_nested(400)), {**FORM, "ui_schema": _nested(400)}):
        refused = await client.post(
            "/v1/calls", json=call_body(programme["id"], form=form), headers=manager
        )
        [error] = assert_problem(refused, 422, "invalid_input")["errors"]
        assert error["field"] in ("form.schema", "form.ui_schema"), error
    assert (await client.get("/v1/calls", headers=manager)).json()["items"] == []


async def test_numbers_in_a_form_read_back_as_written_and_nan_is_refused(
    client: httpx.AsyncClient, manager: Headers
) -> None:
    programme = await new_programme(client, manager)
    big = _form_with(properties={**FORM_SCHEMA["properties"], "staff": {"maximum": 1e20}})
    call = await new_call(client, manager, programme["id"], form=big)
    shown = (await client.get(f"/v1/calls/{call['id']}", headers=manager)).json()
    assert shown["form"]["schema"]["properties"]["staff"] == {"maximum": 10**20}
    nan = '{"maximum": NaN}'
    body = json.dumps(call_body(programme["id"], form=FORM)).replace(
        '"ui_schema": {', f'"ui_schema": {{"x": {nan}, ', 1
    )
    refused = await client.post(
        "/v1/calls", content=body, headers={**manager, "Content-Type": "application/json"}
    )
    [error] = assert_problem(refused, 422, "invalid_input")["errors"]
    assert (error["field"], error["type"]) == ("form.ui_schema", "value_error")


async def test_an_edit_that_breaks_the_form_is_refused_and_the_form_stays(
    client: httpx.AsyncClient, manager: Headers
) -> None:
    programme = await new_programme(client, manager)
    call = await new_call(client, manager, programme["id"], **CALL_TERMS)
    refused = await client.patch(
        f"/v1/calls/{call['id']}",
        json={"form": _form_with(type="string")},
        headers={**manager, "If-Match": f'"{call["version"]}"'},
    )
    assert assert_problem(refused, 422, "invalid_call")["errors"][0]["pointer"] == "/type"
    kept = (await client.get(f"/v1/calls/{call['id']}", headers=manager)).json()
    assert kept["form"] == call["form"]
