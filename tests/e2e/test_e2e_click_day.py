"""A click day with the applications process killed outright (SIGKILL) while
submissions are in flight in its batches, then every submission retried under
its Idempotency-Key: each application decided exactly once, the answers given
before the kill replayed unchanged, never more selected than the budget allows,
receipts contiguous."""

from __future__ import annotations

import asyncio
import signal
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.auth import mint_token
from tests.support.stack import ServiceStack

SUBMISSIONS = 80
FUNDED = 10
GRANT = 10_000_00


def _headers(stack: ServiceStack, sub: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(stack.settings, sub, [role])}"}


async def _open_call_with_drafts(
    stack: ServiceStack, http: httpx.AsyncClient, manager: dict[str, str], sme: dict[str, str]
) -> tuple[str, list[str]]:
    calls, applications = stack.urls["calls"], stack.urls["applications"]
    programme = (
        await http.post(
            f"{calls}/v1/programmes",
            headers=manager,
            json={
                "code": f"CD-{uuid.uuid4().hex[:6]}",
                "name": "Click day",
                "currency": "EUR",
                "budget_cents": 10 * FUNDED * GRANT,
                "objectives": ["innovate"],
            },
        )
    ).json()
    opens = datetime.now(UTC) + timedelta(seconds=2)
    call = (
        await http.post(
            f"{calls}/v1/calls",
            headers=manager,
            json={
                "programme_id": programme["id"],
                "code": f"V-{uuid.uuid4().hex[:6]}",
                "title": "Vouchers",
                "kind": "green_voucher",
                "selection_mode": "first_come_first_served",
                "budget_cents": FUNDED * GRANT,
                "max_grant_cents": GRANT,
                "min_grant_cents": 0,
                "opens_at": opens.isoformat(),
                "closes_at": (opens + timedelta(hours=2)).isoformat(),
                "objectives": ["innovate"],
                "instalments": [{"label": "All", "percent": 100, "trigger": "on_signature"}],
            },
        )
    ).json()
    assert (
        await http.post(f"{calls}/v1/calls/{call['id']}/publish", headers=manager)
    ).status_code == 200

    async def draft(n: int) -> str:
        org = (
            await http.post(
                f"{applications}/v1/organisations",
                headers=sme,
                json={
                    "name": f"SME {n}",
                    "country": "FR",
                    "size": "small",
                    "pic": f"8{uuid.uuid4().int % 10**8:08d}",
                    "registered_on": "2019-05-01",
                    "tags": [],
                },
            )
        ).json()
        body = {
            "call_id": call["id"],
            "lead_organisation_id": org["id"],
            "partner_organisation_ids": [],
            "title": "Heat pump",
            "summary": "Retrofit",
            "requested_cents": GRANT,
            "trl": 6,
            "objectives": ["innovate"],
        }
        for _ in range(300):  # until the call has reached applications through the broker
            answer = await http.post(f"{applications}/v1/applications", headers=sme, json=body)
            if answer.status_code == 201:
                return str(answer.json()["id"])
            await asyncio.sleep(0.1)
        raise AssertionError(answer.text)

    gate = asyncio.Semaphore(10)

    async def gated(n: int) -> str:
        async with gate:
            return await draft(n)

    drafts = list(await asyncio.gather(*(gated(n) for n in range(SUBMISSIONS))))
    await asyncio.sleep(max(0.0, (opens - datetime.now(UTC)).total_seconds()))
    return call["id"], drafts


@pytest.mark.timeout(900)  # a whole stack of processes on a shared machine
async def test_a_service_killed_mid_batch_decides_each_retried_submission_once(
    stack: ServiceStack,
) -> None:
    manager = _headers(stack, "mgr-clickday", "programme_manager")
    sme = _headers(stack, "sme-clickday", "applicant")
    url = stack.urls["applications"]
    async with httpx.AsyncClient(timeout=60) as http:
        call_id, drafts = await _open_call_with_drafts(stack, http, manager, sme)
        before: dict[str, tuple[int, Any]] = {}
        answered = asyncio.Event()

        async def submit(draft_id: str) -> tuple[int, Any]:
            answer = await http.post(
                f"{url}/v1/applications/{draft_id}/submit",
                headers={**sme, "Idempotency-Key": f"cd-{draft_id}"},
            )
            body = answer.json()
            return answer.status_code, body.get("application", body).get("receipt")

        async def first_try(draft_id: str) -> None:
            try:
                before[draft_id] = await submit(draft_id)
            except httpx.HTTPError:
                return  # in flight when the process died
            if len(before) >= 10:
                answered.set()

        tries = [asyncio.create_task(first_try(d)) for d in drafts]
        await answered.wait()
        await asyncio.to_thread(stack.restart, "applications", signal.SIGKILL)
        await asyncio.gather(*tries)
        assert 10 <= len(before) < SUBMISSIONS  # killed with submissions in flight

        after = {d: await submit(d) for d in drafts}
        listed = (
            await http.get(
                f"{url}/v1/applications", headers=manager, params={"call_id": call_id, "limit": 500}
            )
        ).json()["items"]

    for draft_id, answer in before.items():
        assert after[draft_id] == answer  # replayed, not decided again
    receipts = sorted(a["receipt"] for a in listed)
    assert receipts == list(range(1, SUBMISSIONS + 1))
    statuses = [a["status"] for a in listed]
    assert statuses.count("selected") == FUNDED
    assert set(statuses) == {"selected", "reserve"}
