"""Driving the payments service in tests: a running app fed with other services'
real events (`payments_upstream`), the real calls and applications services
beside it when needed, and HTTP helpers for grants and payments."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from cascade.migrate import migrate
from cascade.services import ensure_topics
from services.applications.events import OrganisationRef
from services.payments.main import definition
from shared.app import Chassis, create_app
from shared.clock import FixedClock
from shared.db import drop_database, with_database
from shared.events import Envelope
from shared.settings import Settings
from tests.conftest import unique_name
from tests.support.applications import World, running_applications
from tests.support.applications import client_of as applications_client_of
from tests.support.calls import T0, auth, running_calls
from tests.support.calls import client_of as calls_client_of
from tests.support.payments_upstream import Upstream, upstream

Headers = dict[str, str]


def payments_settings(pg_server_url: str, kafka_bootstrap: str) -> Settings:
    """Settings of one test module: its own databases and topics."""
    name = unique_name()
    return Settings(
        environment="test",
        database_url=pg_server_url,
        database_prefix=name,
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_enable_idempotence=False,
        topic_prefix=f"{name}.",
        consumer_session_timeout_ms=6_000,
        consumer_retry_backoff_ms=20,
    )


@asynccontextmanager
async def migrated(pg_server_url: str, service: str) -> AsyncIterator[str]:
    url = with_database(pg_server_url, f"{unique_name()}_{service}")
    await migrate(service, url)
    try:
        yield url
    finally:
        await drop_database(url)


@asynccontextmanager
async def running_payments(
    settings: Settings, database_url: str, clock: FixedClock
) -> AsyncIterator[FastAPI]:
    """The payments service with its relay and its consumer of calls and applications."""
    own = Settings(**{**settings.model_dump(), "payments_database_url": database_url})
    await ensure_topics(own)
    app = create_app(definition(), own, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@dataclass
class Payments:
    """The running service, its client, the upstream services' events, the clock."""

    settings: Settings
    clock: FixedClock
    app: FastAPI
    client: httpx.AsyncClient
    upstream: Upstream

    def as_(self, *roles: str, sub: str) -> Headers:
        return auth(self.settings, *roles, sub=sub)

    @property
    def manager(self) -> Headers:
        return self.as_("programme_manager", sub="pm")

    def officer(self, sub: str) -> Headers:
        return self.as_("finance_officer", sub=sub)

    async def scalar(self, sql: str, **params: Any) -> Any:
        chassis: Chassis = self.app.state.chassis
        async with chassis.engine.connect() as conn:
            return await conn.scalar(text(sql), params)

    async def grant_of(self, application_id: str, timeout: float = 60) -> dict[str, Any]:
        """The grant of a contracted application, once the consumer has awarded it."""
        deadline = time.monotonic() + timeout
        while (
            grant_id := await self.scalar(
                "SELECT id FROM grants WHERE application_id = :a", a=application_id
            )
        ) is None:
            assert time.monotonic() < deadline, f"no grant for {application_id} in {timeout} s"
            await asyncio.sleep(0.02)
        return await self.grant(grant_id)

    async def grant(self, grant_id: str) -> dict[str, Any]:
        answer = await self.client.get(f"/v1/grants/{grant_id}", headers=self.manager)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    async def refusal_of(self, application_id: str, timeout: float = 60) -> dict[str, Any]:
        """The payload of the GrantRefused recorded for an application."""
        deadline = time.monotonic() + timeout
        sql = (
            "SELECT payload FROM events WHERE type = 'payments.GrantRefused' "
            "AND payload->>'application_id' = :a"
        )
        while (payload := await self.scalar(sql, a=application_id)) is None:
            assert time.monotonic() < deadline, f"no refusal of {application_id} in {timeout} s"
            await asyncio.sleep(0.02)
        refused: dict[str, Any] = payload
        return refused

    async def decisions(self, application_ids: list[str], timeout: float = 60) -> dict[str, str]:
        """Each application's outcome once all are decided: `awarded`, or the
        refusal's reason code."""
        sql = (
            "SELECT application_id, 'awarded' AS outcome FROM grants "
            "WHERE application_id = ANY(:a) UNION ALL "
            "SELECT payload->>'application_id', payload->>'reason_code' FROM events "
            "WHERE type = 'payments.GrantRefused' AND payload->>'application_id' = ANY(:a)"
        )
        chassis: Chassis = self.app.state.chassis
        deadline = time.monotonic() + timeout
        while True:
            async with chassis.engine.connect() as conn:
                rows = (await conn.execute(text(sql), {"a": application_ids})).all()
            if len(rows) == len(application_ids):
                return {row[0]: row[1] for row in rows}
            assert time.monotonic() < deadline, f"undecided after {timeout} s: {rows}"
            await asyncio.sleep(0.02)

    async def ledger(self, call_id: str) -> dict[str, Any]:
        answer = await self.client.get(
            "/v1/ledger", params={"call_id": call_id}, headers=self.manager
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    async def organisation(self, member: str, **kwargs: Any) -> OrganisationRef:
        """An organisation registered upstream, once payments knows it."""
        ref = await self.upstream.organisation(member, **kwargs)
        deadline = time.monotonic() + 20
        while not await self.scalar(
            "SELECT count(*) FROM organisations WHERE id = :o", o=ref.organisation_id
        ):
            assert time.monotonic() < deadline, "payments never heard of the organisation"
            await asyncio.sleep(0.02)
        return ref

    async def de_minimis(self, organisation_id: str, **params: str) -> dict[str, Any]:
        """The register's answer for the organisation's single undertaking."""
        answer = await self.client.get(
            f"/v1/organisations/{organisation_id}/de-minimis",
            params=params,
            headers=self.officer("fo-anna"),
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    async def link(self, organisation_id: str, headers: Headers, **body: Any) -> httpx.Response:
        return await self.post(
            f"/v1/organisations/{organisation_id}/links",
            headers,
            **{"relation": "controls", **body},
        )

    async def declare_aid(
        self, organisation_id: str, headers: Headers, **body: Any
    ) -> httpx.Response:
        return await self.post(f"/v1/organisations/{organisation_id}/declared-aid", headers, **body)

    async def post(self, path: str, headers: Headers, **body: Any) -> httpx.Response:
        return await self.client.post(path, json=body, headers=headers)

    async def pay(
        self, instalment_id: str, orderer: str = "fo-anna", approver: str = "fo-ben"
    ) -> dict[str, Any]:
        """Order, approve and disburse an instalment: the disbursed order."""
        ordered = await self.post(
            f"/v1/instalments/{instalment_id}/payment-orders", self.officer(orderer)
        )
        assert ordered.status_code == 201, ordered.text
        order_id = ordered.json()["id"]
        approved = await self.post(f"/v1/payment-orders/{order_id}/approve", self.officer(approver))
        assert approved.status_code == 200, approved.text
        paid = await self.post(
            f"/v1/payment-orders/{order_id}/disbursed",
            self.officer(orderer),
            bank_reference=f"BANK-{order_id[-6:]}",
        )
        assert paid.status_code == 200, paid.text
        body: dict[str, Any] = paid.json()
        return body

    async def handled(self, envelopes: list[Envelope], timeout: float = 60) -> None:
        """Wait until the consumer has handled (or skipped) each of these events."""
        deadline = time.monotonic() + timeout
        ids = [e.id for e in envelopes]
        while await self.scalar("SELECT count(*) FROM inbox WHERE event_id = ANY(:i)", i=ids) < len(
            ids
        ):
            assert time.monotonic() < deadline, f"events not handled in {timeout} s"
            await asyncio.sleep(0.02)

    async def events_of(self, stream_id: str) -> list[str]:
        chassis: Chassis = self.app.state.chassis
        async with chassis.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT type FROM events WHERE stream_id = :s ORDER BY version"),
                {"s": stream_id},
            )
            return [row.type.split(".", 1)[1] for row in rows]


@asynccontextmanager
async def payments_world(pg_server_url: str, kafka_bootstrap: str) -> AsyncIterator[Payments]:
    """One running payments service for a whole test module; tests isolate themselves
    by creating their own programmes, calls and organisations."""
    settings = payments_settings(pg_server_url, kafka_bootstrap)
    clock = FixedClock(T0)
    async with (
        migrated(pg_server_url, "payments") as database,
        migrated(pg_server_url, "upstream") as scratch,
        running_payments(settings, database, clock) as app,
        upstream(settings, scratch) as events,
    ):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://payments", timeout=60
        ) as client:
            yield Payments(settings, clock, app, client, events)


@asynccontextmanager
async def three_services(
    pg_server_url: str, kafka_bootstrap: str
) -> AsyncIterator[tuple[World, Payments]]:
    """The real calls, applications and payments services, talking through the broker:
    a World for calls and applications, and payments beside it."""
    settings = payments_settings(pg_server_url, kafka_bootstrap)
    clock = FixedClock(T0)
    async with (
        migrated(pg_server_url, "calls") as calls_db,
        migrated(pg_server_url, "applications") as applications_db,
        migrated(pg_server_url, "payments") as payments_db,
        migrated(pg_server_url, "upstream") as scratch,
        running_calls(settings, calls_db, clock, consume=True) as calls_app,
        calls_client_of(calls_app) as calls_client,
        running_applications(settings, applications_db, clock) as applications_app,
        applications_client_of(applications_app) as applications_client,
        running_payments(settings, payments_db, clock) as payments_app,
        upstream(settings, scratch) as events,
    ):
        transport = httpx.ASGITransport(app=payments_app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://payments", timeout=60
        ) as client:
            yield (
                World(
                    settings, clock, calls_app, calls_client, applications_app, applications_client
                ),
                Payments(settings, clock, payments_app, client, events),
            )
