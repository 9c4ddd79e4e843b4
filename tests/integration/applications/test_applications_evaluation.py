"""Evaluation of a ranked call over HTTP: assignment without conflicts of
interest and balanced, acceptance before reading or scoring, declines replaced,
score validation, divergence, and the ranking with its rejection reasons.

call_body's criteria: excellence (weight 3, max 5, threshold 3), impact (weight
2, max 5, threshold 2.5), pass threshold 3.5."""

from __future__ import annotations

from collections import Counter

from tests.support.applications import World, event_payloads
from tests.support.applications_evaluation import (
    accept,
    assignments,
    call_action,
    close_and_assign,
    evaluate_all,
    evaluator,
    ranking,
    register_evaluator,
    score,
    submitted,
)
from tests.support.calls import act


async def test_assignment_is_balanced_and_never_conflicted(world: World) -> None:
    call = await world.open_call(evaluators_per_application=2)
    sme = world.as_("applicant")
    orgs = [await world.organisation(sme) for _ in range(4)]
    apps = [await submitted(world, sme, call, org["id"]) for org in orgs[:3]]
    apps.append(
        await submitted(world, sme, call, orgs[3]["id"], partner_organisation_ids=[orgs[2]["id"]])
    )
    e1 = await register_evaluator(world, "e1", [orgs[0]["id"]])
    e2 = await register_evaluator(world, "e2")
    e3 = await register_evaluator(world, "e3")
    for sub in ("e4", "e5"):
        await register_evaluator(world, sub)
    declared = await world.client.post(
        f"/v1/evaluators/{e2['id']}/conflicts",
        headers=evaluator(world, "e2"),
        json={"organisation_id": orgs[1]["id"]},
    )
    assert declared.status_code == 200, declared.text
    by_pm = await world.client.post(
        f"/v1/evaluators/{e3['id']}/conflicts",
        headers=world.manager,
        json={"organisation_id": orgs[2]["id"]},
    )
    assert by_pm.json()["conflicts"] == [orgs[2]["id"]]
    other = await world.client.post(
        f"/v1/evaluators/{e3['id']}/conflicts",
        headers=evaluator(world, "e1"),
        json={"organisation_id": orgs[0]["id"]},
    )
    assert other.status_code == 403
    early = await world.client.post(f"/v1/calls/{call['id']}/assignments", headers=world.manager)
    assert early.status_code == 409
    assert early.json()["code"] == "call_not_closed"

    answer = await close_and_assign(world, call)

    assert answer.status_code == 200, answer.text
    made = answer.json()["assignments"]
    panels = {
        a["id"]: {m["evaluator_id"] for m in made if m["application_id"] == a["id"]} for a in apps
    }
    assert all(len(panel) == 2 for panel in panels.values())
    assert e1["id"] not in panels[apps[0]["id"]]
    assert e2["id"] not in panels[apps[1]["id"]]
    assert e3["id"] not in panels[apps[2]["id"]]
    assert e3["id"] not in panels[apps[3]["id"]]  # conflicted with a partner
    loads = Counter(m["evaluator_id"] for m in made)
    assert sum(loads.values()) == 8
    assert max(loads.values()) - min(loads.values()) <= 1
    again = await call_action(world, call, "assignments")
    assert again.json()["code"] == "already_assigned"
    statuses = {
        (await world.client.get(f"/v1/applications/{a['id']}", headers=sme)).json()["status"]
        for a in apps
    }
    assert statuses == {"under_evaluation"}


async def test_too_few_unconflicted_evaluators_is_a_conflict_of_interest(world: World) -> None:
    call = await world.open_call(evaluators_per_application=2)
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    await submitted(world, sme, call, org["id"])
    await register_evaluator(world, "x1", [org["id"]])
    await register_evaluator(world, "x2")
    answer = await close_and_assign(world, call)
    assert answer.status_code == 409
    assert answer.json()["code"] == "conflict_of_interest"
    assert await event_payloads(world.app, "applications.EvaluatorAssigned") == []


async def test_an_evaluator_accepts_before_reading_and_scores_each_criterion_once(
    world: World,
) -> None:
    call = await world.open_call(evaluators_per_application=1)
    sme = world.as_("applicant")
    app = await submitted(world, sme, call, (await world.organisation(sme))["id"])
    await register_evaluator(world, "solo")
    await register_evaluator(world, "idle")
    await register_evaluator(world, "idle2")
    assert (await close_and_assign(world, call)).status_code == 200
    who = "solo" if await assignments(world, "solo") else "idle"
    [item] = await assignments(world, who)
    assert item["application"] is None
    unread = await world.client.get(f"/v1/applications/{app['id']}", headers=evaluator(world, who))
    assert unread.status_code == 403
    early = await score(world, who, app["id"], (4, 4))
    assert early.json()["code"] == "assignment_not_accepted"
    bad = await world.client.post(
        f"/v1/assignments/{item['id']}/accept",
        headers=evaluator(world, who),
        json={"no_conflict": False},
    )
    assert bad.status_code == 422
    assert (await accept(world, who, item["id"])).status_code == 200
    read = await world.client.get(f"/v1/applications/{app['id']}", headers=evaluator(world, who))
    assert read.status_code == 200
    [item] = await assignments(world, who)
    assert item["application"]["title"] == "Composite wing ribs"

    for scores, code in (
        ({"excellence": 4, "impact": 6}, "score_out_of_range"),
        ({"excellence": 4, "impact": 3, "style": 1}, "unknown_criterion"),
        ({"excellence": 4}, "missing_score"),
    ):
        refused = await world.client.post(
            f"/v1/applications/{app['id']}/evaluations",
            headers=evaluator(world, who),
            json={"scores": scores, "comment": ""},
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == code
    stranger = await score(world, "idle2" if who != "idle2" else "idle", app["id"], (4, 4))
    assert stranger.status_code == 403
    assert stranger.json()["code"] == "not_assigned"
    done = await score(world, who, app["id"], (4, 3))
    assert done.status_code == 201, done.text
    assert done.json()["total"] == 3.6
    assert (await score(world, who, app["id"], (4, 3))).json()["code"] == "already_evaluated"
    [evaluation] = await event_payloads(world.app, "applications.EvaluationSubmitted")
    assert evaluation["scores"] == {"excellence": 4, "impact": 3}


async def test_a_declined_assignment_gets_a_replacement(world: World) -> None:
    call = await world.open_call(evaluators_per_application=2)
    sme = world.as_("applicant")
    app = await submitted(world, sme, call, (await world.organisation(sme))["id"])
    for sub in ("d1", "d2", "d3"):
        await register_evaluator(world, sub)
    assert (await close_and_assign(world, call)).status_code == 200
    [item] = await assignments(world, "d1")  # d1 and d2: least loaded, earliest registered
    assert await assignments(world, "d3") == []
    declined = await world.client.post(
        f"/v1/assignments/{item['id']}/decline",
        headers=evaluator(world, "d1"),
        json={"reason": "I advised the lead last year"},
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["replacement"]["cause"] == "replacement"
    [replacing] = await assignments(world, "d3")
    assert replacing["cause"] == "replacement"
    assert replacing["application_id"] == app["id"]
    assert (await assignments(world, "d1"))[0]["state"] == "declined"
    assert (await score(world, "d1", app["id"], (4, 4))).json()["code"] == "not_assigned"


async def test_diverging_totals_bring_in_one_more_evaluator(world: World) -> None:
    call = await world.open_call(evaluators_per_application=2)
    sme = world.as_("applicant")
    app = await submitted(world, sme, call, (await world.organisation(sme))["id"])
    for sub in ("v1", "v2", "v3"):
        await register_evaluator(world, sub)
    assert (await close_and_assign(world, call)).status_code == 200
    await evaluate_all(world, ["v1", "v2"], {app["id"]: [(5, 5), (2, 2)]})  # 5.0 vs 2.0
    [extra] = await assignments(world, "v3")
    assert extra["cause"] == "divergence"
    pending = await call_action(world, call, "ranking")
    assert pending.status_code == 409
    assert pending.json()["code"] == "evaluations_pending"
    await evaluate_all(world, ["v3"], {app["id"]: [(5, 2)]})
    ranked = await call_action(world, call, "ranking")
    assert ranked.status_code == 200, ranked.text
    # excellence (5 + 2 + 5) / 3 = 4, impact (5 + 2 + 2) / 3 = 3: (12 + 6) / 5 = 3.6
    [only] = await ranking(world, call)
    assert only["score"] == 3.6
    assert only["criterion_scores"] == {"excellence": 4.0, "impact": 3.0}


async def test_ranking_orders_by_weighted_mean_and_says_why_others_are_rejected(
    world: World,
) -> None:
    call = await world.open_call(evaluators_per_application=2)
    sme = world.as_("applicant")
    apps = [
        await submitted(world, sme, call, (await world.organisation(sme))["id"]) for _ in range(5)
    ]
    for sub in ("r1", "r2"):
        await register_evaluator(world, sub)
    assert (await close_and_assign(world, call)).status_code == 200
    a, b, c, d, e = (x["id"] for x in apps)
    await evaluate_all(
        world,
        ["r1", "r2"],
        {
            a: [(4, 4), (4, 4)],  # 4.0
            b: [(5, 5), (4, 5)],  # excellence 4.5, impact 5: (13.5 + 10) / 5 = 4.7
            c: [(4, 4), (4, 4)],  # 4.0, received after a
            d: [(3, 2), (3, 2)],  # impact 2 below 2.5
            e: [(3, 3), (3, 4)],  # (9 + 7) / 5 = 3.2 below 3.5
        },
    )
    answer = await call_action(world, call, "ranking")
    assert answer.status_code == 200, answer.text
    items = await ranking(world, call)
    assert [(i["application_id"], i["rank"], i["score"]) for i in items] == [
        (b, 1, 4.7),
        (a, 2, 4.0),
        (c, 3, 4.0),
        (e, None, 3.2),
        (d, None, 2.6),
    ]
    reasons = {i["application_id"]: i["reason"] for i in items}
    assert reasons[d] == "impact scored 2, below its threshold 2.5"
    assert reasons[e] == "score 3.2 is below the call's pass threshold 3.5"
    assert {i["status"] for i in items if i["rank"]} == {"evaluated"}
    assert {i["status"] for i in items if not i["rank"]} == {"rejected"}
    rejected = await event_payloads(world.app, "applications.ApplicationRejected")
    assert {r["application_id"] for r in rejected} == {d, e}
    auditor = await world.client.get(
        f"/v1/calls/{call['id']}/ranking", headers=world.as_("auditor", sub="aud")
    )
    assert auditor.status_code == 200
    assert (
        await world.client.get(f"/v1/calls/{call['id']}/ranking", headers=sme)
    ).status_code == 403
    assert (await call_action(world, call, "ranking")).json()["code"] == "already_ranked"


async def test_a_call_closed_early_by_the_manager_can_be_assigned_at_once(world: World) -> None:
    call = await world.open_call(evaluators_per_application=1)
    sme = world.as_("applicant")
    lead = (await world.organisation(sme))["id"]
    application = await submitted(world, sme, call, lead)
    late_draft = await world.draft(sme, call, lead)
    await register_evaluator(world, "e1")
    closed = await act(world.calls, world.manager, call, "close", reason="all proposals are in")
    assert closed.status_code == 200, closed.text
    await world.replica_status(call["id"], "closed")

    answer = await call_action(world, call, "assignments")  # weeks before `closes_at`

    assert answer.status_code == 200, answer.text
    assert [a["application_id"] for a in answer.json()["assignments"]] == [application["id"]]
    late = await world.act(sme, late_draft, "submit")
    assert late.json()["code"] == "call_closed"


async def test_an_evaluator_is_registered_once_and_the_refusal_names_who_holds_the_sub(
    world: World,
) -> None:
    first = await register_evaluator(world, "twice")
    again = await world.client.post(
        "/v1/evaluators",
        headers=world.manager,
        json={"sub": "twice", "name": "Dr Twice", "conflicts": []},
    )
    assert again.status_code == 409
    assert again.json()["code"] == "evaluator_exists"
    assert again.json()["evaluator_id"] == first["id"]
