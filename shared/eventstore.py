"""The event store: append a stream's new events with an expected version inside
the caller's transaction, and load streams back, whole or as they stood."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from opentelemetry import propagate
from sqlalchemy import TextClause, bindparam, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.clock import Clock, SystemClock
from shared.errors import VersionConflict
from shared.events import SYSTEM, Actor, Envelope, Event
from shared.ids import uuid7
from shared.integrity import GENESIS, Head, event_hash
from shared.tables import events, stream_heads

# What an envelope is made of: every column but the writing transaction, which only
# the commit-safe readers use (as text, shared/feed.py).
ENVELOPE_COLUMNS = [c for c in events.c if c.name != "tx_id"]
UNIQUE_VIOLATION = "23505"


@dataclass(frozen=True)
class CommandContext:
    """Who is acting and why: copied into every event a command records."""

    actor: Actor = SYSTEM
    correlation_id: UUID = field(default_factory=uuid7)
    causation_id: UUID | None = None
    traceparent: str | None = None

    def caused_by(self, envelope: Envelope, actor: Actor = SYSTEM) -> CommandContext:
        """The context of a policy reacting to `envelope`: same correlation, same trace."""
        return CommandContext(actor, envelope.correlation_id, envelope.id, envelope.traceparent)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def envelope_from_row(row: Mapping[Any, Any]) -> Envelope:
    return Envelope.model_validate({**row, "stream_id": str(row["stream_id"])})


class EventStore:
    """Appends and loads events of one service's database.

    Optimistic concurrency lives in `stream_heads`: an append moves the head
    from the expected version to the new one or fails, so writers of one stream
    serialise on that row and writers of different streams never wait for each
    other. The unique `(stream_id, version)` on `events` backs it up.
    """

    def __init__(self, integrity_key: bytes, clock: Clock | None = None) -> None:
        self._key = integrity_key
        self._clock = clock or SystemClock()

    async def append(
        self,
        conn: AsyncConnection,
        *,
        stream_type: str,
        stream_id: str,
        expected_version: int,
        new_events: Sequence[Event],
        context: CommandContext,
        occurred_at: datetime | None = None,
        expected_hash: str | None = None,
    ) -> list[Envelope]:
        """Record `new_events` after `expected_version` of the stream, or raise
        VersionConflict and write nothing. The caller commits. `expected_hash`,
        the hash of the stream's event at `expected_version` when the caller
        has it (a loaded aggregate does), saves reading the head first."""
        if not new_events:
            return []
        prev_hash = GENESIS
        if expected_version and expected_hash is not None:
            prev_hash = expected_hash
        elif expected_version:
            head = await self.head(conn, stream_id)
            if head is None or head.version != expected_version:
                raise _conflict(stream_id, expected_version, head)
            prev_hash = head.hash
        now = self._clock.now()
        traceparent = context.traceparent or current_traceparent()
        rows: list[dict[str, Any]] = []
        for offset, new_event in enumerate(new_events, start=1):
            row: dict[str, Any] = {
                "id": uuid7(),
                "type": new_event.event_type,
                "schema_version": new_event.schema_version,
                "stream_type": stream_type,
                "stream_id": stream_id,
                "version": expected_version + offset,
                "occurred_at": occurred_at or now,
                "recorded_at": now,
                "actor": context.actor.model_dump(mode="json"),
                "correlation_id": context.correlation_id,
                "causation_id": context.causation_id,
                "traceparent": traceparent,
                "payload": new_event.model_dump(mode="json"),
                "prev_hash": prev_hash,
            }
            row["hash"] = prev_hash = event_hash(self._key, prev_hash, row)
            rows.append(row)
        positions = await self._insert(conn, stream_type, stream_id, expected_version, rows)
        return [Envelope(**row, position=p) for row, p in zip(rows, positions, strict=True)]

    async def _insert(
        self, conn: AsyncConnection, stream_type: str, stream_id: str, expected: int,
        rows: list[dict[str, Any]],
    ) -> list[int]:
        """One statement: the events, and the head moved from `expected` to the
        newest. A racer at the same expected version collides on the unique
        (stream_id, version); a caller whose expected version is ahead of the
        stream moves no head. Either way: VersionConflict, and the caller's
        transaction (already failed or about to be rolled back) keeps nothing."""
        last = rows[-1]
        params: dict[str, Any] = {"h_stream_id": stream_id, "h_stream_type": stream_type,
                                  "h_version": last["version"], "h_hash": last["hash"],
                                  "h_expected": expected}
        for i, row in enumerate(rows):
            params.update({f"{name}_{i}": value for name, value in row.items()})
        statement = _append_statement(len(rows))
        try:
            result = (await conn.execute(statement, params)).all()
        except IntegrityError as exc:
            if getattr(exc.orig, "sqlstate", None) != UNIQUE_VIOLATION:
                raise
            raise VersionConflict(
                f"stream {stream_id} has moved on from version {expected}",
                expected_version=expected,
            ) from None
        if not result[0].moved:
            raise _conflict(stream_id, expected, await self.head(conn, stream_id))
        return [row.position for row in result]

    async def head(self, conn: AsyncConnection, stream_id: str) -> Head | None:
        row = (await conn.execute(
            select(stream_heads.c.version, stream_heads.c.hash)
            .where(stream_heads.c.stream_id == stream_id)
        )).first()
        return Head(stream_id, row.version, row.hash) if row else None

    async def load(
        self,
        conn: AsyncConnection,
        stream_id: str,
        *,
        after_version: int = 0,
        to_version: int | None = None,
        to_position: int | None = None,
        as_of: datetime | None = None,
    ) -> list[Envelope]:
        """The stream's events in version order; bounded by a version, a store
        position or an instant (recorded at or before) when given."""
        query = (
            select(*ENVELOPE_COLUMNS)
            .where(events.c.stream_id == stream_id, events.c.version > after_version)
            .order_by(events.c.version)
        )
        if to_version is not None:
            query = query.where(events.c.version <= to_version)
        if to_position is not None:
            query = query.where(events.c.position <= to_position)
        if as_of is not None:
            query = query.where(events.c.recorded_at <= as_of)
        result = await conn.execute(query)
        return [envelope_from_row(row._mapping) for row in result]


EVENT_COLUMNS = [c for c in ENVELOPE_COLUMNS if c.name != "position"]


@functools.cache
def _append_statement(count: int) -> TextClause:
    """The append of `count` events as one statement, written once per count:
    SQLAlchemy does not cache the compilation of an equivalent Core statement
    (multi-row VALUES inside a CTE), and compiling it cost more than the insert."""
    names = ", ".join(c.name for c in EVENT_COLUMNS)
    rows = ", ".join(
        "(" + ", ".join(f":{c.name}_{i}" for c in EVENT_COLUMNS) + ")" for i in range(count)
    )
    statement = text(f"""
        WITH new AS (
            INSERT INTO events ({names}) VALUES {rows}
            RETURNING position, version
        ), moved AS (
            INSERT INTO stream_heads (stream_id, stream_type, version, hash)
            VALUES (:h_stream_id, :h_stream_type, :h_version, :h_hash)
            ON CONFLICT (stream_id) DO UPDATE SET version = :h_version, hash = :h_hash
            WHERE stream_heads.version = :h_expected
            RETURNING 1
        )
        SELECT position, (SELECT count(*) FROM moved) AS moved FROM new ORDER BY version
    """)
    # Typed parameters keep the JSON and UUID conversions of the columns.
    return statement.bindparams(*(
        bindparam(f"{c.name}_{i}", type_=c.type) for i in range(count) for c in EVENT_COLUMNS
    ))


def _conflict(stream_id: str, expected: int, head: Head | None) -> VersionConflict:
    actual = head.version if head else 0
    return VersionConflict(
        f"stream {stream_id} is at version {actual}, not {expected}",
        expected_version=expected,
        actual_version=actual,
    )
