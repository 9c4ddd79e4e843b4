"""Appends: the event store against raw asyncpg (one event, a batch against
`COPY`, one-row transactions over many connections) and against the
`eventsourcing` library's PostgreSQL recorder, on the same server."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.figures import Tally
from shared.events import Event, event
from shared.eventstore import CommandContext, EventStore
from shared.integrity import GENESIS, event_hash

SINGLE_APPENDS, ROUNDS = 2_000, 4
BATCHES, BATCH_SIZE = 50, 100
ONE_ROW_TXS = 4_000
WRITERS, WRITER_APPENDS = 8, 250
KEY = b"bench-key"
COLUMNS = (
    "id",
    "stream_type",
    "stream_id",
    "version",
    "type",
    "schema_version",
    "occurred_at",
    "recorded_at",
    "actor",
    "correlation_id",
    "causation_id",
    "traceparent",
    "payload",
    "prev_hash",
    "hash",
)
INSERT = (
    f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES "
    f"({', '.join(f'${i}' for i in range(1, len(COLUMNS) + 1))})"
)
HEAD = "INSERT INTO stream_heads (stream_id, stream_type, version, hash) VALUES ($1, $2, $3, $4)"


@event("bench.Ticked")
class Ticked(Event):
    n: int
    note: str = "a payload of typical size for a small domain event"


def raw_row(stream_id: str, version: int, prev_hash: str) -> tuple[Any, ...]:
    """The row the store would write, prepared outside the timed loop."""
    now = datetime.now(UTC)
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "stream_type": "bench",
        "stream_id": stream_id,
        "version": version,
        "type": Ticked.event_type,
        "schema_version": 1,
        "occurred_at": now,
        "recorded_at": now,
        "actor": {"sub": "bench", "roles": []},
        "correlation_id": uuid.uuid4(),
        "causation_id": None,
        "traceparent": None,
        "payload": Ticked(n=version).model_dump(mode="json"),
        "prev_hash": prev_hash,
    }
    row["hash"] = event_hash(KEY, prev_hash, row)
    row["actor"], row["payload"] = json.dumps(row["actor"]), json.dumps(row["payload"])
    return tuple(row[c] for c in COLUMNS)


async def append_one(engine: AsyncEngine, store: EventStore, stream_id: str, n: int) -> None:
    async with engine.begin() as conn:
        await store.append(
            conn,
            stream_type="bench",
            stream_id=stream_id,
            expected_version=0,
            new_events=[Ticked(n=n)],
            context=CommandContext(),
        )


@dataclass
class SingleAppends:
    store: Tally
    raw: Tally
    store_statement_cpu: float  # seconds inside `append`, the caller's transaction aside
    raw_statement_cpu: float


async def single_appends(
    engine: AsyncEngine, raw: asyncpg.Connection, advance: Callable[[int], None]
) -> SingleAppends:
    """Store and raw in alternating rounds, so that a busy neighbour slows both alike."""
    store = EventStore(KEY)
    result = SingleAppends(Tally(), Tally(), 0.0, 0.0)
    per_round = SINGLE_APPENDS // ROUNDS
    rows = [raw_row(f"raw-{i}", 1, GENESIS) for i in range(SINGLE_APPENDS)]
    for r in range(ROUNDS):
        with result.store.measure(per_round):
            for i in range(r * per_round, (r + 1) * per_round):
                async with engine.begin() as conn:
                    cpu = time.process_time()
                    await store.append(
                        conn,
                        stream_type="bench",
                        stream_id=f"s-{i}",
                        expected_version=0,
                        new_events=[Ticked(n=i)],
                        context=CommandContext(),
                    )
                    result.store_statement_cpu += time.process_time() - cpu
            advance(per_round)
        with result.raw.measure(per_round):
            # The same rows the store writes (the event and its stream's head), in
            # one transaction each, the way a hand-written asyncpg version would.
            for row in rows[r * per_round : (r + 1) * per_round]:
                async with raw.transaction():
                    cpu = time.process_time()
                    await raw.execute(INSERT, *row)
                    await raw.execute(HEAD, row[2], row[1], row[3], row[-1])
                    result.raw_statement_cpu += time.process_time() - cpu
            advance(per_round)
    return result


async def batch_appends(
    engine: AsyncEngine, raw: asyncpg.Connection, advance: Callable[[int], None]
) -> tuple[Tally, Tally]:
    store, through_store, copy = EventStore(KEY), Tally(), Tally()
    for b in range(BATCHES):
        prev, batch = GENESIS, []
        for v in range(1, BATCH_SIZE + 1):
            row = raw_row(f"copy-{b}", v, prev)
            prev = row[-1]
            batch.append(row)
        with through_store.measure(BATCH_SIZE):
            async with engine.begin() as conn:
                await store.append(
                    conn,
                    stream_type="bench",
                    stream_id=f"batch-{b}",
                    expected_version=0,
                    new_events=[Ticked(n=i) for i in range(BATCH_SIZE)],
                    context=CommandContext(),
                )
        with copy.measure(BATCH_SIZE):
            async with raw.transaction():
                await raw.copy_records_to_table("events", records=batch, columns=COLUMNS)
                last = batch[-1]
                await raw.execute(HEAD, last[2], last[1], last[3], last[-1])
        advance(2)
    return through_store, copy


async def concurrently(
    workers: int, total: int, work: Callable[[int, int], Awaitable[None]]
) -> Tally:
    """`total` calls of `work(worker, i)` spread over `workers` tasks."""
    tally = Tally()

    async def worker(w: int) -> None:
        for i in range(w, total, workers):
            await work(w, i)

    with tally.measure(total):
        await asyncio.gather(*(worker(w) for w in range(workers)))
    return tally


async def one_row_transactions(raw_url: str, connections: int) -> Tally:
    """The raw rate of one-row transactions over `connections` connections: the
    ceiling the click day is compared with."""
    pool = await asyncpg.create_pool(raw_url, min_size=connections, max_size=connections)
    try:
        async with pool.acquire() as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS one_row (id bigserial PRIMARY KEY, "
                "worker int NOT NULL, n int NOT NULL, note text NOT NULL)"
            )

        async def insert(worker: int, n: int) -> None:
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    "INSERT INTO one_row (worker, n, note) VALUES ($1, $2, $3)",
                    worker,
                    n,
                    "one row",
                )

        return await concurrently(connections, ONE_ROW_TXS, insert)
    finally:
        await pool.close()


async def store_appends_concurrently(engine: AsyncEngine, connections: int, tag: str) -> Tally:
    store = EventStore(KEY)
    return await concurrently(
        connections,
        ONE_ROW_TXS,
        lambda w, i: append_one(engine, store, f"{tag}-{connections}-{i}", i),
    )
