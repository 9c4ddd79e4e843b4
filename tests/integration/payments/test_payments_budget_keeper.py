"""Payments has the last word on a call's money (issue 13, finding 2): with the
calls service's consumer paused, so that it has heard of none of the call's
commitments, a programme manager's cut below what payments committed is only a
request; payments refuses it, the ledger never shows a negative available
amount, and once the consumer resumes the calls service shows the refusal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.calls.policies import consumer as calls_consumer
from shared.consumer import ConsumerRunner
from tests.support.applications import World
from tests.support.calls import EUR, act, event_types
from tests.support.payments import Payments, three_services
from tests.support.waiting import eventually

GRANT = 50_000 * EUR
AWARDS = 4


@pytest.fixture(scope="module")
async def services(
    pg_server_url: str, kafka_bootstrap: str
) -> AsyncIterator[tuple[World, Payments]]:
    async with three_services(pg_server_url, kafka_bootstrap) as running:
        yield running


async def _call_page(world: World, call_id: str) -> dict[str, Any]:
    page: dict[str, Any] = (
        await world.calls.get(f"/v1/calls/{call_id}", headers=world.manager)
    ).json()
    return page


async def test_a_cut_below_the_ledger_while_calls_lags_is_refused_by_payments(
    services: tuple[World, Payments],
) -> None:
    world, payments = services
    call = await world.open_call(
        selection_mode="first_come_first_served",
        criteria=[],
        budget_cents=AWARDS * GRANT,
        max_grant_cents=GRANT,
        eligibility=[],
    )
    chassis = world.calls_app.state.chassis
    [paused] = [c for c in chassis.components if isinstance(c, ConsumerRunner)]
    await paused.stop()
    resumed = calls_consumer(chassis)
    try:
        sme = world.as_("applicant", sub="sme-keeper")
        for _ in range(AWARDS):
            draft = await world.draft(
                sme, call, (await world.organisation(sme))["id"], requested_cents=GRANT
            )
            assert (await world.act(sme, draft, "submit")).json()["status"] == "selected"
            assert (await world.act(sme, draft, "sign")).json()["status"] == "contracted"

        async def all_committed() -> bool:
            return bool((await payments.ledger(call["id"]))["committed_cents"] == AWARDS * GRANT)

        await eventually(all_committed, timeout=30)
        assert (await _call_page(world, call["id"]))["committed_cents"] == 0  # calls lags

        cut = await act(
            world.calls,
            world.manager,
            call,
            "amend-budget",
            budget_cents=(AWARDS - 1) * GRANT,
            reason="co-financing withdrawn",
        )
        assert cut.status_code == 202, cut.text
        assert (cut.json()["budget_cents"], cut.json()["pending_budget_cents"]) == (
            AWARDS * GRANT,
            (AWARDS - 1) * GRANT,
        )
        again = await act(
            world.calls,
            world.manager,
            call,
            "amend-budget",
            budget_cents=(AWARDS - 2) * GRANT,
            reason="and more",
        )
        assert (again.status_code, again.json()["code"]) == (409, "budget_cut_pending")

        async def refused_in_payments() -> bool:
            return bool(
                await payments.scalar(
                    "SELECT count(*) FROM events WHERE type = 'payments.BudgetCutRefused' "
                    "AND payload->>'call_id' = :c",
                    c=call["id"],
                )
            )

        await eventually(refused_in_payments, timeout=30)
        ledger = await payments.ledger(call["id"])
        assert (ledger["budget_cents"], ledger["committed_cents"], ledger["available_cents"]) == (
            AWARDS * GRANT,
            AWARDS * GRANT,
            0,
        )
    finally:
        for component in resumed:
            await component.start()

    async def calls_caught_up() -> bool:
        page = await _call_page(world, call["id"])
        return bool(
            page["committed_cents"] == AWARDS * GRANT and page["pending_budget_cents"] is None
        )

    try:
        await eventually(calls_caught_up, timeout=30)
        page = await _call_page(world, call["id"])
        assert (page["budget_cents"], page["available_cents"]) == (AWARDS * GRANT, 0)
        assert "calls.CallBudgetCutRefused" in await event_types(world.calls_app, call["id"])
    finally:
        for component in resumed:
            await component.stop()
