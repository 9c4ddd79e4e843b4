"""Loading aggregates (from a snapshot and the events after it) and storing
their pending events, in the caller's transaction."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.aggregate import Aggregate
from shared.errors import NotFound
from shared.events import Envelope
from shared.eventstore import CommandContext, EventStore
from shared.tables import snapshots

A = TypeVar("A", bound=Aggregate)


class Repository:
    """Aggregates of one service; snapshots every `snapshot_every` versions so
    that long streams load in bounded time."""

    def __init__(self, store: EventStore, snapshot_every: int = 100) -> None:
        self.store = store
        self.snapshot_every = snapshot_every

    async def get(self, conn: AsyncConnection, cls: type[A], stream_id: str) -> A:
        aggregate = await self.find(conn, cls, stream_id)
        if aggregate is None:
            raise NotFound(f"no {cls.stream_type} {stream_id}")
        return aggregate

    async def find(self, conn: AsyncConnection, cls: type[A], stream_id: str) -> A | None:
        start: A | None = None
        row = (
            await conn.execute(
                select(snapshots.c.version, snapshots.c.state).where(
                    snapshots.c.stream_id == stream_id, snapshots.c.stream_type == cls.stream_type
                )
            )
        ).first()
        if row is not None:
            start = cls.from_snapshot(stream_id, row.version, row.state)
        after = start.version if start is not None else 0
        envelopes = await self.store.load(conn, stream_id, after_version=after)
        envelopes = await self.store.reveal(conn, envelopes)
        if start is None and not envelopes:
            return None
        return cls.replay(stream_id, envelopes, start=start)

    async def save(
        self, conn: AsyncConnection, aggregate: Aggregate, context: CommandContext
    ) -> list[Envelope]:
        """Append the aggregate's pending events (VersionConflict if it moved on)."""
        recorded = await self.store.append(
            conn,
            stream_type=aggregate.stream_type,
            stream_id=aggregate.id,
            expected_version=aggregate.stored_version,
            new_events=aggregate.pending,
            context=context,
            expected_hash=aggregate.last_hash,
        )
        aggregate.pending = []
        if recorded:
            aggregate.last_hash = recorded[-1].hash
        if recorded and self._crossed_snapshot_boundary(recorded):
            await self._snapshot(conn, aggregate)
        return recorded

    def _crossed_snapshot_boundary(self, recorded: list[Envelope]) -> bool:
        first, last = recorded[0].version, recorded[-1].version
        return last // self.snapshot_every > (first - 1) // self.snapshot_every

    async def _snapshot(self, conn: AsyncConnection, aggregate: Aggregate) -> None:
        state = aggregate.snapshot()
        if state is None:
            return
        values = {
            "stream_type": aggregate.stream_type,
            "version": aggregate.version,
            "state": state,
        }
        await conn.execute(
            pg_insert(snapshots)
            .values(stream_id=aggregate.id, **values)
            .on_conflict_do_update(index_elements=[snapshots.c.stream_id], set_=values)
        )
