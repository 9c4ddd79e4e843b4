"""create_app(): the one factory every service's FastAPI app comes from."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaClient
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import auth, data_subjects, feed_api, metrics, problems, telemetry
from shared.body_limit import BodyLimit
from shared.bus import bootstrap, event_topic
from shared.chassis import Chassis, Component, Reproject
from shared.clock import Clock, SystemClock
from shared.consumer import ConsumerRunner, Handlers
from shared.db import make_engine
from shared.eventstore import EventStore
from shared.keystore import subject_keys
from shared.openapi import document_problems
from shared.relay import Relay
from shared.repository import Repository
from shared.settings import Settings

__all__ = [
    "Chassis",
    "Component",
    "ComponentFactory",
    "ServiceDefinition",
    "consumes",
    "create_app",
]

log = logging.getLogger("cascade.app")


ComponentFactory = Callable[[Chassis], Sequence[Component]]


@dataclass
class ServiceDefinition:
    """What makes one service: its routes and its background components, and what
    the chassis and the composition root need to know of it (ports, topics, schema)."""

    name: str
    title: str
    description: str
    port: int
    routers: Sequence[APIRouter] = ()
    components: Sequence[ComponentFactory] = ()
    # A service that records events of its own publishes them on `<name>.events`
    # and serves them at GET /v1/events.
    owns_events: bool = True
    # The services whose event topics it consumes (it then has a dead-letter topic).
    consumes: Sequence[str] = ()
    # Its own Alembic revisions, applied after the chassis' ones.
    migrations: Path | None = None
    # Its own tables as declared once (services/<name>/tables.py): what its revisions
    # must build beside the chassis tables (tests/integration/test_schema_drift.py).
    tables: MetaData | None = None
    # Its query rows of a stream made again from the stream's events (see Chassis.reproject).
    reproject: Reproject | None = None


async def check_database(engine: AsyncEngine, timeout: float = 2.0) -> str | None:
    try:
        async with asyncio.timeout(timeout), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its reason
        return f"database unreachable: {type(exc).__name__}: {exc}"[:300]


async def check_broker(settings: Settings, timeout: float = 2.0) -> str | None:
    client = AIOKafkaClient(bootstrap_servers=bootstrap(settings), request_timeout_ms=2000)
    try:
        async with asyncio.timeout(timeout):
            await client.bootstrap()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its reason
        return f"broker unreachable: {type(exc).__name__}: {exc}"[:300]
    finally:
        await client.close()


async def _dead_letter_checks(chassis: Chassis) -> dict[str, str]:
    checks = {}
    for component in chassis.components:
        if isinstance(component, ConsumerRunner):
            unresolved = await component.unresolved_dead_letters()
            checks[f"dead_letters.{component.consumer}"] = (
                f"{unresolved} unresolved: cascade dlq list --consumer {component.consumer}"
                if unresolved
                else "none"
            )
    return checks


def consumes(sources: Sequence[str], handlers: Handlers) -> ComponentFactory:
    """A component factory: the service's consumer of other services' event topics."""

    def make(chassis: Chassis) -> list[Component]:
        topics = [event_topic(chassis.settings, source) for source in sources]
        if handlers.batch is None:
            data_subjects.honour_erasures(sources, handlers, chassis)
        return [
            ConsumerRunner(
                chassis.settings,
                chassis.engine,
                chassis.service,
                topics,
                handlers,
                clock=chassis.clock,
            )
        ]

    return make


# A stop must fit in the termination grace period (30 s by default on Kubernetes).
STOP_TIMEOUT_S = 10.0


async def stop_within(component: Component, seconds: float) -> None:
    try:
        async with asyncio.timeout(seconds):
            await component.stop()
    except TimeoutError:
        log.error("component did not stop in time", extra={"component": repr(component)})


def create_app(
    service: ServiceDefinition, settings: Settings, *, clock: Clock | None = None
) -> FastAPI:
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(
            settings.database_url_of(service.name), pool_size=settings.database_pool_size
        )
        store = EventStore(
            settings.integrity_key.get_secret_value().encode(), clock, subject_keys(settings)
        )
        chassis = Chassis(
            service.name,
            settings,
            engine,
            store,
            Repository(store, settings.snapshot_every),
            clock,
            app.state.metrics,
            reproject=service.reproject,
        )
        app.state.chassis = chassis
        if service.owns_events:
            # First to start, last to stop: it publishes what the others record.
            chassis.components.append(Relay(settings, engine, event_topic(settings, service.name)))
        for factory in service.components:
            chassis.components.extend(factory(chassis))
        app.state.metrics.components = chassis.components
        for component in chassis.components:
            await component.start()
        log.info("service started", extra={"service": service.name})
        try:
            yield
        finally:
            # Stop in reverse: consumers before the relay they may feed.
            for component in reversed(chassis.components):
                await stop_within(component, STOP_TIMEOUT_S)
            await engine.dispose()
            log.info("service stopped", extra={"service": service.name})

    app = FastAPI(
        title=service.title, description=service.description, version="1", lifespan=lifespan
    )
    app.state.metrics = metrics.ServiceMetrics(service.name)
    problems.install(app)
    app.add_middleware(BodyLimit, limit=settings.max_request_body_bytes)
    auth.install(app, settings)
    telemetry.instrument(app)
    metrics.install(app, app.state.metrics)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "service": service.name}

    @app.get("/readyz", tags=["health"])
    async def readyz() -> Any:
        """Readiness: the database and the broker both answer."""
        chassis: Chassis = app.state.chassis
        db, broker = await asyncio.gather(check_database(chassis.engine), check_broker(settings))
        checks = {"database": db or "ok", "broker": broker or "ok"}
        if db is None:
            # Said, not failed on: a dead letter needs a person, not fewer instances.
            checks.update(await _dead_letter_checks(chassis))
        if db or broker:
            return problems.problem(
                503,
                "not_ready",
                "Not ready",
                "; ".join(r for r in (db, broker) if r),
                checks=checks,
            )
        return JSONResponse({"status": "ready", "service": service.name, "checks": checks})

    if service.owns_events:
        app.include_router(feed_api.router)
    app.include_router(data_subjects.router)
    for router in service.routers:
        app.include_router(router)

    def openapi_with_problems() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi_with_problems  # type: ignore[method-assign]
    return app
