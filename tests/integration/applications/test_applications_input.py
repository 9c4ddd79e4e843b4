"""Bad input to the applications service is refused with a problem naming the
field, and records nothing: money is integer cents and nothing like one."""

from __future__ import annotations

import json

import pytest

from tests.support.applications import World, application_body, event_payloads


@pytest.mark.parametrize("loose", ['"100"', "true", "1e3", "100.0"])
async def test_requested_money_that_is_not_an_integer_of_cents_is_refused(
    world: World,
    loose: str,
) -> None:
    call = await world.open_call()
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    body = json.dumps(application_body(call, org["id"], requested_cents=0)).replace(
        '"requested_cents": 0', f'"requested_cents": {loose}'
    )
    answer = await world.client.post(
        "/v1/applications", content=body, headers={**sme, "Content-Type": "application/json"}
    )
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["requested_cents"]
    assert await event_payloads(world.app, "applications.ApplicationDrafted") == []
