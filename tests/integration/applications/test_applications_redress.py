"""Redress over HTTP: a lead member of a rejected or reserve application asks
once, within the window after the results, for a review; a reviewer who did not
evaluate it decides; an upheld review sends it to re-evaluation by panel
evaluators who had not scored it, and a changed outcome adds a ranking version.

One evaluator per application; (excellence, impact) (5, 5) 5.0, (5, 4) 4.6,
(4, 4) 4.0, (4, 3) 3.6, (2, 4) 2.8 (rejected: excellence below 3)."""

from __future__ import annotations

from datetime import timedelta

from tests.support.applications import World, event_payloads
from tests.support.applications_evaluation import assignments
from tests.support.calls import eventually
from tests.support.results import (
    Decided,
    ask,
    decide,
    decided_call,
    publish_results,
    re_evaluate,
)

EVALUATORS = ("r-ev1", "r-ev2", "r-ev3")


async def evaluator_of(world: World, application_id: str) -> str:
    for sub in EVALUATORS:
        if any(i["application_id"] == application_id for i in await assignments(world, sub)):
            return sub
    raise AssertionError("no evaluator")


async def version(world: World, decided: Decided, n: int) -> list[tuple[str, str, int | None]]:
    answer = await world.client.get(
        f"/v1/calls/{decided.call['id']}/ranking",
        params={"version": n},
        headers=world.as_("auditor", sub="eve"),
    )
    assert answer.status_code == 200, answer.text
    return [(i["application_id"], i["status"], i["reserve_rank"]) for i in answer.json()["items"]]


async def test_an_upheld_review_re_evaluated_above_threshold_is_selected_in_a_new_version(
    world: World,
) -> None:
    decided = await decided_call(
        world,
        60_000,
        [("Alpha", 40_000, (5, 5)), ("Beta", 40_000, (4, 4)), ("Gamma", 10_000, (2, 4))],
        evaluators=EVALUATORS,
    )
    alpha, beta, gamma = decided.ids
    early = await ask(world, decided.sme, gamma)
    assert early.status_code == 409
    assert early.json()["code"] == "results_not_published"
    await publish_results(world, decided.call)

    stranger = await ask(world, world.as_("applicant", sub="stranger"), gamma)
    assert stranger.status_code == 403
    assert stranger.json()["code"] == "not_a_member"
    selected = await ask(world, decided.sme, alpha)
    assert selected.json()["code"] == "not_reviewable"
    asked = await ask(world, decided.sme, gamma)
    assert asked.status_code == 201, asked.text
    review = asked.json()
    assert (review["state"], review["contested_outcome"], review["contested_ranking_version"]) == (
        "requested",
        "rejected",
        1,
    )
    twice = await ask(world, decided.sme, gamma)
    assert twice.status_code == 409
    assert twice.json()["code"] == "review_already_requested"
    own = await decide(world, await evaluator_of(world, gamma), review["id"], "upheld")
    assert own.status_code == 403
    assert own.json()["code"] == "reviewer_is_evaluator"
    not_reviewer = await world.client.post(
        f"/v1/review-requests/{review['id']}/decision",
        headers=decided.sme,
        json={"outcome": "upheld", "reasons": "We say so"},
    )
    assert not_reviewer.status_code == 403

    as_reviewer = world.as_("reviewer", sub="rita")
    contested = await world.client.get(f"/v1/applications/{gamma}", headers=as_reviewer)
    assert contested.status_code == 200, contested.text
    uncontested = await world.client.get(f"/v1/applications/{beta}", headers=as_reviewer)
    assert uncontested.status_code == 403

    upheld = await decide(world, "rita", review["id"], "upheld")

    assert upheld.status_code == 200, upheld.text
    assert (upheld.json()["state"], upheld.json()["re_evaluators"]) == ("upheld", 1)
    again = await decide(world, "rita", review["id"], "dismissed")
    assert again.json()["code"] == "review_already_decided"
    still = await world.client.get(f"/v1/applications/{gamma}", headers=decided.sme)
    assert still.json()["status"] == "rejected"  # until the re-evaluation is scored

    concluded = (await re_evaluate(world, EVALUATORS, gamma, (5, 5)))["review_request"]

    assert (concluded["state"], concluded["outcome_changed"], concluded["status_after"]) == (
        "re_evaluated",
        True,
        "selected",
    )
    assert concluded["ranking_version"] == 2
    assert await version(world, decided, 1) == [
        (alpha, "selected", None),
        (beta, "reserve", 1),
        (gamma, "rejected", None),
    ]
    assert await version(world, decided, 2) == [
        (alpha, "selected", None),
        (gamma, "selected", None),
        (beta, "reserve", 1),
    ]
    report = (await world.client.get(f"/v1/applications/{gamma}/esr", headers=decided.sme)).json()
    assert (report["outcome"], report["total"], report["evaluations"]) == ("selected", 5.0, 1)
    read = await world.client.get(f"/v1/review-requests/{review['id']}", headers=decided.sme)
    assert read.json()["state"] == "re_evaluated"
    listed = await world.client.get(
        "/v1/review-requests", params={"state": "re_evaluated"}, headers=world.as_("reviewer")
    )
    assert [r["id"] for r in listed.json()["items"]] == [review["id"]]
    versions = await event_payloads(world.app, "applications.RankingVersionRecorded")
    assert [(v["version"], v["cause"], v["review_request_id"]) for v in versions] == [
        (1, "selection", None),
        (2, "re_evaluation", review["id"]),
    ]
    assert all(gamma in v["application_ids"] for v in versions)
    [reselected] = [
        s
        for s in await event_payloads(world.app, "applications.ApplicationSelected")
        if s["application_id"] == gamma
    ]
    assert reselected["cause"] == "re_evaluation"

    async def listed_publicly() -> bool:
        answer = await world.calls.get(f"/v1/public/calls/{decided.call['id']}/beneficiaries")
        return [b["name"] for b in answer.json()["items"]] == ["Alpha", "Gamma"]

    await eventually(listed_publicly, timeout=30)


async def test_a_reserve_re_evaluated_higher_moves_up_the_reserve_list_and_a_dismissal_ends_it(
    world: World,
) -> None:
    decided = await decided_call(
        world,
        60_000,
        [
            ("Alpha", 40_000, (5, 5)),
            ("Beta", 30_000, (4, 4)),
            ("Gamma", 30_000, (4, 3)),
            ("Delta", 10_000, (2, 4)),
        ],
        evaluators=EVALUATORS,
    )
    alpha, beta, gamma, delta = decided.ids
    published = (await publish_results(world, decided.call)).json()
    review = (await ask(world, decided.sme, gamma)).json()
    assert (review["contested_outcome"], review["contested_reserve_rank"]) == ("reserve", 2)
    assert (await decide(world, "rita", review["id"], "upheld")).status_code == 200

    concluded = (await re_evaluate(world, EVALUATORS, gamma, (5, 4)))["review_request"]

    assert (concluded["status_after"], concluded["reserve_rank_after"]) == ("reserve", 1)
    assert await version(world, decided, 2) == [
        (alpha, "selected", None),
        (gamma, "reserve", 1),
        (beta, "reserve", 2),
        (delta, "rejected", None),
    ]
    moved = await world.client.get(f"/v1/applications/{beta}", headers=world.manager)
    assert moved.json()["reserve_rank"] == 2

    dismissed_review = (await ask(world, decided.sme, delta)).json()
    dismissed = await decide(world, "rita", dismissed_review["id"], "dismissed")
    assert dismissed.status_code == 200, dismissed.text
    assert (dismissed.json()["state"], dismissed.json()["re_evaluators"]) == ("dismissed", 0)
    assert len(await event_payloads(world.app, "applications.RankingVersionRecorded")) == 2

    until = published["review_requests_until"]
    world.clock.set(world.clock.now() + timedelta(days=30))
    late = await ask(world, decided.sme, beta)
    assert late.status_code == 409, late.text
    assert late.json()["code"] == "review_window_closed"
    assert late.json()["review_requests_until"].startswith(until[:19])


async def test_a_reserve_promoted_while_re_evaluated_keeps_its_selection(world: World) -> None:
    decided = await decided_call(
        world,
        60_000,
        [("Alpha", 40_000, (5, 5)), ("Beta", 40_000, (4, 4))],
        evaluators=EVALUATORS,
    )
    alpha, beta = decided.ids
    await publish_results(world, decided.call)
    review = (await ask(world, decided.sme, beta)).json()
    assert (await decide(world, "rita", review["id"], "upheld")).status_code == 200
    declined = await world.act(decided.sme, {"id": alpha}, "decline", reason="We merged")
    assert declined.status_code == 200, declined.text
    promoted = await world.client.get(f"/v1/applications/{beta}", headers=decided.sme)
    assert promoted.json()["status"] == "selected"

    concluded = (await re_evaluate(world, EVALUATORS, beta, (2, 2)))["review_request"]

    assert (concluded["state"], concluded["outcome_changed"], concluded["status_after"]) == (
        "re_evaluated",
        False,
        "selected",
    )
    still = await world.client.get(f"/v1/applications/{beta}", headers=decided.sme)
    assert still.json()["status"] == "selected"
    assert len(await event_payloads(world.app, "applications.RankingVersionRecorded")) == 1
