"""Driving the calls service in tests: a running app on a migrated database with
an injectable clock, tokens, and request bodies modelled on the seed programmes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from cascade.services import ensure_topics
from services.calls.main import definition
from shared.app import Chassis, create_app
from shared.auth import mint_token
from shared.clock import Clock
from shared.settings import Settings

# Re-exported: tests written before the one `eventually` import it from here.
from tests.support.waiting import eventually as eventually

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
EUR = 100  # cents


def iso(instant: datetime) -> str:
    return instant.isoformat()


@asynccontextmanager
async def running_calls(
    settings: Settings,
    database_url: str,
    clock: Clock | None = None,
    *,
    consume: bool = False,
) -> AsyncIterator[FastAPI]:
    """The calls service with its lifespan started (relay, scheduler, and the
    consumer of payments and applications events when `consume`)."""
    own = Settings(**{**settings.model_dump(), "calls_database_url": database_url})
    if consume:
        await ensure_topics(own)
    app = create_app(definition(scheduler_max_sleep_s=0.05, consume=consume), own, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def client_of(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://calls") as client:
        yield client


def auth(settings: Settings, *roles: str, sub: str = "alice") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(settings, sub, list(roles))}"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def programme_body(**changes: Any) -> dict[str, Any]:
    """METASTARS: one programme for the five Eurocluster objectives."""
    return {
        "code": unique("METASTARS"),
        "name": "METAcluster Support Towards a more resilient AeRospace and defence ecosystem",
        "currency": "EUR",
        "budget_cents": 2_000_000 * EUR,
        **changes,
    }


def call_body(programme_id: str, **changes: Any) -> dict[str, Any]:
    """An innovation call at low TRL, ranked, opening a day after T0 for a month."""
    return {
        "programme_id": programme_id,
        "code": unique("IP-LOW"),
        "title": "Innovative projects at low technology readiness levels",
        "kind": "innovation_voucher",
        "selection_mode": "ranked",
        "budget_cents": 600_000 * EUR,
        "max_grant_cents": 60_000 * EUR,
        "min_grant_cents": 10_000 * EUR,
        "planned_awards": 10,
        "opens_at": iso(T0 + DAY),
        "closes_at": iso(T0 + 30 * DAY),
        "objectives": ["innovate", "adopt"],
        "eligibility": [
            {"type": "applicant_country_in", "countries": ["FR", "DE", "IT", "ES", "BE"]},
            {"type": "applicant_size_in", "sizes": ["micro", "small", "medium"]},
            {"type": "trl_between", "min": 3, "max": 5},
            {"type": "one_award_per_beneficiary_in_programme"},
        ],
        "criteria": [
            {
                "code": "excellence",
                "title": "Excellence",
                "weight": 3,
                "max_score": 5,
                "threshold": 3,
            },
            {"code": "impact", "title": "Impact", "weight": 2, "max_score": 5, "threshold": 2.5},
        ],
        "pass_threshold": 3.5,
        "evaluators_per_application": 3,
        "instalments": [
            {"label": "On signature", "percent": 70, "trigger": "on_signature"},
            {"label": "After the final report", "percent": 30, "trigger": "on_report_approved"},
        ],
        "counts_as_de_minimis": True,
        "first_come_reserve_limit": None,
        "funding_sources": [],
        "form": None,
        "required_annexes": [],
        "required_declarations": [],
        "review_request_days": 30,
        **changes,
    }


async def created(response: Awaitable[httpx.Response]) -> dict[str, Any]:
    answer = await response
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def new_programme(
    client: httpx.AsyncClient, headers: dict[str, str], **changes: Any
) -> dict[str, Any]:
    return await created(
        client.post("/v1/programmes", json=programme_body(**changes), headers=headers)
    )


async def new_call(
    client: httpx.AsyncClient, headers: dict[str, str], programme_id: str, **changes: Any
) -> dict[str, Any]:
    return await created(
        client.post("/v1/calls", json=call_body(programme_id, **changes), headers=headers)
    )


async def act(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    call: dict[str, Any],
    action: str,
    **body: Any,
) -> httpx.Response:
    return await client.post(f"/v1/calls/{call['id']}/{action}", json=body, headers=headers)


async def status_of(client: httpx.AsyncClient, headers: dict[str, str], call_id: str) -> str:
    response = await client.get(f"/v1/calls/{call_id}", headers=headers)
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


async def event_types(app: FastAPI, stream_id: str) -> list[str]:
    chassis: Chassis = app.state.chassis
    async with chassis.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT type FROM events WHERE stream_id = :s ORDER BY version"), {"s": stream_id}
        )
        return [row.type for row in rows]
