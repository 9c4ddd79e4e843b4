"""A service's copy of another service's aggregates, kept from their events.

Per-stream order is kept by the topic, so each row carries the version of the
last event applied and a change applies only to an older row: a replayed or
redelivered event changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from sqlalchemy import Table, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.events import Envelope, Event
from shared.inbox import Handlers


class Change(Protocol):
    def __call__(
        self, envelope: Envelope, conn: AsyncConnection, row_id: str, **values: Any
    ) -> Awaitable[None]: ...


def versioned_change(table: Table) -> Change:
    """Sets `values` on row `row_id` of `table` unless it already holds this event."""

    async def change(envelope: Envelope, conn: AsyncConnection, row_id: str, **values: Any) -> None:
        await conn.execute(
            update(table)
            .where(table.c.id == row_id, table.c.version < envelope.version)
            .values(version=envelope.version, **values)
        )

    return change


def follow_statuses(
    on: Handlers, change: Change, statuses: Mapping[type[Event], str], key: str
) -> None:
    """One handler per event that moves the replica to a status (`statuses`),
    the row named by the event's field `key`."""
    for event_class, status in statuses.items():
        on.on(event_class.event_type)(_status_handler(change, status, key))


def _status_handler(
    change: Change, status: str, key: str
) -> Callable[[AsyncConnection, Envelope, Any], Awaitable[None]]:
    async def handle(conn: AsyncConnection, envelope: Envelope, e: Any) -> None:
        await change(envelope, conn, getattr(e, key), status=status)

    return handle
