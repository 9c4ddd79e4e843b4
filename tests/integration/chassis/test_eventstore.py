"""The event store against real PostgreSQL: appends, conflicts, loads, immutability."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.clock import FixedClock
from shared.errors import VersionConflict
from shared.eventstore import CommandContext, EventStore
from tests.support.events import Counted, counted

KEY = b"test-integrity-key"


async def test_appends_and_loads_a_stream_in_version_order(engine: AsyncEngine) -> None:
    store = EventStore(KEY)
    async with engine.begin() as conn:
        first = await store.append(
            conn,
            stream_type="counter",
            stream_id="c-1",
            expected_version=0,
            new_events=counted(1, 2),
            context=CommandContext(),
        )
        await store.append(
            conn,
            stream_type="counter",
            stream_id="c-1",
            expected_version=2,
            new_events=counted(3),
            context=CommandContext(),
        )
    async with engine.connect() as conn:
        loaded = await store.load(conn, "c-1")
    assert [e.version for e in loaded] == [1, 2, 3]
    assert [e.payload["n"] for e in loaded] == [1, 2, 3]
    assert loaded[0].id == first[0].id
    assert loaded[0].id.version == 7
    assert loaded[1].prev_hash == loaded[0].hash


async def test_a_stale_expected_version_raises_and_writes_nothing(engine: AsyncEngine) -> None:
    store = EventStore(KEY)
    async with engine.begin() as conn:
        await store.append(
            conn,
            stream_type="counter",
            stream_id="c-2",
            expected_version=0,
            new_events=counted(1),
            context=CommandContext(),
        )
    with pytest.raises(VersionConflict):
        async with engine.begin() as conn:
            await store.append(
                conn,
                stream_type="counter",
                stream_id="c-2",
                expected_version=0,
                new_events=counted(9),
                context=CommandContext(),
            )
    async with engine.connect() as conn:
        assert [e.payload["n"] for e in await store.load(conn, "c-2")] == [1]


async def test_of_concurrent_appends_at_the_same_version_exactly_one_wins(
    engine: AsyncEngine,
) -> None:
    store = EventStore(KEY)
    async with engine.begin() as conn:
        await store.append(
            conn,
            stream_type="counter",
            stream_id="c-3",
            expected_version=0,
            new_events=counted(0),
            context=CommandContext(),
        )

    async def attempt(n: int) -> bool:
        try:
            async with engine.begin() as conn:
                await store.append(
                    conn,
                    stream_type="counter",
                    stream_id="c-3",
                    expected_version=1,
                    new_events=counted(n),
                    context=CommandContext(),
                )
            return True
        except VersionConflict:
            return False

    outcomes = await asyncio.gather(*(attempt(n) for n in range(1, 11)))
    assert outcomes.count(True) == 1
    async with engine.connect() as conn:
        assert [e.version for e in await store.load(conn, "c-3")] == [1, 2]


async def test_loads_a_stream_as_it_stood_at_a_version_a_position_or_an_instant(
    engine: AsyncEngine,
) -> None:
    clock = FixedClock(Counted.EPOCH)
    store = EventStore(KEY, clock)
    for n in range(1, 5):
        async with engine.begin() as conn:
            await store.append(
                conn,
                stream_type="counter",
                stream_id="c-4",
                expected_version=n - 1,
                new_events=counted(n),
                context=CommandContext(),
            )
        clock.advance(timedelta(hours=1))
    async with engine.connect() as conn:
        everything = await store.load(conn, "c-4")
        assert len(await store.load(conn, "c-4", to_version=2)) == 2
        up_to_third = await store.load(conn, "c-4", to_position=everything[2].position)
        assert [e.version for e in up_to_third] == [1, 2, 3]
        as_of = await store.load(conn, "c-4", as_of=Counted.EPOCH + timedelta(minutes=90))
        assert [e.version for e in as_of] == [1, 2]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET payload = '{\"n\": 99}'",
        "DELETE FROM events",
        "TRUNCATE events",
    ],
)
async def test_the_database_refuses_to_change_stored_events(
    engine: AsyncEngine, statement: str
) -> None:
    store = EventStore(KEY)
    async with engine.begin() as conn:
        await store.append(
            conn,
            stream_type="counter",
            stream_id="c-5",
            expected_version=0,
            new_events=counted(1),
            context=CommandContext(),
        )
    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as conn:
            await conn.execute(text(statement))
    async with engine.connect() as conn:
        assert [e.payload["n"] for e in await store.load(conn, "c-5")] == [1]
