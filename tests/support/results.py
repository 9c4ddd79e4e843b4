"""Driving a ranked call to its published results in tests: applications of
distinct organisations scored as asked, ranked, selected, and the results
published once the calls service has heard of the selection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.applications import Headers, World
from tests.support.applications_evaluation import (
    Scores,
    call_action,
    close_and_assign,
    evaluate_all,
    register_evaluator,
    submitted,
)
from tests.support.calls import EUR, eventually


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
    assert (await close_and_assign(world, call)).status_code == 200
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
