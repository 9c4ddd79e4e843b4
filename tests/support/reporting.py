"""Driving reporting in tests: the real calls, applications and payments services
and reporting, all in-process on one broker, and the money side of a grant
(payments under four eyes, final reports, recoveries) over payments' HTTP API."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from cascade.services import ensure_topics
from services.reporting.main import definition
from shared.app import Chassis, create_app
from shared.clock import FixedClock
from shared.consumer import ConsumerRunner
from shared.settings import Settings
from tests.support.applications import World
from tests.support.waiting import eventually


def own(settings: Settings, service: str, database_url: str) -> Settings:
    return Settings(**{**settings.model_dump(), f"{service}_database_url": database_url})


def feed_clients(apps: dict[str, FastAPI]) -> Any:
    """Reporting's way to the sources' feeds: in-process, through each app."""

    def client(source: str) -> httpx.AsyncClient:
        if source not in apps:  # a service that is not running: nothing listens there
            return httpx.AsyncClient(base_url="http://127.0.0.1:9", timeout=2)
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=apps[source]), base_url=f"http://{source}"
        )

    return client


@asynccontextmanager
async def running_reporting(
    settings: Settings, database_url: str, clock: FixedClock, apps: dict[str, FastAPI]
) -> AsyncIterator[FastAPI]:
    mine = own(settings, "reporting", database_url)
    await ensure_topics(mine)
    app = create_app(definition(feeds=feed_clients(apps)), mine, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@dataclass
class ReportingWorld:
    """Calls and applications (the `World` of their tests), payments and reporting."""

    world: World
    payments: FastAPI
    payments_client: httpx.AsyncClient
    reporting: FastAPI
    client: httpx.AsyncClient

    @property
    def apps(self) -> dict[str, FastAPI]:
        return {
            "calls": self.world.calls_app,
            "applications": self.world.app,
            "payments": self.payments,
        }

    @property
    def auditor(self) -> dict[str, str]:
        return self.world.as_("auditor", sub="audrey")

    def officer(self, sub: str) -> dict[str, str]:
        return self.world.as_("finance_officer", sub=sub)

    async def grant_of(self, application_id: str, call_id: str) -> dict[str, Any]:
        """The grant payments made of a contracted application, once it has."""
        found: list[dict[str, Any]] = []

        async def awarded() -> bool:
            answer = await self.payments_client.get(
                "/v1/grants",
                headers=self.officer("fo-anna"),
                params={"call_id": call_id, "limit": 500},
            )
            found[:] = [g for g in answer.json()["items"] if g["application_id"] == application_id]
            return bool(found)

        await eventually(awarded, timeout=30)
        return found[0]

    async def pay(self, instalment_id: str, at: datetime) -> None:
        """Order, approve (another officer: four eyes) and disburse at `at`."""
        self.world.clock.set(at)
        ordered = await self._post(
            f"/v1/instalments/{instalment_id}/payment-orders", self.officer("fo-anna")
        )
        order = ordered["id"]
        await self._post(f"/v1/payment-orders/{order}/approve", self.officer("fo-ben"))
        await self._post(
            f"/v1/payment-orders/{order}/disbursed",
            self.officer("fo-anna"),
            bank_reference=f"BANK-{order[-6:]}",
        )

    async def approve_final_report(self, grant_id: str, at: datetime) -> None:
        self.world.clock.set(at)
        report = await self._post(
            f"/v1/grants/{grant_id}/reports", self.world.as_("applicant"), summary="Done as planned"
        )
        await self._post(
            f"/v1/grants/{grant_id}/reports/{report['id']}/approve", self.world.manager
        )

    async def recover(
        self, grant_id: str, amount_cents: int, ordered_at: datetime, received_at: datetime
    ) -> None:
        self.world.clock.set(ordered_at)
        recovery = await self._post(
            f"/v1/grants/{grant_id}/recoveries",
            self.officer("fo-anna"),
            amount_cents=amount_cents,
            reason="costs not eligible",
        )
        self.world.clock.set(received_at)
        await self._post(f"/v1/recoveries/{recovery['id']}/received", self.officer("fo-anna"))

    async def _post(self, path: str, headers: dict[str, str], **body: Any) -> dict[str, Any]:
        answer = await self.payments_client.post(path, json=body, headers=headers)
        assert answer.status_code in (200, 201), answer.text
        result: dict[str, Any] = answer.json()
        return result

    def dead_letters(self) -> int:
        """How many events reporting's consumer could not apply."""
        chassis: Chassis = self.reporting.state.chassis
        return sum(
            c.dead_lettered_total for c in chassis.components if isinstance(c, ConsumerRunner)
        )

    async def source_event_ids(self) -> set[str]:
        ids: set[str] = set()
        for app in self.apps.values():
            chassis: Chassis = app.state.chassis
            async with chassis.engine.connect() as conn:
                ids |= {
                    str(i) for i in (await conn.execute(text("SELECT id FROM events"))).scalars()
                }
        return ids

    async def settled(self, quiet_s: float = 0.3) -> None:
        """Wait until reporting has applied every event the sources have recorded (the
        audit copy is written in the transaction that applies an event), and the
        services' reactions to each other's events have stopped adding more."""
        wanted: set[str] = set()
        while (now := await self.source_event_ids()) != wanted:
            wanted = now
            await eventually(functools.partial(self.copied, wanted), timeout=30)
            await asyncio.sleep(quiet_s)

    async def copied(self, ids: Collection[str]) -> bool:
        chassis: Chassis = self.reporting.state.chassis
        async with chassis.engine.connect() as conn:
            found = (
                await conn.execute(
                    text("SELECT count(*) FROM audit_events WHERE id::text = ANY(:ids)"),
                    {"ids": list(ids)},
                )
            ).scalar_one()
        return int(found) == len(ids)

    async def get(
        self, path: str, headers: dict[str, str] | None = None, **params: Any
    ) -> dict[str, Any]:
        answer = await self.client.get(path, headers=headers or self.auditor, params=params)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body
