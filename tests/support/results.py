"""Driving a ranked call to its published results in tests: applications of
distinct organisations scored as asked, ranked, selected, and the results
published once the calls service has heard of the selection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from tests.support.applications import Headers, World
from tests.support.applications_evaluation import (
    AFTER_CLOSE,
    Scores,
    accept,
    assignments,
    call_action,
    evaluate_all,
    register_evaluator,
    score,
    submitted,
)
from tests.support.calls import DAY, EUR, T0, eventually


@dataclass
class Decided:
    call: dict[str, Any]
    ids: list[str]  # the applications, in the order asked for
    sme: Headers  # a member of every lead organisation


async def decided_call(
    world: World,
    budget_eur: int,
    asked: Sequence[tuple[str, int, Scores]],
    evaluators: Sequence[str] = ("ev",),
    **call_changes: Any,
) -> Decided:
    """A ranked call, one evaluator per application: `asked` lists each application's
    organisation name, amount (EUR) and scores; ranked and selected."""
    call_changes.setdefault("planned_awards", None)
    closes_at = AFTER_CLOSE - timedelta(seconds=1)
    if world.clock.now() > T0 + DAY:  # later in a shared world: a call opening now
        closes_at = world.clock.now() + 30 * DAY
        call_changes.setdefault("opens_at", world.clock.now().isoformat())
        call_changes.setdefault("closes_at", closes_at.isoformat())
    call = await world.open_call(
        evaluators_per_application=1, budget_cents=budget_eur * EUR, **call_changes
    )
    sme = world.as_("applicant")
    ids = []
    for name, eur, _ in asked:
        org = await world.organisation(sme, name=name)
        ids.append((await submitted(world, sme, call, org["id"], requested_cents=eur * EUR))["id"])
    registered = [await register_evaluator(world, sub) for sub in evaluators]
    panel = await world.client.post(
        f"/v1/calls/{call['id']}/panel",
        headers=world.manager,
        json={"evaluator_ids": [e["id"] for e in registered]},
    )
    assert panel.status_code == 200, panel.text
    world.clock.set(closes_at + timedelta(seconds=1))
    assigned = await call_action(world, call, "assignments")
    assert assigned.status_code == 200, assigned.text
    await evaluate_all(world, evaluators, {i: [asked[n][2]] for n, i in enumerate(ids)})
    assert (await call_action(world, call, "ranking")).status_code == 200
    selected = await call_action(world, call, "selection")
    assert selected.status_code == 200, selected.text
    return Decided(call, ids, sme)


async def selection_heard(world: World, call: dict[str, Any]) -> None:
    async def heard() -> bool:
        answer = await world.calls.get(f"/v1/calls/{call['id']}", headers=world.manager)
        return answer.json()["selection_recorded_at"] is not None

    await eventually(heard, timeout=30)


async def publish_results(world: World, call: dict[str, Any]) -> httpx.Response:
    """Publish once the calls service knows of the selection; wait for applications."""
    await selection_heard(world, call)
    answer = await world.calls.post(
        f"/v1/calls/{call['id']}/publish-results", headers=world.manager
    )
    assert answer.status_code == 200, answer.text
    await world.replica_status(call["id"], "results_published")
    return answer


async def ask(world: World, headers: Headers, application_id: str) -> httpx.Response:
    """A review request of the application."""
    return await world.client.post(
        f"/v1/applications/{application_id}/review-requests",
        headers=headers,
        json={"grounds": "The evaluator overlooked our patent portfolio."},
    )


async def decide(world: World, sub: str, review_id: str, outcome: str) -> httpx.Response:
    return await world.client.post(
        f"/v1/review-requests/{review_id}/decision",
        headers=world.as_("reviewer", sub=sub),
        json={"outcome": outcome, "reasons": "The grounds are substantiated."},
    )


async def re_evaluate(
    world: World, evaluators: Sequence[str], application_id: str, scores: Scores
) -> dict[str, Any]:
    """The re-evaluator accepts and scores: the answer of the last evaluation."""
    for sub in evaluators:
        for item in await assignments(world, sub):
            if item["application_id"] == application_id and item["cause"] == "re_evaluation":
                assert (await accept(world, sub, item["id"])).status_code == 200
                answer = await score(world, sub, application_id, scores)
                assert answer.status_code == 201, answer.text
                body: dict[str, Any] = answer.json()
                return body
    raise AssertionError("no re-evaluation assigned")
