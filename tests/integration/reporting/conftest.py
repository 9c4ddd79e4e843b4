"""One small programme for the whole package, played through the real services,
with reporting consuming their topics; the tests read it (and only the verify
module, which tampers with a history, builds a world of its own)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cascade.migrate import migrate
from shared.clock import FixedClock
from shared.db import drop_database, with_database
from shared.settings import Settings
from tests.conftest import unique_name
from tests.support.applications import World, running_applications
from tests.support.applications import client_of as applications_client_of
from tests.support.calls import T0, running_calls
from tests.support.calls import client_of as calls_client_of
from tests.support.payments import running_payments
from tests.support.reporting import ReportingWorld, running_reporting
from tests.support.reporting_scenario import Story, play


def fresh_settings(pg_server_url: str, kafka_bootstrap: str) -> Settings:
    """Like the `settings` fixture: database and topic prefixes of their own."""
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
        database_pool_size=4,
    )


@pytest.fixture(scope="package")
def module_settings(pg_server_url: str, kafka_bootstrap: str) -> Settings:
    return fresh_settings(pg_server_url, kafka_bootstrap)


@pytest.fixture(scope="package")
async def module_databases(pg_server_url: str) -> AsyncIterator[dict[str, str]]:
    """A migrated database per service."""
    urls = {
        service: with_database(pg_server_url, f"{unique_name()}_{service}")
        for service in ("calls", "applications", "payments", "reporting")
    }
    for service, url in urls.items():
        await migrate(service, url)
    yield urls
    for url in urls.values():
        await drop_database(url)


@pytest.fixture(scope="package")
async def reporting_world(
    module_settings: Settings, module_databases: dict[str, str]
) -> AsyncIterator[ReportingWorld]:
    clock = FixedClock(T0)
    settings, dbs = module_settings, module_databases
    async with (
        running_calls(settings, dbs["calls"], clock, consume=True) as calls_app,
        calls_client_of(calls_app) as calls,
        running_applications(settings, dbs["applications"], clock) as applications,
        applications_client_of(applications) as client,
        running_payments(settings, dbs["payments"], clock) as payments,
        applications_client_of(payments) as payments_client,
    ):
        world = World(settings, clock, calls_app, calls, applications, client)
        apps = {"calls": calls_app, "applications": applications, "payments": payments}
        async with (
            running_reporting(settings, dbs["reporting"], clock, apps) as reporting,
            applications_client_of(reporting) as reporting_client,
        ):
            yield ReportingWorld(world, payments, payments_client, reporting, reporting_client)


@pytest.fixture(scope="package")
async def story(reporting_world: ReportingWorld) -> Story:
    return await play(reporting_world)
