"""Instants at the calendar's edges, whose offset takes them out of years 1 to 9999
in UTC, are refused with 422 naming the field, in every body that carries one."""

from __future__ import annotations

import httpx
import pytest

from tests.support.api import assert_problem
from tests.support.calls import act, call_body, new_call, new_programme

Headers = dict[str, str]
EDGES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]


def assert_names_field(response: httpx.Response, field: str, code: str = "invalid_input") -> None:
    errors = assert_problem(response, 422, code)["errors"]
    assert field in [e["field"] for e in errors], errors


@pytest.mark.parametrize("instant", EDGES)
@pytest.mark.parametrize("field", ["opens_at", "closes_at"])
async def test_a_new_or_edited_call_at_the_calendars_edge_is_refused_naming_the_field(
    client: httpx.AsyncClient,
    manager: Headers,
    field: str,
    instant: str,
) -> None:
    programme = await new_programme(client, manager)
    created = await client.post(
        "/v1/calls", headers=manager, json=call_body(programme["id"], **{field: instant})
    )
    assert_names_field(created, field)

    call = await new_call(client, manager, programme["id"])
    edited = await client.patch(
        f"/v1/calls/{call['id']}",
        json={field: instant},
        headers={**manager, "If-Match": f'"{call["version"]}"'},
    )
    assert_names_field(edited, field, "invalid_call")  # an edit's terms are checked whole


@pytest.mark.parametrize("instant", EDGES)
async def test_a_deadline_extended_to_the_calendars_edge_is_refused(
    client: httpx.AsyncClient,
    manager: Headers,
    instant: str,
) -> None:
    programme = await new_programme(client, manager)
    call = await new_call(client, manager, programme["id"])
    assert (await act(client, manager, call, "publish")).status_code == 200
    extended = await act(
        client, manager, call, "extend-deadline", closes_at=instant, reason="the calendar's edge"
    )
    assert_names_field(extended, "closes_at")
