"""Aggregates through the repository: loading, saving, and snapshots of long streams."""

from __future__ import annotations

import functools
from typing import Any, Self

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.aggregate import Aggregate
from shared.errors import NotFound, VersionConflict
from shared.events import Event
from shared.eventstore import CommandContext, EventStore
from shared.repository import Repository
from tests.support.events import Counted


class Tally(Aggregate):
    """Sums what it counts; remembers how many events it replayed to get here."""

    stream_type = "tally"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.total = 0
        self.replayed = 0

    @functools.singledispatchmethod
    def apply(self, event: Event) -> None:
        super().apply(event)

    @apply.register
    def _counted(self, event: Counted) -> None:
        self.total += event.n
        self.replayed += 1

    def add(self, n: int) -> None:
        self.record(Counted(n=n))

    def snapshot(self) -> dict[str, Any]:
        return {"total": self.total}

    @classmethod
    def from_snapshot(cls, stream_id: str, version: int, state: dict[str, Any]) -> Self:
        tally = cls(stream_id)
        tally.total, tally.version = state["total"], version
        return tally


@pytest.fixture
def repository() -> Repository:
    return Repository(EventStore(b"k"), snapshot_every=10)


async def add(engine: AsyncEngine, repository: Repository, stream_id: str, n: int) -> Tally:
    async with engine.begin() as conn:
        tally = await repository.find(conn, Tally, stream_id) or Tally(stream_id)
        tally.add(n)
        await repository.save(conn, tally, CommandContext())
    return tally


async def test_a_long_stream_loads_from_its_snapshot_and_the_events_after_it(
    engine: AsyncEngine,
    repository: Repository,
) -> None:
    for n in range(1, 26):
        await add(engine, repository, "t-1", n)
    async with engine.connect() as conn:
        snapshot_version = (
            await conn.execute(text("SELECT version FROM snapshots WHERE stream_id = 't-1'"))
        ).scalar_one()
        tally = await repository.get(conn, Tally, "t-1")
    assert snapshot_version == 20
    assert (tally.version, tally.total) == (25, sum(range(1, 26)))
    assert tally.replayed == 5


async def test_a_stale_aggregate_cannot_be_saved(
    engine: AsyncEngine, repository: Repository
) -> None:
    await add(engine, repository, "t-2", 1)
    async with engine.connect() as conn:
        stale = await repository.get(conn, Tally, "t-2")
    await add(engine, repository, "t-2", 2)
    stale.add(3)
    with pytest.raises(VersionConflict):
        async with engine.begin() as conn:
            await repository.save(conn, stale, CommandContext())


async def test_an_unknown_aggregate_is_not_found(
    engine: AsyncEngine, repository: Repository
) -> None:
    async with engine.connect() as conn:
        with pytest.raises(NotFound):
            await repository.get(conn, Tally, "nobody")
