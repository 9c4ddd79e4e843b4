"""A call's evaluation panel over HTTP: appointed by the programme manager,
assignment draws only from it, balanced, never a conflicted evaluator, with the
nationality minimum, and says which constraint cannot be met."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from tests.support.applications import World, event_payloads
from tests.support.applications_evaluation import (
    assignments,
    close_and_assign,
    evaluator,
    submitted,
)


async def registered(world: World, sub: str, nationality: str | None, *conflicts: str) -> str:
    body: dict[str, Any] = {"sub": sub, "name": f"Dr {sub}", "conflicts": list(conflicts)}
    if nationality:
        body["nationality"] = nationality
    answer = await world.client.post("/v1/evaluators", headers=world.manager, json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["nationality"] == nationality
    evaluator_id: str = answer.json()["id"]
    return evaluator_id


async def appoint(
    world: World, call: dict[str, Any], ids: list[str], minimum: int = 0
) -> httpx.Response:
    return await world.client.post(
        f"/v1/calls/{call['id']}/panel",
        headers=world.manager,
        json={"evaluator_ids": ids, "min_distinct_nationalities": minimum},
    )


async def test_assignment_draws_only_from_the_panel_balanced_and_of_distinct_nationalities(
    world: World,
) -> None:
    call = await world.open_call(evaluators_per_application=3)
    sme = world.as_("applicant")
    orgs = [await world.organisation(sme) for _ in range(3)]
    apps = [await submitted(world, sme, call, org["id"]) for org in orgs]
    outsider = await registered(world, "outsider", "DE")
    panel = [
        await registered(world, "p-it-1", "IT"),
        await registered(world, "p-it-2", "IT"),
        await registered(world, "p-fr", "FR", orgs[0]["id"]),
        await registered(world, "p-es", "ES"),
        await registered(world, "p-pl", "PL"),
    ]
    answer = await appoint(world, call, panel, minimum=3)
    assert answer.status_code == 200, answer.text
    assert answer.json()["evaluator_ids"] == panel
    read = await world.client.get(f"/v1/calls/{call['id']}/panel", headers=world.manager)
    assert read.json()["min_distinct_nationalities"] == 3
    not_for_applicants = await world.client.get(f"/v1/calls/{call['id']}/panel", headers=sme)
    assert not_for_applicants.status_code == 403

    assigned = await close_and_assign(world, call)

    assert assigned.status_code == 200, assigned.text
    made = assigned.json()["assignments"]
    nationality = dict(zip(panel, ["IT", "IT", "FR", "ES", "PL"], strict=True))
    for app in apps:
        seats = [m["evaluator_id"] for m in made if m["application_id"] == app["id"]]
        assert len(seats) == 3
        assert len({nationality[s] for s in seats}) == 3
    assert outsider not in {m["evaluator_id"] for m in made}
    assert panel[2] not in {m["evaluator_id"] for m in made if m["application_id"] == apps[0]["id"]}
    loads = Counter(m["evaluator_id"] for m in made)
    assert max(loads.values()) - min(loads.values()) <= 1
    assert await assignments(world, "outsider") == []
    [appointed] = await event_payloads(world.app, "applications.CallPanelAppointed")
    assert appointed["evaluator_ids"] == panel


async def test_a_panel_too_small_or_of_too_few_nationalities_names_the_constraint(
    world: World,
) -> None:
    call = await world.open_call(evaluators_per_application=2)
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    await submitted(world, sme, call, org["id"])
    it1, it2 = await registered(world, "n-it-1", "IT"), await registered(world, "n-it-2", "IT")
    fr = await registered(world, "n-fr", "FR", org["id"])

    unknown = await appoint(world, call, [it1, "0190d2a4-0000-7000-8000-000000000000"])
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_evaluator"
    too_many = await appoint(world, call, [it1, it2, fr], minimum=3)
    assert too_many.status_code == 422
    assert too_many.json()["constraint"] == "min_distinct_nationalities"
    too_few = await appoint(world, call, [it1, it2], minimum=2)
    assert too_few.status_code == 422
    assert too_few.json()["code"] == "nationality_constraint"
    assert await event_payloads(world.app, "applications.CallPanelAppointed") == []

    # Two nationalities on the panel, but the French evaluator is conflicted.
    assert (await appoint(world, call, [it1, it2, fr], minimum=2)).status_code == 200
    refused = await close_and_assign(world, call)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "nationality_constraint"
    assert refused.json()["constraint"] == "min_distinct_nationalities"
    assert await event_payloads(world.app, "applications.EvaluatorAssigned") == []

    # Without the minimum, one Italian and the conflicted French evaluator are too few.
    assert (await appoint(world, call, [it1, fr], minimum=0)).status_code == 200
    short = await close_and_assign(world, call)
    assert short.status_code == 409
    assert (short.json()["code"], short.json()["constraint"]) == (
        "conflict_of_interest",
        "evaluators_per_application",
    )
    assert (await appoint(world, call, [it1, it2], minimum=0)).status_code == 200
    assert (await close_and_assign(world, call)).status_code == 200
    assert len(await assignments(world, "n-it-1")) == 1
    assert (await world.client.get("/v1/me/assignments", headers=evaluator(world, "n-fr"))).json()[
        "items"
    ] == []
