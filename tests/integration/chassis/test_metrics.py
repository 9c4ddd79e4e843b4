"""What Prometheus scrapes from a service: request latency, relay backlog and
published count, consumer lag, handled events and dead letters."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.app import consumes, create_app
from shared.bus import event_topic
from shared.consumer import Handlers
from shared.events import Envelope
from shared.settings import Settings
from tests.conftest import MakeDatabase
from tests.support import counters
from tests.support.api import auth, client_of
from tests.support.waiting import polls


def value(scrape: str, name: str, **labels: str) -> float | None:
    for line in scrape.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.fixture
async def app(settings: Settings, service_database: MakeDatabase) -> AsyncIterator[FastAPI]:
    """The counters service, consuming its own events: a poisoned name fails."""
    handlers = Handlers()

    @handlers.on(counters.CounterCreated.event_type)
    async def on_created(
        conn: AsyncConnection, envelope: Envelope, created: counters.CounterCreated
    ) -> None:
        if created.name == "poison":
            raise ValueError("this counter cannot be handled")

    own = counters.CounterSettings(
        **{**settings.model_dump(), "consumer_max_retries": 1},
        counters_database_url=await service_database(counters.NAME),
    )
    definition = counters.service()
    definition.components = [consumes([counters.NAME], handlers)]
    application = create_app(definition, own)
    async with application.router.lifespan_context(application):
        yield application


async def scrape_until(client: httpx.AsyncClient, name: str, wanted: float, **labels: str) -> str:
    for _ in polls():
        scrape = (await client.get("/metrics")).text
        if value(scrape, name, **labels) == wanted:
            return scrape
        await asyncio.sleep(0.1)
    raise AssertionError(f"{name} {labels} never reached {wanted}:\n{scrape}")


async def test_metrics_show_requests_publishing_handling_and_dead_letters(
    app: FastAPI,
    settings: Settings,
) -> None:
    topic = event_topic(settings, counters.NAME)
    async with client_of(app) as client:
        headers = auth(settings, "programme_manager")
        for name in ("one", "two", "poison"):
            assert (
                await client.post("/v1/counters", json={"name": name}, headers=headers)
            ).status_code == 201
        await scrape_until(client, "cascade_relay_published_total", 3, topic=topic)
        await scrape_until(client, "cascade_dead_letters_total", 1, consumer=counters.NAME)
        scrape = await scrape_until(
            client, "cascade_consumer_handled_total", 2, consumer=counters.NAME
        )
        ready = await client.get("/readyz")
    # A dead letter leaves this service counting less than its source: said until replayed.
    assert value(scrape, "cascade_dead_letters_unresolved", consumer=counters.NAME) == 1
    assert ready.status_code == 200
    assert ready.json()["checks"][f"dead_letters.{counters.NAME}"] == (
        f"1 unresolved: cascade dlq list --consumer {counters.NAME}"
    )
    assert value(scrape, "cascade_relay_backlog_events", topic=topic) == 0
    assert value(scrape, "cascade_relay_lag_seconds", topic=topic) == 0
    assert (
        value(
            scrape,
            "cascade_http_request_seconds_count",
            route="/v1/counters",
            method="POST",
            status="201",
        )
        == 3
    )
    lags = [
        value(scrape, "cascade_consumer_lag_messages", topic=topic, partition=str(p))
        for p in range(settings.event_topic_partitions)
    ]
    assert any(lag is not None for lag in lags)
    assert all(lag in (None, 0) for lag in lags)
