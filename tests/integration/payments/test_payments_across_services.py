"""The real calls, applications and payments services together: an agreement
signed in applications becomes a grant in payments, whose commitment reaches the
calls service; an award that breaches the de minimis ceiling across two
programmes is refused, and applications moves the application to award_refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.applications import World
from tests.support.calls import EUR
from tests.support.payments import Payments, three_services
from tests.support.waiting import eventually

GRANT = 200_000 * EUR


@pytest.fixture(scope="module")
async def services(
    pg_server_url: str, kafka_bootstrap: str
) -> AsyncIterator[tuple[World, Payments]]:
    async with three_services(pg_server_url, kafka_bootstrap) as running:
        yield running


async def contracted(world: World, organisation: dict[str, Any], requested: int) -> dict[str, Any]:
    """An application selected at once in a new first-come-first-served call of a
    new programme, and signed."""
    call = await world.open_call(
        selection_mode="first_come_first_served",
        criteria=[],
        budget_cents=1_000_000 * EUR,
        max_grant_cents=250_000 * EUR,
        eligibility=[{"type": "applicant_country_in", "countries": ["FR"]}],
    )
    sme = world.as_("applicant", sub="sme-e2e")
    draft = await world.draft(sme, call, organisation["id"], requested_cents=requested)
    submitted = await world.act(sme, draft, "submit")
    assert submitted.json()["status"] == "selected", submitted.text
    signed = await world.act(sme, draft, "sign")
    assert signed.json()["status"] == "contracted", signed.text
    application: dict[str, Any] = signed.json()
    return application


async def application_status(world: World, application_id: str) -> str:
    answer = await world.client.get(f"/v1/applications/{application_id}", headers=world.manager)
    status: str = answer.json()["status"]
    return status


async def test_a_signed_agreement_becomes_a_grant_and_a_de_minimis_breach_is_refused(
    services: tuple[World, Payments],
) -> None:
    world, payments = services
    sme = world.as_("applicant", sub="sme-e2e")
    organisation = await world.organisation(sme)

    first = await contracted(world, organisation, GRANT)
    grant = await payments.grant_of(first["id"], timeout=30)
    assert (grant["organisation_id"], grant["amount_cents"]) == (organisation["id"], GRANT)
    own = await payments.client.get(f"/v1/grants/{grant['id']}", headers=sme)
    assert own.status_code == 200, own.text  # membership learnt from applications' events

    async def committed_in_calls() -> bool:
        call = await world.calls.get(f"/v1/calls/{grant['call_id']}", headers=world.manager)
        return bool(call.json()["committed_cents"] == GRANT)

    await eventually(committed_in_calls, timeout=30)

    second = await contracted(world, organisation, 150_000 * EUR)
    refusal = await payments.refusal_of(second["id"], timeout=30)
    assert refusal["reason_code"] == "de_minimis_exceeded"
    assert refusal["programme_id"] != grant["programme_id"]

    async def award_refused() -> bool:
        return await application_status(world, second["id"]) == "award_refused"

    await eventually(award_refused, timeout=30)
    assert await application_status(world, first["id"]) == "contracted"
    paid = await payments.pay(grant["instalments"][0]["id"])
    assert paid["amount_cents"] == 140_000 * EUR
