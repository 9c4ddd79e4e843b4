"""Driving the applications service in tests: a running app beside the real calls
service (its events reach the replica through the broker), and request bodies."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from cascade.services import ensure_topics
from services.applications.main import definition
from shared.app import Chassis, create_app
from shared.clock import FixedClock
from shared.settings import Settings
from tests.support.calls import DAY, EUR, T0, act, auth, new_call, new_programme
from tests.support.waiting import eventually

Headers = dict[str, str]
OPEN = T0 + DAY  # when call_body's calls open


@asynccontextmanager
async def running_applications(
    settings: Settings, database_url: str, clock: FixedClock
) -> AsyncIterator[FastAPI]:
    """The applications service with its relay and its consumer of `calls.events`."""
    own = Settings(**{**settings.model_dump(), "applications_database_url": database_url})
    await ensure_topics(own)
    app = create_app(definition(), own, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def client_of(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://applications", timeout=60
    ) as client:
        yield client


def pic() -> str:
    return f"{uuid.uuid4().int % 10**9:09d}"


def organisation_body(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Aerotech SAS",
        "country": "FR",
        "size": "small",
        "pic": pic(),
        "registered_on": "2019-05-01",
        "tags": [],
        **changes,
    }


def application_body(call: dict[str, Any], lead_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "call_id": call["id"],
        "lead_organisation_id": lead_id,
        "partner_organisation_ids": [],
        "title": "Composite wing ribs",
        "summary": "Automated layup for small series",
        "requested_cents": 40_000 * EUR,
        "trl": 4,
        "objectives": ["innovate"],
        **changes,
    }


@dataclass
class World:
    """Both services, their clients, the shared clock and the usual callers."""

    settings: Settings
    clock: FixedClock
    calls_app: FastAPI
    calls: httpx.AsyncClient
    app: FastAPI
    client: httpx.AsyncClient

    def as_(self, *roles: str, sub: str = "sme") -> Headers:
        return auth(self.settings, *roles, sub=sub)

    @property
    def manager(self) -> Headers:
        return self.as_("programme_manager", sub="pm")

    async def open_call(self, programme_id: str | None = None, **changes: Any) -> dict[str, Any]:
        """A published call (of a new programme unless given), open in both services' eyes."""
        if programme_id is None:
            programme_id = (await new_programme(self.calls, self.manager))["id"]
        call = await new_call(self.calls, self.manager, programme_id, **changes)
        published = await act(self.calls, self.manager, call, "publish")
        assert published.status_code == 200, published.text
        if self.clock.now() < OPEN:
            self.clock.set(OPEN)
        await self.replica_status(call["id"], "open")
        return call

    async def replica_status(self, call_id: str, status: str) -> None:
        chassis: Chassis = self.app.state.chassis

        async def reached() -> bool:
            async with chassis.engine.connect() as conn:
                found = await conn.scalar(
                    text("SELECT status FROM call_replicas WHERE id = :i"), {"i": call_id}
                )
            return found == status

        await eventually(reached, timeout=30)

    async def organisation(self, headers: Headers, **changes: Any) -> dict[str, Any]:
        answer = await self.client.post(
            "/v1/organisations", json=organisation_body(**changes), headers=headers
        )
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        return body

    async def draft(
        self, headers: Headers, call: dict[str, Any], lead_id: str, **changes: Any
    ) -> dict[str, Any]:
        answer = await self.client.post(
            "/v1/applications", headers=headers, json=application_body(call, lead_id, **changes)
        )
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        return body

    async def consent(
        self, lead: Headers, partner: Headers, application: dict[str, Any], organisation_id: str
    ) -> None:
        """The lead invites a partner it names, and the partner accepts."""
        invited = await self.client.post(
            f"/v1/organisations/{organisation_id}/invitations",
            json={"application_id": application["id"]},
            headers=lead,
        )
        assert invited.status_code == 201, invited.text
        accepted = await self.client.post(
            f"/v1/invitations/{invited.json()['id']}/accept", headers=partner
        )
        assert accepted.status_code == 200, accepted.text

    async def act(
        self, headers: Headers, application: dict[str, Any], action: str, **body: Any
    ) -> httpx.Response:
        return await self.client.post(
            f"/v1/applications/{application['id']}/{action}", json=body, headers=headers
        )


async def event_payloads(app: FastAPI, event_type: str) -> list[dict[str, Any]]:
    chassis: Chassis = app.state.chassis
    async with chassis.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT payload FROM events WHERE type = :t ORDER BY position"), {"t": event_type}
        )
        return [row.payload for row in rows]
