"""What the calls service learns from payments and applications events on the
real broker: committed money, and first-come-first-served calls that run out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from services.calls.domain import Call
from services.calls.handlers import save_system_change
from services.payments.events import BudgetCutConfirmed, GrantCancelled
from shared.clock import FixedClock
from shared.consumer import ConsumerRunner
from shared.eventstore import CommandContext
from shared.settings import Settings
from tests.conftest import MakeDatabase
from tests.support.api import assert_problem
from tests.support.calls import (
    DAY,
    EUR,
    T0,
    act,
    client_of,
    event_types,
    new_call,
    new_programme,
    running_calls,
)
from tests.support.calls_events import exhausted, grant, publish_from, reserve_full
from tests.support.waiting import eventually

Headers = dict[str, str]


@pytest.fixture
async def consuming(
    settings: Settings,
    calls_database: str,
    clock: FixedClock,
) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        running_calls(settings, calls_database, clock, consume=True) as app,
        client_of(app) as client,
    ):
        client.app = app  # type: ignore[attr-defined]
        yield client


async def _committed(client: httpx.AsyncClient, headers: Headers, call_id: str) -> int:
    committed: int = (await client.get(f"/v1/calls/{call_id}", headers=headers)).json()[
        "committed_cents"
    ]
    return committed


async def test_awarded_grants_are_committed_once_and_the_budget_never_goes_below_them(
    settings: Settings,
    consuming: httpx.AsyncClient,
    manager: Headers,
    clock: FixedClock,
    service_database: MakeDatabase,
) -> None:
    client = consuming
    programme = await new_programme(client, manager)
    call = await new_call(client, manager, programme["id"])
    clock.set(T0 + 2 * DAY)
    await act(client, manager, call, "publish")
    payments = await service_database("payments")
    awarded = [grant(call, 60_000 * EUR, clock.now()), grant(call, 45_000 * EUR, clock.now())]
    envelopes = await publish_from(settings, payments, "payments", "grant", awarded)
    await publish_from(settings, payments, "payments", "grant", awarded[:1])  # reported twice

    async def both_committed() -> bool:
        return await _committed(client, manager, call["id"]) == 105_000 * EUR

    await eventually(both_committed)
    page = (await client.get(f"/v1/calls/{call['id']}", headers=manager)).json()
    assert page["available_cents"] == 495_000 * EUR
    app: FastAPI = client.app  # type: ignore[attr-defined]
    assert (await event_types(app, call["id"])).count("calls.CallCommitmentRecorded") == 2

    below = await act(
        client, manager, call, "amend-budget", budget_cents=100_000 * EUR, reason="cut"
    )
    assert assert_problem(below, 409, "budget_below_committed")["committed_cents"] == (
        105_000 * EUR
    )
    at_committed = await act(
        client, manager, call, "amend-budget", budget_cents=105_000 * EUR, reason="no more awards"
    )
    # Calls may not have heard of every commitment: payments has the last word.
    assert at_committed.status_code == 202, at_committed.text
    assert at_committed.json()["pending_budget_cents"] == 105_000 * EUR
    [request] = [e for e in await event_payloads_of(app, call["id"]) if e.get("request_id")]
    await publish_from(
        settings,
        payments,
        "payments",
        "budget-cuts",
        [
            BudgetCutConfirmed(
                call_id=call["id"],
                request_id=request["request_id"],
                budget_cents=105_000 * EUR,
                committed_cents=105_000 * EUR,
                decided_at=clock.now(),
            )
        ],
    )

    async def cut() -> bool:
        page = (await client.get(f"/v1/calls/{call['id']}", headers=manager)).json()
        return bool(
            page["budget_cents"] == 105_000 * EUR
            and page["available_cents"] == 0
            and page["pending_budget_cents"] is None
        )

    await eventually(cut)
    assert len(envelopes) == 2


async def test_a_first_come_first_served_call_closes_itself_when_its_reserve_list_is_full(
    settings: Settings,
    consuming: httpx.AsyncClient,
    manager: Headers,
    clock: FixedClock,
    service_database: MakeDatabase,
) -> None:
    client = consuming
    programme = await new_programme(client, manager)
    vouchers, waiting = [
        await new_call(
            client,
            manager,
            programme["id"],
            budget_cents=100_000 * EUR,
            selection_mode="first_come_first_served",
            criteria=[],
        )
        for _ in range(2)
    ]
    ranked = await new_call(client, manager, programme["id"], budget_cents=100_000 * EUR)
    clock.set(T0 + 2 * DAY)
    for call in (vouchers, waiting, ranked):
        await act(client, manager, call, "publish")
    applications = await service_database("applications")
    await publish_from(
        settings,
        applications,
        "applications",
        "call",
        [
            exhausted(vouchers, 100_000 * EUR, clock.now()),
            exhausted(waiting, 100_000 * EUR, clock.now()),
            exhausted(ranked, 100_000 * EUR, clock.now()),
        ],
    )
    await publish_from(
        settings,
        applications,
        "applications",
        "call-budget",
        [reserve_full(vouchers, 5, clock.now()), reserve_full(ranked, 5, clock.now())],
    )

    async def closed() -> bool:
        page = (await client.get(f"/v1/calls/{vouchers['id']}", headers=manager)).json()
        return bool(page["status"] == "closed")

    await eventually(closed)
    await eventually(lambda: _handled(client, 2))  # exhaustion reports have no handler here
    page = (await client.get(f"/v1/calls/{vouchers['id']}", headers=manager)).json()
    assert page["closed_cause"] == "budget_exhausted"
    app: FastAPI = client.app  # type: ignore[attr-defined]
    assert (await event_types(app, vouchers["id"]))[-1] == "calls.CallClosed"
    # Exhausted with room in its reserve list, a call stays open for late clickers;
    # a ranked call waits for its deadline whatever it is told.
    for call in (waiting, ranked):
        assert (await client.get(f"/v1/calls/{call['id']}", headers=manager)).json()[
            "status"
        ] == "open"


async def event_payloads_of(app: FastAPI, stream_id: str) -> list[dict[str, Any]]:
    async with app.state.chassis.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT payload FROM events WHERE stream_id = :s ORDER BY version"),
            {"s": stream_id},
        )
        return [row[0] for row in rows]


async def _handled(client: httpx.AsyncClient, count: int) -> bool:
    app: FastAPI = client.app  # type: ignore[attr-defined]
    async with app.state.chassis.engine.connect() as conn:
        return bool(await conn.scalar(text("SELECT count(*) FROM inbox")) == count)


async def test_a_cancelled_grant_releases_its_unpaid_money_once(
    settings: Settings,
    consuming: httpx.AsyncClient,
    manager: Headers,
    clock: FixedClock,
    service_database: MakeDatabase,
) -> None:
    client = consuming
    programme = await new_programme(client, manager)
    call = await new_call(client, manager, programme["id"])
    clock.set(T0 + 2 * DAY)
    await act(client, manager, call, "publish")
    payments = await service_database("payments")
    kept, cancelled = grant(call, 45_000 * EUR, clock.now()), grant(call, 60_000 * EUR, clock.now())
    await publish_from(settings, payments, "payments", "grant", [kept, cancelled])
    # 20 000 of the cancelled grant was paid: that part stays committed.
    cancellation = GrantCancelled(
        grant_id=cancelled.grant_id,
        application_id=cancelled.application_id,
        call_id=call["id"],
        programme_id=programme["id"],
        organisation_id=cancelled.organisation_id,
        country="FR",
        currency="EUR",
        released_cents=40_000 * EUR,
        paid_cents=20_000 * EUR,
        reason="the project was abandoned",
        cancelled_at=clock.now(),
    )
    await publish_from(settings, payments, "payments", "grant", [cancellation, cancellation])

    async def released() -> bool:
        return await _committed(client, manager, call["id"]) == 65_000 * EUR

    await eventually(released)
    await eventually(lambda: _handled(client, 4))
    app: FastAPI = client.app  # type: ignore[attr-defined]
    assert (await event_types(app, call["id"])).count("calls.CallCommitmentReleased") == 1
    assert await _committed(client, manager, call["id"]) == 65_000 * EUR


async def test_a_grant_racing_a_command_on_its_call_is_decided_again_never_dead_lettered(
    settings: Settings,
    calls_database: str,
    manager: Headers,
    clock: FixedClock,
    service_database: MakeDatabase,
) -> None:
    # No retries for failing handlers: a version conflict must not need them.
    settings = settings.model_copy(update={"consumer_max_retries": 0})
    async with (
        running_calls(settings, calls_database, clock, consume=True) as app,
        client_of(app) as client,
    ):
        programme = await new_programme(client, manager)
        call = await new_call(client, manager, programme["id"])
        clock.set(T0 + 2 * DAY)
        await act(client, manager, call, "publish")
        chassis = app.state.chassis
        payments = await service_database("payments")
        rival, awarded = (
            grant(call, 10_000 * EUR, clock.now()),
            grant(call, 20_000 * EUR, clock.now()),
        )
        async with chassis.engine.connect() as holding:
            # A command on the same call, committed only once the consumer has read
            # the call and waits to write after it: the consumer's write conflicts.
            transaction = await holding.begin()
            held = await chassis.repository.get(holding, Call, call["id"])
            held.record_commitment(rival.grant_id, rival.application_id, rival.amount_cents)
            await save_system_change(holding, chassis.repository, held, CommandContext())
            await publish_from(settings, payments, "payments", "grant", [awarded])
            await eventually(lambda: _waits_for_a_lock(app))
            await transaction.commit()

        async def both_committed() -> bool:
            return await _committed(client, manager, call["id"]) == 30_000 * EUR

        await eventually(both_committed)
        [runner] = [c for c in chassis.components if isinstance(c, ConsumerRunner)]
        assert runner.dead_lettered_total == 0
        assert runner.conflicts_total >= 1


async def _waits_for_a_lock(app: FastAPI) -> bool:
    async with app.state.chassis.engine.connect() as conn:
        waiting = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)
