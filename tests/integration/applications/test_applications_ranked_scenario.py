"""A ranked call with 32 applications, from submission to contracts, against
numbers computed by hand.

Criteria: excellence (weight 3, max 5, threshold 3), impact (weight 2, max 5,
threshold 2.5); pass threshold 3.5; two evaluators per application, who agree.
Receipt r gets the level at position (r - 1) % 8 of LEVELS:

    level  scores  weighted mean          outcome
    L1     (5, 5)  (15 + 10) / 5 = 5.0    receipts  2, 10, 18, 26: ranks  1-4
    L2     (5, 4)  (15 + 8) / 5 = 4.6     receipts  4, 12, 20, 28: ranks  5-8
    L3     (4, 5)  (12 + 10) / 5 = 4.4    receipts  6, 14, 22, 30: ranks  9-12
    L4     (4, 4)  (12 + 8) / 5 = 4.0     receipts  1,  9, 17, 25: ranks 13-16
    L5     (4, 3)  (12 + 6) / 5 = 3.6     receipts  5, 13, 21, 29: ranks 17-20
    L8     (5, 2)  3.8, impact below 2.5  receipts  7, 15, 23, 31: rejected
    L6     (3, 4)  3.4, below 3.5         receipts  8, 16, 24, 32: rejected
    L7     (2, 5)  3.2, excellence < 3    receipts  3, 11, 19, 27: rejected

Every application requests 40 000, except receipt 18 (70 000, capped at the
60 000 maximum grant); receipt 26 has the same lead organisation as receipt 2.
Budget 600 000. Selection: ranks 1-3 take 140 000; rank 4 (receipt 26) is kept
in reserve (one award per beneficiary); ranks 5-15 take 11 x 40 000 = 440 000,
580 000 in all; rank 16 (receipt 25) does not fit the 20 000 left. Reserve
list: 26, 25, 5, 13, 21, 29.

Receipt 10 (rank 2) declines: 60 000 free; receipt 26 still may not (receipt 2
holds an award), receipt 25 is promoted, 20 000 left. Receipt 2 declines:
60 000 free; receipt 26 now may, and is promoted. Everyone selected signs."""

from __future__ import annotations

from typing import Any

from tests.support.applications import World, event_payloads
from tests.support.applications_evaluation import (
    call_action,
    close_and_assign,
    evaluate_all,
    ranking,
    register_evaluator,
    submitted,
)
from tests.support.calls import EUR
from tests.support.results import publish_results

LEVELS = [(4, 4), (5, 5), (2, 5), (5, 4), (4, 3), (4, 5), (5, 2), (3, 4)]
EVALUATORS = ["s1", "s2", "s3", "s4"]
RANKED = [2, 10, 18, 26, 4, 12, 20, 28, 6, 14, 22, 30, 1, 9, 17, 25, 5, 13, 21, 29]
REJECTED = [7, 15, 23, 31, 8, 16, 24, 32, 3, 11, 19, 27]
SELECTED = [2, 10, 18, 4, 12, 20, 28, 6, 14, 22, 30, 1, 9, 17]
RESERVE = [26, 25, 5, 13, 21, 29]


async def test_a_ranked_call_of_thirty_two_applications_from_submission_to_contracts(
    world: World,
) -> None:
    call = await world.open_call(evaluators_per_application=2, budget_cents=600_000 * EUR)
    sme = world.as_("applicant")
    orgs: dict[int, str] = {}
    by_receipt: dict[int, dict[str, Any]] = {}
    for receipt in range(1, 33):
        orgs[receipt] = orgs[2] if receipt == 26 else (await world.organisation(sme))["id"]
        requested = 70_000 if receipt == 18 else 40_000
        app = await submitted(world, sme, call, orgs[receipt], requested_cents=requested * EUR)
        assert app["receipt"] == receipt
        by_receipt[receipt] = app
    receipt_of = {app["id"]: r for r, app in by_receipt.items()}
    for sub in EVALUATORS:
        await register_evaluator(world, sub)
    assigned = await close_and_assign(world, call)
    assert assigned.status_code == 200, assigned.text
    assert len(assigned.json()["assignments"]) == 64
    await evaluate_all(
        world, EVALUATORS, {app["id"]: [LEVELS[(r - 1) % 8]] * 2 for r, app in by_receipt.items()}
    )

    assert (await call_action(world, call, "ranking")).status_code == 200
    items = await ranking(world, call)
    assert [receipt_of[i["application_id"]] for i in items] == RANKED + REJECTED
    assert [i["rank"] for i in items] == list(range(1, 21)) + [None] * 12
    assert [i["score"] for i in items[:20:4]] == [5.0, 4.6, 4.4, 4.0, 3.6]
    assert [i["score"] for i in items[20::4]] == [3.8, 3.4, 3.2]
    assert "impact scored 2, below its threshold 2.5" in items[20]["reason"]
    assert "below the call's pass threshold 3.5" in items[24]["reason"]
    assert "excellence scored 2, below its threshold 3" in items[28]["reason"]

    selection = await call_action(world, call, "selection")
    assert selection.status_code == 200, selection.text
    assert selection.json()["committed_cents"] == 580_000 * EUR
    items = await ranking(world, call)
    assert sorted(
        receipt_of[i["application_id"]] for i in items if i["status"] == "selected"
    ) == sorted(SELECTED)
    reserve = sorted(
        (i for i in items if i["status"] == "reserve"), key=lambda i: i["reserve_rank"]
    )
    assert [(receipt_of[i["application_id"]], i["reserve_rank"]) for i in reserve] == [
        (r, n) for n, r in enumerate(RESERVE, start=1)
    ]
    amounts = {receipt_of[i["application_id"]]: i["amount_cents"] for i in items}
    assert amounts[18] == 60_000 * EUR
    [kept] = [
        e
        for e in await event_payloads(world.app, "applications.ApplicationReserved")
        if e["application_id"] == by_receipt[26]["id"]
    ]
    assert kept["reason_code"] == "beneficiary_limit"

    for decliner, promoted in ((10, 25), (2, 26)):
        answer = await world.act(sme, by_receipt[decliner], "decline", reason="not now")
        assert answer.status_code == 200, answer.text
        [selected] = [
            e
            for e in await event_payloads(world.app, "applications.ApplicationSelected")
            if e["cause"] == "promoted" and e["freed_by"] == by_receipt[decliner]["id"]
        ]
        assert receipt_of[selected["application_id"]] == promoted

    await publish_results(world, call)
    contracted = [r for r in SELECTED if r not in (10, 2)] + [25, 26]
    for receipt in contracted:
        signed = await world.act(sme, by_receipt[receipt], "sign")
        assert signed.status_code == 200, signed.text
    items = await ranking(world, call)
    by_status: dict[str, list[int]] = {}
    for item in items:
        by_status.setdefault(item["status"], []).append(receipt_of[item["application_id"]])
    assert sorted(by_status["contracted"]) == sorted(contracted)
    assert sorted(by_status["declined"]) == [2, 10]
    assert by_status["reserve"] == [5, 13, 21, 29]
    assert [i["reserve_rank"] for i in items if i["status"] == "reserve"] == [3, 4, 5, 6]
    assert sorted(by_status["rejected"]) == sorted(REJECTED)
    events = await event_payloads(world.app, "applications.ApplicationContracted")
    assert sum(e["amount_cents"] for e in events) == 580_000 * EUR
