"""Selection and agreements over HTTP: signing, bad transitions, the chain of
declines promoting reserve applications that fit the freed budget, and a grant
refused by payments (`payments.GrantRefused` on its real topic) promoting too.

One evaluator per application; scores (excellence, impact) give the weighted
means (3e + 2i) / 5: (5, 5) 5.0, (5, 4) 4.6, (4, 5) 4.4, (4, 4) 4.0, (4, 3) 3.6."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.payments.events import GrantRefused
from shared.settings import Settings
from tests.conftest import MakeDatabase
from tests.support.applications import World, event_payloads
from tests.support.applications_evaluation import (
    AFTER_CLOSE,
    call_action,
    close_and_assign,
    evaluate_all,
    register_evaluator,
    submitted,
)
from tests.support.calls import EUR
from tests.support.calls_events import publish_from
from tests.support.results import publish_results
from tests.support.waiting import eventually

SCORES = [(5, 5), (5, 4), (4, 5), (4, 4), (4, 3)]


async def selected_call(
    world: World, budget_eur: int, requested_eur: list[int], *, publish: bool = True
) -> tuple[dict[str, Any], list[str]]:
    """A ranked call whose applications rank in the order given, ranked, selected
    and (unless asked not to) its results published."""
    call = await world.open_call(evaluators_per_application=1, budget_cents=budget_eur * EUR)
    sme = world.as_("applicant")
    ids = [
        (
            await submitted(
                world, sme, call, (await world.organisation(sme))["id"], requested_cents=eur * EUR
            )
        )["id"]
        for eur in requested_eur
    ]
    await register_evaluator(world, "ev")
    assert (await close_and_assign(world, call)).status_code == 200
    await evaluate_all(world, ["ev"], {i: [SCORES[n]] for n, i in enumerate(ids)})
    early = await call_action(world, call, "selection")
    assert early.json()["code"] == "not_ranked"
    assert (await call_action(world, call, "ranking")).status_code == 200
    answer = await call_action(world, call, "selection")
    assert answer.status_code == 200, answer.text
    if publish:
        await publish_results(world, call)
    return call, ids


async def state(world: World, application_id: str) -> dict[str, Any]:
    answer = await world.client.get(f"/v1/applications/{application_id}", headers=world.manager)
    body: dict[str, Any] = answer.json()
    return body


async def statuses(world: World, ids: list[str]) -> list[tuple[str, int | None]]:
    return [((s := await state(world, i))["status"], s["reserve_rank"]) for i in ids]


async def test_sign_contracts_and_bad_transitions_are_refused(world: World) -> None:
    call, (a, b) = await selected_call(world, 100_000, [60_000, 60_000])
    sme = world.as_("applicant")
    assert await statuses(world, [a, b]) == [("selected", None), ("reserve", 1)]
    reserve = await world.client.post(f"/v1/applications/{b}/sign", headers=sme)
    assert reserve.status_code == 409
    assert reserve.json()["code"] == "not_selected"
    signed = await world.client.post(f"/v1/applications/{a}/sign", headers=sme)
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "contracted"
    [contracted] = await event_payloads(world.app, "applications.ApplicationContracted")
    assert contracted["amount_cents"] == 60_000 * EUR
    assert contracted["organisation"]["country"] == "FR"
    assert contracted["programme_id"] == call["programme_id"]
    withdraw = await world.client.post(f"/v1/applications/{a}/withdraw", headers=sme)
    assert withdraw.status_code == 409
    assert withdraw.json()["code"] == "already_contracted"
    late = await world.client.post(f"/v1/applications/{a}/decline", headers=sme, json={})
    assert late.json()["code"] == "not_selected"
    stranger = await world.client.post(
        f"/v1/applications/{a}/sign", headers=world.as_("applicant", sub="other")
    )
    assert stranger.status_code == 403
    assert (await call_action(world, call, "selection")).json()["code"] == "already_selected"


async def test_applicants_read_outcomes_and_sign_only_once_results_are_published(
    world: World,
) -> None:
    call, (a, b, c) = await selected_call(world, 100_000, [60_000, 30_000, 40_000], publish=False)
    sme = world.as_("applicant")
    assert await statuses(world, [a, b, c]) == [
        ("selected", None),
        ("selected", None),
        ("reserve", 1),
    ]

    async def seen(headers: dict[str, str]) -> list[tuple[str, int, int | None]]:
        answers = [
            await world.client.get(f"/v1/applications/{i}", headers=headers) for i in (a, b, c)
        ]
        return [
            (x.json()["status"], x.json()["amount_cents"], x.json()["reserve_rank"])
            for x in answers
        ]

    assert await seen(sme) == [("evaluated", 0, None)] * 3
    listed = await world.client.get("/v1/applications", headers=sme, params={"call_id": call["id"]})
    assert {item["status"] for item in listed.json()["items"]} == {"evaluated"}
    by_outcome = await world.client.get(
        "/v1/applications", headers=sme, params={"call_id": call["id"], "status": "selected"}
    )
    assert by_outcome.json()["items"] == []
    for staff in (world.manager, world.as_("auditor"), world.as_("reviewer")):
        assert [s for s, _, _ in await seen(staff)] == ["selected", "selected", "reserve"]
    early = await world.client.post(f"/v1/applications/{a}/sign", headers=sme)
    assert early.status_code == 409
    assert early.json()["code"] == "results_not_published"
    assert (await state(world, a))["status"] == "selected"  # nothing recorded

    await publish_results(world, call)
    assert await seen(sme) == [
        ("selected", 60_000 * EUR, None),
        ("selected", 30_000 * EUR, None),
        ("reserve", 0, 1),
    ]
    signed = await world.client.post(f"/v1/applications/{a}/sign", headers=sme)
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "contracted"


async def test_declines_promote_the_next_reserves_that_fit(world: World) -> None:
    # Budget 110 000: A 50 000 and B 60 000 selected, nothing left; C 40 000,
    # D 20 000, E 30 000 on the reserve list in that order.
    call, (a, b, c, d, e) = await selected_call(
        world, 110_000, [50_000, 60_000, 40_000, 20_000, 30_000]
    )
    sme = world.as_("applicant")
    assert await statuses(world, [a, b, c, d, e]) == [
        ("selected", None),
        ("selected", None),
        ("reserve", 1),
        ("reserve", 2),
        ("reserve", 3),
    ]

    # A frees 50 000: C (40 000) is promoted, 10 000 left: neither D nor E fits.
    first = await world.client.post(
        f"/v1/applications/{a}/decline", headers=sme, json={"reason": "we merged with a competitor"}
    )
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "declined"
    assert await statuses(world, [c, d, e]) == [("selected", 1), ("reserve", 2), ("reserve", 3)]

    # B frees 60 000: 70 000 available, D (20 000) then E (30 000) are promoted.
    assert (
        await world.client.post(f"/v1/applications/{b}/decline", headers=sme, json={})
    ).status_code == 200
    assert [s for s, _ in await statuses(world, [c, d, e])] == ["selected"] * 3
    promoted = [
        s
        for s in await event_payloads(world.app, "applications.ApplicationSelected")
        if s["cause"] == "promoted"
    ]
    assert [(p["application_id"], p["freed_by"], p["committed_cents"]) for p in promoted] == [
        (c, a, 100_000 * EUR),
        (d, b, 60_000 * EUR),
        (e, b, 90_000 * EUR),
    ]
    assert "promoted from reserve place 1" in promoted[0]["reason"]
    declined = await event_payloads(world.app, "applications.ApplicationDeclined")
    assert [x["amount_cents"] for x in declined] == [50_000 * EUR, 60_000 * EUR]


async def test_a_withdrawal_after_selection_promotes_the_reserve(world: World) -> None:
    # Budget 100 000: A (60 000) selected; the 40 000 left fits neither
    # B (60 000) nor C (50 000): reserve places 1 and 2.
    call, (a, b, c) = await selected_call(world, 100_000, [60_000, 60_000, 50_000])
    sme = world.as_("applicant")
    assert await statuses(world, [a, b, c]) == [("selected", None), ("reserve", 1), ("reserve", 2)]
    withdrawn = await world.client.post(f"/v1/applications/{a}/withdraw", headers=sme)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    # 100 000 free again: B (60 000) first, then 40 000 left is short of C's 50 000.
    assert await statuses(world, [a, b, c]) == [
        ("withdrawn", None),
        ("selected", 1),
        ("reserve", 2),
    ]
    [promoted] = [
        s
        for s in await event_payloads(world.app, "applications.ApplicationSelected")
        if s["cause"] == "promoted"
    ]
    assert (promoted["application_id"], promoted["freed_by"]) == (b, a)
    assert promoted["committed_cents"] == 60_000 * EUR
    [gone] = await event_payloads(world.app, "applications.ApplicationWithdrawn")
    assert (gone["previous_status"], gone["freed_cents"]) == ("selected", 60_000 * EUR)


async def test_the_ranking_reads_in_pages_in_ranking_order(world: World) -> None:
    call, ids = await selected_call(world, 100_000, [50_000] * 5)
    whole = await world.client.get(f"/v1/calls/{call['id']}/ranking", headers=world.manager)
    assert [i["application_id"] for i in whole.json()["items"]] == ids
    assert whole.json()["next_cursor"] is None
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await world.client.get(
                f"/v1/calls/{call['id']}/ranking", headers=world.manager, params=params
            )
        ).json()
        seen.append([i["rank"] for i in page["items"]])
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == [[1, 2], [3, 4], [5]]
    bad = await world.client.get(
        f"/v1/calls/{call['id']}/ranking", headers=world.manager, params={"cursor": "not-a-cursor"}
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_cursor"


async def test_a_grant_refused_by_payments_promotes_the_reserve(
    world: World,
    settings: Settings,
    service_database: MakeDatabase,
) -> None:
    call, (a, b) = await selected_call(world, 100_000, [60_000, 60_000])
    sme = world.as_("applicant")
    assert (await world.client.post(f"/v1/applications/{a}/sign", headers=sme)).status_code == 200
    org = (await state(world, a))["lead_organisation_id"]
    refused = GrantRefused(
        application_id=a,
        call_id=call["id"],
        programme_id=call["programme_id"],
        organisation_id=org,
        amount_cents=60_000 * EUR,
        reason_code="de_minimis_exceeded",
        reason="the de minimis ceiling would be exceeded",
        refused_at=AFTER_CLOSE + timedelta(days=2),
    )
    payments = await service_database("payments")
    await publish_from(settings, payments, "payments", "grant", [refused])

    async def promoted() -> bool:
        return (await state(world, b))["status"] == "selected"

    await eventually(promoted, timeout=30)
    assert (await state(world, a))["status"] == "award_refused"
    [refusal] = await event_payloads(world.app, "applications.ApplicationAwardRefused")
    assert refusal["reason_code"] == "de_minimis_exceeded"
    [selected] = [
        s
        for s in await event_payloads(world.app, "applications.ApplicationSelected")
        if s["application_id"] == b
    ]
    assert selected["cause"] == "promoted"
    assert selected["freed_by"] == a
