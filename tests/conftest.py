"""Session-wide infrastructure: one PostgreSQL server and one broker for the
whole run (from DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set, else an
embedded PostgreSQL and tansu), isolated per test by database and topic names."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from cascade.local.broker import LocalBroker
from cascade.local.postgres import EmbeddedPostgres
from cascade.migrate import migrate
from shared.db import drop_database, make_engine, with_database
from shared.settings import Settings


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    if url := os.environ.get("DATABASE_URL"):
        yield url
        return
    # Not under pytest's tmp_path: another pytest session on this machine prunes
    # old numbered folders there, data directory of a running server included.
    folder = Path(tempfile.mkdtemp(prefix="cascade-test-pg-"))
    server = EmbeddedPostgres(folder / "data")
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if servers := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield servers
        return
    broker = LocalBroker(log_path=tmp_path_factory.mktemp("tansu") / "tansu.log")
    try:
        yield broker.start()
    finally:
        broker.stop()


def unique_name(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@pytest.fixture
def settings(pg_server_url: str, kafka_bootstrap: str) -> Settings:
    """Settings for one test: its own database prefix and topic prefix."""
    name = unique_name()
    return Settings(
        environment="test",
        database_url=pg_server_url,
        database_prefix=name,
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_enable_idempotence=False,
        topic_prefix=f"{name}.",
        consumer_session_timeout_ms=2_000,
        consumer_retry_backoff_ms=20,
    )


MakeDatabase = Callable[[str], Awaitable[str]]


@pytest.fixture
async def service_database(pg_server_url: str) -> AsyncIterator[MakeDatabase]:
    """Creates migrated databases for a service name; drops them afterwards."""
    created: list[str] = []

    async def make(service: str) -> str:
        url = with_database(pg_server_url, f"{unique_name()}_{service}")
        await migrate(service, url)
        created.append(url)
        return url

    yield make
    for url in created:
        await drop_database(url)


@pytest.fixture
async def engine(service_database: MakeDatabase) -> AsyncIterator[AsyncEngine]:
    """An engine on a fresh database with the chassis tables."""
    engine = make_engine(await service_database("chassis"), pool_size=20)
    yield engine
    await engine.dispose()
