"""`GET /v1/events`, the auditors' feed, on the counters test service: envelopes
as published, commit-safe order, opaque paging, roles."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.app import Chassis, create_app
from shared.eventstore import CommandContext
from shared.ids import uuid7
from shared.settings import Settings
from tests.support import counters
from tests.support.api import assert_problem, auth, create
from tests.support.waiting import polls


async def walk_feed(
    client: httpx.AsyncClient, headers: dict[str, str], limit: int, expected: int
) -> tuple[list[dict[str, Any]], list[int], str | None]:
    """Every event of the feed, page by page; retried while another test's open
    transaction (on the same server) holds the commit-safe horizon back."""
    for _ in polls():
        items: list[dict[str, Any]] = []
        sizes: list[int] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": limit} | ({"after": after} if after else {})
            response = await client.get("/v1/events", params=params, headers=headers)
            assert response.status_code == 200, response.text
            page = response.json()
            sizes.append(len(page["items"]))
            items += page["items"]
            if not page["items"]:
                assert page["next_cursor"] == after  # the end repeats where to poll from
                break
            after = page["next_cursor"]
        if len(items) >= expected:
            return items, sizes, after
        await asyncio.sleep(0.1)
    raise AssertionError(f"the feed showed {len(items)} of {expected} events")


async def test_the_feed_pages_through_every_envelope_in_commit_order(
    client: httpx.AsyncClient,
    manager: dict[str, str],
    settings: Settings,
) -> None:
    ids: list[str] = []
    first = await create(client, manager, "a")
    ids += first["event_ids"]
    ids += (await create(client, manager, "b"))["event_ids"]
    for _ in range(3):
        response = await client.post(
            f"/v1/counters/{first['id']}/increment", json={"by": 1}, headers=manager
        )
        ids += response.json()["event_ids"]
    auditor = auth(settings, "auditor", sub="audrey")
    items, sizes, last = await walk_feed(client, auditor, limit=2, expected=5)
    assert sizes == [2, 2, 1, 0]
    assert [item["id"] for item in items] == ids
    assert [item["position"] for item in items] == sorted(item["position"] for item in items)
    envelope = items[0]
    for field in (
        "id",
        "type",
        "schema_version",
        "stream_type",
        "stream_id",
        "version",
        "occurred_at",
        "recorded_at",
        "actor",
        "correlation_id",
        "causation_id",
        "traceparent",
        "payload",
        "prev_hash",
        "hash",
        "position",
    ):
        assert field in envelope
    assert envelope["actor"] == {"sub": "alice", "roles": ["programme_manager"]}
    stream = [i for i in items if i["stream_id"] == first["id"]]
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(stream, stream[1:], strict=False))
    # Polling from the last cursor shows only what was recorded since.
    later = await create(client, manager, "c")
    for _ in polls():
        page = (await client.get("/v1/events", params={"after": last}, headers=auditor)).json()
        if page["items"]:
            break
        await asyncio.sleep(0.1)
    assert [item["id"] for item in page["items"]] == later["event_ids"]


async def test_the_feed_never_skips_an_event_that_commits_late(
    client: httpx.AsyncClient,
    manager: dict[str, str],
    settings: Settings,
    app: FastAPI,
) -> None:
    chassis: Chassis = app.state.chassis
    auditor = auth(settings, "auditor")
    async with chassis.engine.connect() as slow:
        transaction = await slow.begin()
        [late] = await chassis.store.append(
            slow,
            stream_type="counter",
            stream_id=str(uuid7()),
            expected_version=0,
            new_events=[counters.CounterCreated(name="late")],
            context=CommandContext(),
        )
        early = await create(client, manager, "early")
        # The committed event took a later position than the open transaction's:
        # the feed holds it back rather than hand out a cursor beyond `late`.
        page = (await client.get("/v1/events", headers=auditor)).json()
        assert page == {"items": [], "next_cursor": None}
        await transaction.commit()
    items, _, _ = await walk_feed(client, auditor, limit=1, expected=2)
    assert [item["id"] for item in items] == [str(late.id), *early["event_ids"]]
    assert items[0]["position"] < items[1]["position"]


@pytest.mark.parametrize(
    ("roles", "status"),
    [
        (("auditor",), 200),
        (("admin",), 200),
        (("programme_manager", "finance_officer"), 403),
    ],
)
async def test_the_feed_is_for_auditors_and_admins(
    client: httpx.AsyncClient,
    settings: Settings,
    roles: tuple[str, ...],
    status: int,
) -> None:
    response = await client.get("/v1/events", headers=auth(settings, *roles))
    assert response.status_code == status
    assert_problem(await client.get("/v1/events"), 401, "unauthorized")


def cursor_of(*parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "after",
    [
        "12-34",
        "garbage",
        cursor_of(-1, 5),
        cursor_of(2**70, 1),
        cursor_of("1", "x"),
        cursor_of(1),
    ],
)
async def test_a_feed_position_the_feed_did_not_hand_out_is_422(
    client: httpx.AsyncClient,
    settings: Settings,
    after: str,
) -> None:
    response = await client.get(
        "/v1/events", params={"after": after}, headers=auth(settings, "auditor")
    )
    body = assert_problem(response, 422, "invalid_cursor")
    assert body["errors"][0]["field"] == "query.after"


async def test_the_feed_documents_its_positions_as_opaque(app: FastAPI) -> None:
    operation = app.openapi()["paths"]["/v1/events"]["get"]
    assert "Positions are opaque" in operation["description"]


def test_a_service_that_owns_no_events_serves_no_feed(settings: Settings) -> None:
    application = create_app(counters.service(owns_events=False), settings)
    assert "/v1/events" not in application.openapi()["paths"]
    assert "/v1/counters" in application.openapi()["paths"]
