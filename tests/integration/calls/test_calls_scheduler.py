"""Calls open and close by themselves: exactly once with two instances running,
after the service was down across the instant, and once in real time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shared.clock import FixedClock
from shared.settings import Settings
from tests.support.calls import (
    DAY,
    T0,
    act,
    auth,
    client_of,
    event_types,
    iso,
    new_call,
    new_programme,
    running_calls,
    status_of,
)
from tests.support.waiting import eventually

Headers = dict[str, str]


async def test_two_instances_open_and_close_a_call_exactly_once(
    settings: Settings,
    calls_database: str,
    clock: FixedClock,
    manager: Headers,
) -> None:
    async with (
        running_calls(settings, calls_database, clock) as one,
        running_calls(settings, calls_database, clock) as two,
        client_of(one) as client,
    ):
        programme = await new_programme(client, manager)
        calls = [
            await new_call(client, manager, programme["id"], budget_cents=100_000_00)
            for _ in range(5)
        ]
        for call in calls:
            await act(client, manager, call, "publish")

        clock.set(T0 + DAY)
        for call in calls:
            await eventually(lambda c=call: _is(client, manager, c["id"], "open"))
        clock.set(T0 + 30 * DAY)
        for call in calls:
            await eventually(lambda c=call: _is(client, manager, c["id"], "closed"))

        for call in calls:
            assert await event_types(one, call["id"]) == [
                "calls.CallDrafted",
                "calls.CallPublished",
                "calls.CallOpened",
                "calls.CallClosed",
            ]
        schedulers = [
            c
            for app in (one, two)
            for c in app.state.chassis.components
            if type(c).__name__ == "CallScheduler"
        ]
        assert sum(s.advanced_total for s in schedulers) == 10


async def _is(client: httpx.AsyncClient, headers: Headers, call_id: str, status: str) -> bool:
    return await status_of(client, headers, call_id) == status


async def test_a_service_that_was_down_across_both_instants_catches_up_on_start(
    settings: Settings,
    calls_database: str,
    clock: FixedClock,
    manager: Headers,
) -> None:
    async with running_calls(settings, calls_database, clock) as app, client_of(app) as client:
        programme = await new_programme(client, manager)
        call = await new_call(client, manager, programme["id"], opens_at=iso(T0 + 20 * DAY))
        opening = await new_call(client, manager, programme["id"], budget_cents=100_000_00)
        for published in (call, opening):
            await act(client, manager, published, "publish")

    clock.set(T0 + 15 * DAY)  # down while `opening` should have opened
    async with running_calls(settings, calls_database, clock) as app, client_of(app) as client:
        await eventually(lambda: _is(client, manager, opening["id"], "open"))
    clock.set(T0 + 40 * DAY)  # down while `call` should have opened and closed
    async with running_calls(settings, calls_database, clock) as app, client_of(app) as client:
        await eventually(lambda: _is(client, manager, call["id"], "closed"))
        await eventually(lambda: _is(client, manager, opening["id"], "closed"))
        page = (await client.get(f"/v1/calls/{call['id']}", headers=manager)).json()
        assert page["opened_at"] == page["closed_at"] == "2026-04-11T09:00:00Z"
        assert await event_types(app, call["id"]) == [
            "calls.CallDrafted",
            "calls.CallPublished",
            "calls.CallOpened",
            "calls.CallClosed",
        ]


async def schedule_soon(
    client: httpx.AsyncClient,
    manager: Headers,
    call_id: str,
    opens_in: timedelta,
    closes_in: timedelta,
) -> tuple[datetime, datetime]:
    """Move a published call's instants to just ahead of the real clock; again,
    from a new now, if the edit reached the service only after its deadline."""
    while True:
        version = (await client.get(f"/v1/calls/{call_id}", headers=manager)).json()["version"]
        now = datetime.now(UTC)
        opens_at, closes_at = now + opens_in, now + closes_in
        edited = await client.patch(
            f"/v1/calls/{call_id}",
            headers={**manager, "If-Match": f'"{version}"'},
            json={"opens_at": iso(opens_at), "closes_at": iso(closes_at)},
        )
        if edited.status_code == 200:
            return opens_at, closes_at
        assert edited.json()["errors"][0]["type"] == "closes_at_in_past", edited.text


@pytest.mark.slow
async def test_a_call_opens_and_closes_in_real_time(
    settings: Settings,
    calls_database: str,
) -> None:
    manager = auth(settings, "programme_manager")
    async with running_calls(settings, calls_database) as app, client_of(app) as client:
        programme = await new_programme(client, manager)
        # Published well ahead of its opening, so no scheduler can be first...
        later = datetime.now(UTC) + DAY
        call = await new_call(
            client, manager, programme["id"], opens_at=iso(later), closes_at=iso(later + DAY)
        )
        assert (await act(client, manager, call, "publish")).json()["status"] == "published"
        # ...then due a moment after the edit: what follows is the scheduler's alone.
        opens_at, closes_at = await schedule_soon(
            client, manager, call["id"], timedelta(seconds=0.5), timedelta(seconds=1.5)
        )
        await eventually(lambda: _is(client, manager, call["id"], "closed"), timeout=60)
        page = (await client.get(f"/v1/calls/{call['id']}", headers=manager)).json()
        assert opens_at <= datetime.fromisoformat(page["opened_at"])
        assert closes_at <= datetime.fromisoformat(page["closed_at"])
        assert await event_types(app, call["id"]) == [
            "calls.CallDrafted",
            "calls.CallPublished",
            "calls.CallUpdated",
            "calls.CallOpened",
            "calls.CallClosed",
        ]
