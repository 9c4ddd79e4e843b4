"""The append path under the caller's transaction: it commits and rolls back with
it, batches are all or nothing, concurrent writers keep every chain whole, and
a lost connection is the database error the HTTP layer answers with 503."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.audit import verify
from shared.errors import VersionConflict
from shared.eventstore import CommandContext, EventStore
from shared.feed import read_committed
from tests.support.events import counted

KEY = b"append-path-key"


async def stored(engine: AsyncEngine, stream_id: str) -> list[int]:
    async with engine.connect() as conn:
        return [e.version for e in await EventStore(KEY).load(conn, stream_id)]


async def test_an_append_as_the_transactions_first_statement_rolls_back_with_it(
    engine: AsyncEngine,
) -> None:
    store = EventStore(KEY)
    async with engine.connect() as conn:
        await store.append(
            conn,
            stream_type="counter",
            stream_id="r-1",
            expected_version=0,
            new_events=counted(1, 2),
            context=CommandContext(),
        )
        await conn.rollback()
    assert await stored(engine, "r-1") == []
    async with engine.connect() as conn:
        assert await store.head(conn, "r-1") is None


async def test_an_append_commits_with_the_callers_other_writes(engine: AsyncEngine) -> None:
    store = EventStore(KEY)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE side (n int)"))

    async def failing_command() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO side VALUES (1)"))
            await store.append(
                conn,
                stream_type="counter",
                stream_id="r-2",
                expected_version=0,
                new_events=counted(1),
                context=CommandContext(),
            )
            raise RuntimeError("the command fails after appending")

    with pytest.raises(RuntimeError):
        await failing_command()
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM side"))).scalar_one() == 0
    assert await stored(engine, "r-2") == []


async def test_a_batch_is_stored_whole_in_version_and_feed_order(engine: AsyncEngine) -> None:
    store = EventStore(KEY)
    async with engine.begin() as conn:
        recorded = await store.append(
            conn,
            stream_type="counter",
            stream_id="b-1",
            expected_version=0,
            new_events=counted(*range(1, 101)),
            context=CommandContext(),
        )
    assert [e.version for e in recorded] == list(range(1, 101))
    positions = [e.position for e in recorded]
    assert positions == sorted(positions)
    assert all(
        later.prev_hash == earlier.hash
        for earlier, later in zip(recorded, recorded[1:], strict=False)
    )
    async with engine.connect() as conn:
        feed = await read_committed(conn, limit=200)
        assert [item.envelope.version for item in feed] == list(range(1, 101))
        assert [e.hash for e in await store.load(conn, "b-1")] == [e.hash for e in recorded]
        assert await verify(conn, KEY) == []


async def test_a_batch_behind_the_stream_writes_none_of_its_events(engine: AsyncEngine) -> None:
    store = EventStore(KEY)
    async with engine.begin() as conn:
        await store.append(
            conn,
            stream_type="counter",
            stream_id="b-2",
            expected_version=0,
            new_events=counted(1, 2, 3),
            context=CommandContext(),
        )
    for expected in (1, 5):  # behind the stream, and ahead of it
        with pytest.raises(VersionConflict):
            async with engine.begin() as conn:
                await store.append(
                    conn,
                    stream_type="counter",
                    stream_id="b-2",
                    expected_version=expected,
                    new_events=counted(*range(50)),
                    context=CommandContext(),
                )
    assert await stored(engine, "b-2") == [1, 2, 3]
    async with engine.connect() as conn:
        head = await store.head(conn, "b-2")
    assert head is not None
    assert head.version == 3


async def test_concurrent_writers_of_many_streams_keep_every_chain_whole(
    engine: AsyncEngine,
) -> None:
    store = EventStore(KEY)

    async def writer(w: int) -> int:
        conflicts = 0
        for i in range(20):
            stream_id = f"w-{i % 4}"  # four streams shared by all writers
            while True:
                try:
                    async with engine.begin() as conn:
                        head = await store.head(conn, stream_id)
                        await store.append(
                            conn,
                            stream_type="counter",
                            stream_id=stream_id,
                            expected_version=head.version if head else 0,
                            new_events=counted(w, i),
                            context=CommandContext(),
                        )
                    break
                except VersionConflict:
                    conflicts += 1
        return conflicts

    await asyncio.gather(*(writer(w) for w in range(8)))
    versions = [await stored(engine, f"w-{s}") for s in range(4)]
    assert sum(map(len, versions)) == 8 * 20 * 2
    assert all(v == list(range(1, len(v) + 1)) for v in versions)
    async with engine.connect() as conn:
        assert await verify(conn, KEY) == []


async def test_a_connection_lost_under_an_append_is_an_invalidated_database_error(
    engine: AsyncEngine,
) -> None:
    store = EventStore(KEY)
    async with engine.connect() as conn:
        pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        await conn.commit()
        async with engine.connect() as killer:
            await killer.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        with pytest.raises(DBAPIError) as caught:
            await store.append(
                conn,
                stream_type="counter",
                stream_id="l-1",
                expected_version=0,
                new_events=counted(1),
                context=CommandContext(),
            )
    assert caught.value.connection_invalidated
    assert await stored(engine, "l-1") == []
