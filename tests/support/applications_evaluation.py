"""Driving a ranked call through evaluation in tests: evaluators, assignment,
acceptance and scores over HTTP, and the call's ranking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import httpx

from tests.support.applications import Headers, World
from tests.support.calls import DAY, T0

AFTER_CLOSE = T0 + 30 * DAY + timedelta(seconds=1)
Scores = tuple[float, float]  # (excellence, impact) under call_body's criteria


def evaluator(world: World, sub: str) -> Headers:
    return world.as_("evaluator", sub=sub)


async def register_evaluator(
    world: World, sub: str, conflicts: Sequence[str] = ()
) -> dict[str, Any]:
    answer = await world.client.post(
        "/v1/evaluators",
        headers=world.manager,
        json={"sub": sub, "name": f"Dr {sub}", "conflicts": list(conflicts)},
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def close_and_assign(world: World, call: dict[str, Any]) -> httpx.Response:
    world.clock.set(AFTER_CLOSE)
    return await world.client.post(f"/v1/calls/{call['id']}/assignments", headers=world.manager)


async def assignments(world: World, sub: str) -> list[dict[str, Any]]:
    answer = await world.client.get(
        "/v1/me/assignments", headers=evaluator(world, sub), params={"limit": 500}
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def accept(world: World, sub: str, assignment_id: str) -> httpx.Response:
    return await world.client.post(
        f"/v1/assignments/{assignment_id}/accept",
        headers=evaluator(world, sub),
        json={"no_conflict": True},
    )


async def score(
    world: World, sub: str, application_id: str, scores: Scores, comment: str = "Sound work plan"
) -> httpx.Response:
    return await world.client.post(
        f"/v1/applications/{application_id}/evaluations",
        headers=evaluator(world, sub),
        json={"scores": {"excellence": scores[0], "impact": scores[1]}, "comment": comment},
    )


async def evaluate_all(
    world: World, subs: Sequence[str], scores: Mapping[str, Sequence[Scores]]
) -> None:
    """Every evaluator accepts and scores each assignment still open: the n-th
    evaluator of an application (in order of `subs`) gives `scores[app][n]`."""
    given: dict[str, int] = {}
    for sub in subs:
        for item in await assignments(world, sub):
            if item["state"] not in ("assigned", "accepted"):
                continue
            if item["state"] == "assigned":
                accepted = await accept(world, sub, item["id"])
                assert accepted.status_code == 200, accepted.text
            application_id = item["application_id"]
            n = given.get(application_id, 0)
            given[application_id] = n + 1
            answer = await score(world, sub, application_id, scores[application_id][n])
            assert answer.status_code == 201, answer.text


async def ranking(world: World, call: dict[str, Any]) -> list[dict[str, Any]]:
    answer = await world.client.get(f"/v1/calls/{call['id']}/ranking", headers=world.manager)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def call_action(world: World, call: dict[str, Any], action: str) -> httpx.Response:
    return await world.client.post(f"/v1/calls/{call['id']}/{action}", headers=world.manager)


async def submitted(
    world: World, headers: Headers, call: dict[str, Any], lead_id: str, **changes: Any
) -> dict[str, Any]:
    draft = await world.draft(headers, call, lead_id, **changes)
    for partner in draft["partner_organisation_ids"]:  # the same person is a member of each
        await world.consent(headers, headers, draft, partner)
    answer = await world.act(headers, draft, "submit")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "eligible", answer.text
    body: dict[str, Any] = answer.json()
    return body
