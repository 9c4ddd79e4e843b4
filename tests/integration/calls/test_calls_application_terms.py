"""What a call asks applicants to hand in (its form, annexes and declarations on
honour): shown to programme managers and visitors, frozen once the call opens,
and refused with a named place when it cannot work."""

from __future__ import annotations

import httpx

from shared.clock import FixedClock
from tests.support.api import assert_problem
from tests.support.calls import DAY, T0, act, call_body, eventually, new_call, new_programme
from tests.support.calls import status_of as call_status
from tests.support.forms import ANNEXES, CALL_TERMS, DECLARATIONS, FORM, FORM_SCHEMA, UI_SCHEMA

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
