"""The click day: two instances of the applications service on one database,
submissions decided in concurrent batches, every request sent twice at once
under its Idempotency-Key. Never over budget, one decision per application,
receipts contiguous, and at each instance receipt order follows arrival order."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import httpx

from services.applications.main import definition
from shared.app import create_app
from shared.settings import Settings
from tests.integration.applications.test_applications_first_come import GRANT, first_come_call
from tests.support.applications import World, client_of, event_payloads

FUNDED = 15
SUBMISSIONS = 120


async def test_concurrent_batches_at_two_instances_never_overspend_and_decide_once(
    world: World,
) -> None:
    call = await first_come_call(world, FUNDED * GRANT)
    sme = world.as_("applicant")
    orgs = await asyncio.gather(*(world.organisation(sme) for _ in range(SUBMISSIONS)))
    drafts = await asyncio.gather(
        *(world.draft(sme, call, org["id"], requested_cents=GRANT) for org in orgs)
    )
    own: Settings = world.app.state.chassis.settings  # the same database
    second = create_app(definition(consume=False), own, clock=world.clock)
    async with second.router.lifespan_context(second), client_of(second) as other:
        instances = [world.client, other]

        async def submit(instance: int, draft: dict[str, Any]) -> httpx.Response:
            return await instances[instance].post(
                f"/v1/applications/{draft['id']}/submit",
                headers={**sme, "Idempotency-Key": f"k-{draft['id']}"},
            )

        # Half the applicants at each instance, each request sent twice at once...
        answers = await asyncio.gather(
            *(submit(n % 2, d) for n, d in enumerate(drafts) for _ in (0, 1))
        )
        # ... and retried later at the other instance: the same answer, replayed.
        answers += await asyncio.gather(*(submit((n + 1) % 2, d) for n, d in enumerate(drafts)))

    by_application: dict[str, set[tuple[int, str, int | None]]] = defaultdict(set)
    for answer in answers:
        body = answer.json()
        application = body.get("application", body)
        by_application[application["id"]].add(
            (answer.status_code, application["status"], application["receipt"])
        )
    # The request and its retry got the same answer, whichever instance took which.
    assert all(len(outcomes) == 1 for outcomes in by_application.values()), by_application
    submitted = await event_payloads(world.app, "applications.ApplicationSubmitted")
    assert len(submitted) == SUBMISSIONS
    assert sorted(e["receipt"] for e in submitted) == list(range(1, SUBMISSIONS + 1))
    selected = await event_payloads(world.app, "applications.ApplicationSelected")
    assert len(selected) == FUNDED
    assert max(e["committed_cents"] for e in selected) == FUNDED * GRANT
    # At one instance, "first" is the order of arrival there: receipts follow it.
    per_instance: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for e in submitted:
        per_instance[e["arrival"]["instance"]].append((e["arrival"]["sequence"], e["receipt"]))
    assert len(per_instance) == 2
    for arrivals in per_instance.values():
        receipts = [receipt for _, receipt in sorted(arrivals)]
        assert receipts == sorted(receipts)
