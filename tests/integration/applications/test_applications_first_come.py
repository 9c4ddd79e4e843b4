"""First come, first served: eligible submissions are selected at once in order
of receipt while the budget lasts, under heavy concurrency, and the exhaustion
reaches the calls service, which closes the call."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.support.applications import World, event_payloads
from tests.support.calls import EUR, new_programme, status_of
from tests.support.waiting import eventually

GRANT = 40_000 * EUR
FUNDED = 20
SUBMISSIONS = 200
RESERVE = 30


def first_come_terms(budget_cents: int, reserve_limit: int | None = None) -> dict[str, Any]:
    return {
        "selection_mode": "first_come_first_served",
        "criteria": [],
        "budget_cents": budget_cents,
        "planned_awards": budget_cents // GRANT,
        "first_come_reserve_limit": reserve_limit,
        "eligibility": [{"type": "applicant_country_in", "countries": ["FR", "DE"]}],
    }


async def first_come_call(
    world: World, budget_cents: int, reserve_limit: int | None = None
) -> dict[str, Any]:
    return await world.open_call(**first_come_terms(budget_cents, reserve_limit))


@pytest.mark.parametrize("round_", range(10))
async def test_two_hundred_concurrent_submissions_select_exactly_twenty_in_receipt_order(
    world: World,
    round_: int,
) -> None:
    call = await first_come_call(world, FUNDED * GRANT, reserve_limit=RESERVE)
    sme = world.as_("applicant")
    # One organisation each: a call funds an organisation once.
    orgs = await asyncio.gather(*(world.organisation(sme) for _ in range(SUBMISSIONS)))
    drafts = await asyncio.gather(
        *(world.draft(sme, call, org["id"], requested_cents=GRANT) for org in orgs)
    )

    answers = await asyncio.gather(*(world.act(sme, d, "submit") for d in drafts))

    # The reserve list's length decides, not how soon the calls service closes
    # the call: RESERVE late clickers are kept, the later ones refused, unchanged.
    assert {a.status_code for a in answers} == {200, 409}
    selected = [a.json() for a in answers if a.status_code == 200]
    refused = [a.json() for a in answers if a.status_code == 409]
    kept = [r["application"] for r in refused if r["code"] == "budget_exhausted"]
    assert {r["code"] for r in refused} <= {"budget_exhausted", "call_closed"}
    assert len(selected) == FUNDED
    assert sorted(s["receipt"] for s in selected) == list(range(1, FUNDED + 1))
    assert {s["status"] for s in selected} == {"selected"}
    assert {k["status"] for k in kept} == {"reserve"}
    assert len(kept) == RESERVE
    assert sorted(k["receipt"] for k in kept) == list(range(FUNDED + 1, FUNDED + 1 + len(kept)))
    drafts_left = (
        await world.client.get(
            "/v1/applications", headers=sme, params={"status": "draft", "limit": 500}
        )
    ).json()
    assert len(drafts_left["items"]) == SUBMISSIONS - FUNDED - len(kept)
    events = await event_payloads(world.app, "applications.ApplicationSelected")
    assert sum(e["award"]["amount_cents"] for e in events) == FUNDED * GRANT
    assert sorted(e["committed_cents"] for e in events) == [GRANT * n for n in range(1, FUNDED + 1)]
    [exhausted] = await event_payloads(world.app, "applications.CallBudgetExhausted")
    assert exhausted["committed_cents"] == FUNDED * GRANT
    [full] = await event_payloads(world.app, "applications.CallReserveListFull")
    assert (full["reserved"], full["reserve_limit"]) == (RESERVE, RESERVE)

    async def closed() -> bool:
        return await status_of(world.calls, world.manager, call["id"]) == "closed"

    await eventually(closed, timeout=30)


async def test_an_ineligible_submission_takes_no_budget_and_a_withdrawal_frees_it(
    world: World,
) -> None:
    call = await first_come_call(world, 2 * GRANT)
    sme = world.as_("applicant")
    fr, no = await world.organisation(sme), await world.organisation(sme, country="NO")
    ineligible = await world.draft(sme, call, no["id"], requested_cents=GRANT)
    assert (await world.act(sme, ineligible, "submit")).json()["status"] == "ineligible"
    first, second = [
        await world.draft(sme, call, fr["id"], requested_cents=GRANT) for _ in range(2)
    ]
    assert (await world.act(sme, first, "submit")).json()["status"] == "selected"
    assert (await world.act(sme, first, "withdraw")).json()["status"] == "withdrawn"
    assert (await world.act(sme, second, "submit")).json()["status"] == "selected"
    third = await world.draft(
        sme, call, (await world.organisation(sme))["id"], requested_cents=GRANT
    )
    assert (await world.act(sme, third, "submit")).json()["status"] == "selected"
    fourth = await world.draft(
        sme, call, (await world.organisation(sme))["id"], requested_cents=GRANT
    )
    assert (await world.act(sme, fourth, "submit")).json()["code"] == "budget_exhausted"
    [selected, *_] = await event_payloads(world.app, "applications.ApplicationSelected")
    assert selected["award"]["organisation"]["country"] == "FR"
    assert selected["award"]["objectives"] == ["innovate"]
    assert selected["cause"] == "first_come_first_served"


async def test_an_organisation_is_funded_once_per_call_and_within_the_programme_cap(
    world: World,
) -> None:
    programme = await new_programme(
        world.calls, world.manager, per_beneficiary_cap_cents=60_000 * EUR
    )
    sme = world.as_("applicant")
    capped, other = await world.organisation(sme), await world.organisation(sme)
    calls = [
        await world.open_call(programme_id=programme["id"], **first_come_terms(10 * GRANT))
        for _ in range(2)
    ]

    first = await world.draft(sme, calls[0], capped["id"], requested_cents=GRANT)
    assert (await world.act(sme, first, "submit")).json()["status"] == "selected"
    again = await world.draft(sme, calls[0], capped["id"], requested_cents=GRANT)
    answer = await world.act(sme, again, "submit")
    assert answer.status_code == 409
    assert answer.json()["code"] == "beneficiary_limit"
    assert answer.json()["application"]["status"] == "reserve"
    assert "already holds an award in this call" in answer.json()["detail"]

    # 40 000 awarded in the programme: another 40 000 in its second call would
    # pass the 60 000 cap; 20 000 fits it exactly.
    over = await world.draft(sme, calls[1], capped["id"], requested_cents=GRANT)
    refused = (await world.act(sme, over, "submit")).json()
    assert refused["code"] == "beneficiary_limit"
    assert "EUR 80,000.00, above the cap of EUR 60,000.00" in refused["detail"]
    within = await world.draft(sme, calls[1], other["id"], requested_cents=GRANT)
    assert (await world.act(sme, within, "submit")).json()["status"] == "selected"
    exact = await world.draft(sme, calls[1], capped["id"], requested_cents=20_000 * EUR)
    assert (await world.act(sme, exact, "submit")).json()["status"] == "selected"
    reserved = await event_payloads(world.app, "applications.ApplicationReserved")
    assert [r["reason_code"] for r in reserved] == ["beneficiary_limit"] * 2
    assert await event_payloads(world.app, "applications.CallBudgetExhausted") == []
