"""Driving the counters test service over HTTP: a running app, tokens, checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from shared.app import Chassis, create_app
from shared.auth import mint_token
from shared.settings import Settings
from tests.support import counters

PROBLEM = "application/problem+json"


@asynccontextmanager
async def running(settings: Settings, database_url: str) -> AsyncIterator[FastAPI]:
    """The counters service on a migrated database, with its lifespan started."""
    own = counters.CounterSettings(**settings.model_dump(), counters_database_url=database_url)
    app = create_app(counters.service(), own)
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def client_of(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://counters") as client:
        yield client


def auth(settings: Settings, *roles: str, sub: str = "alice") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(settings, sub, list(roles))}"}


async def event_count(app: FastAPI) -> int:
    chassis: Chassis = app.state.chassis
    async with chassis.engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM events"))).scalar_one())


async def create(client: httpx.AsyncClient, headers: dict[str, str], name: str = "c") -> Any:
    response = await client.post("/v1/counters", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status and stable code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    assert body["type"].endswith(code)
    assert body["title"]
    assert body["detail"]
    return body
