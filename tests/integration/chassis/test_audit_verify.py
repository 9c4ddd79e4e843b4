"""Tampering with stored events (behind the append-only trigger's back) is found
and named, by the verify function and by `cascade audit verify`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

import shared.audit
from cascade.cli.main import app as cli
from cascade.migrate import migrate
from shared.audit import verify
from shared.db import drop_database, make_engine
from shared.eventstore import CommandContext, EventStore
from shared.settings import Settings
from tests.support.events import counted

KEY = b"audit-test-key"


async def write_stream(engine: AsyncEngine, stream_id: str, n: int, key: bytes = KEY) -> None:
    store = EventStore(key)
    for version in range(1, n + 1):
        async with engine.begin() as conn:
            await store.append(
                conn,
                stream_type="counter",
                stream_id=stream_id,
                expected_version=version - 1,
                new_events=counted(version),
                context=CommandContext(),
            )


async def tamper(engine: AsyncEngine, *statements: str) -> None:
    """What someone with raw database access could do: bypass the trigger."""
    async with engine.begin() as conn:
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        for sql in statements:
            await conn.execute(text(sql))


async def found(engine: AsyncEngine) -> list[tuple[str, str, int | None]]:
    async with engine.connect() as conn:
        return [(b.kind, b.stream_id, b.version) for b in await verify(conn, KEY)]


@pytest.fixture
async def history(engine: AsyncEngine) -> AsyncEngine:
    await write_stream(engine, "s-1", 5)
    await write_stream(engine, "s-2", 3)
    return engine


async def test_an_untouched_history_verifies(history: AsyncEngine) -> None:
    assert await found(history) == []


async def test_a_changed_payload_is_named(history: AsyncEngine) -> None:
    await tamper(
        history,
        """UPDATE events SET payload = '{"n": 500}'
                             WHERE stream_id = 's-1' AND version = 2""",
    )
    assert await found(history) == [("altered", "s-1", 2)]


async def test_a_removed_event_is_named(history: AsyncEngine) -> None:
    await tamper(history, "DELETE FROM events WHERE stream_id = 's-1' AND version = 3")
    assert ("missing", "s-1", 3) in await found(history)


async def test_the_removed_newest_event_is_named(history: AsyncEngine) -> None:
    await tamper(history, "DELETE FROM events WHERE position = (SELECT max(position) FROM events)")
    assert await found(history) == [("missing", "s-2", 3)]


async def test_an_inserted_event_is_named(history: AsyncEngine) -> None:
    await tamper(
        history,
        """
        INSERT INTO events (id, stream_type, stream_id, version, type, schema_version,
            occurred_at, recorded_at, actor, correlation_id, payload, prev_hash, hash)
        SELECT gen_random_uuid(), stream_type, stream_id, 4, type, schema_version,
            occurred_at, recorded_at, actor, correlation_id, '{"n": 4}', hash, repeat('f', 64)
        FROM events WHERE stream_id = 's-2' AND version = 3""",
    )
    assert await found(history) == [("altered", "s-2", 4), ("unexpected", "s-2", 4)]


async def test_two_swapped_events_are_named(history: AsyncEngine) -> None:
    await tamper(
        history,
        """UPDATE events SET version = version + 1000 WHERE stream_id = 's-1' AND version IN (2, 3)""",
        """UPDATE events SET version = 1005 - version WHERE stream_id = 's-1' AND version > 1000""",
    )
    broken = await found(history)
    assert ("altered", "s-1", 2) in broken
    assert ("altered", "s-1", 3) in broken
    assert all(stream == "s-1" for _, stream, _ in broken)


async def test_a_history_read_in_pages_names_each_place_across_the_page_boundaries(
    engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages of 4 events: streams and tamperings fall on either side of a boundary."""
    monkeypatch.setattr(shared.audit, "PAGE", 4)
    monkeypatch.setattr(shared.audit, "SLICE", 3)
    for stream_id, n in (("p-1", 3), ("p-2", 6), ("p-3", 2), ("p-4", 5), ("p-5", 1)):
        await write_stream(engine, stream_id, n)
    assert await found(engine) == []
    await tamper(
        engine,
        # p-2 spans pages 1 and 2: its version 2 edited (page 1), its newest removed (page 3)
        """UPDATE events SET payload = '{"n": 200}' WHERE stream_id = 'p-2' AND version = 2""",
        "DELETE FROM events WHERE stream_id = 'p-2' AND version = 6",
        # p-3's events all gone: only its head is left, between two pages' streams
        "DELETE FROM events WHERE stream_id = 'p-3'",
        # p-4, a stream crossing a boundary, loses an event in the middle
        "DELETE FROM events WHERE stream_id = 'p-4' AND version = 3",
        # p-5, the last stream, gains one
        """INSERT INTO events (id, stream_type, stream_id, version, type, schema_version,
            occurred_at, recorded_at, actor, correlation_id, payload, prev_hash, hash)
        SELECT gen_random_uuid(), stream_type, stream_id, 2, type, schema_version,
            occurred_at, recorded_at, actor, correlation_id, '{"n": 2}', hash, repeat('f', 64)
        FROM events WHERE stream_id = 'p-5' AND version = 1""",
    )
    assert sorted(await found(engine), key=str) == sorted(
        [
            ("altered", "p-2", 2),
            ("missing", "p-2", 6),
            ("missing", "p-3", 1),
            ("missing", "p-4", 3),
            ("out_of_order", "p-4", 4),
            ("altered", "p-5", 2),
            ("unexpected", "p-5", 2),
        ],
        key=str,
    )


@pytest.fixture
async def stack_settings(settings: Settings) -> AsyncIterator[Settings]:
    tuned = settings.model_copy(update={"integrity_key": settings.integrity_key})
    for service in ("calls", "applications", "payments"):
        await migrate(service, tuned.database_url_of(service))
    yield tuned
    for service in ("calls", "applications", "payments"):
        await drop_database(tuned.database_url_of(service))


async def test_the_command_reports_each_broken_place_and_fails(stack_settings: Settings) -> None:
    engine = make_engine(stack_settings.database_url_of("calls"))
    key = stack_settings.integrity_key.get_secret_value().encode()
    try:
        await write_stream(engine, "call-1", 3, key)
        env = {
            "DATABASE_URL": stack_settings.database_url,
            "CASCADE_DATABASE_PREFIX": stack_settings.database_prefix,
        }
        intact = await asyncio.to_thread(CliRunner().invoke, cli, ["audit", "verify"], env=env)
        assert intact.exit_code == 0, intact.output
        assert "calls: intact" in intact.output
        await tamper(engine, "DELETE FROM events WHERE stream_id = 'call-1' AND version = 3")
        broken = await asyncio.to_thread(CliRunner().invoke, cli, ["audit", "verify"], env=env)
    finally:
        await engine.dispose()
    assert broken.exit_code == 1
    assert "calls: 1 broken place" in broken.output
    assert "newest event(s) were removed" in broken.output
