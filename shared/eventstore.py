"""The event store: append a stream's new events with an expected version inside
the caller's transaction, and load streams back, whole or as they stood."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from opentelemetry import propagate
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.clock import Clock, SystemClock
from shared.driver import driver_connection
from shared.errors import VersionConflict
from shared.events import SYSTEM, Actor, Envelope, Event, registry
from shared.ids import uuid7
from shared.integrity import GENESIS, Head, event_hash
from shared.keystore import SubjectKeyStore
from shared.personal import open_payload, seal_payload, sealed_key_ids, subjects_of
from shared.tables import events

# What an envelope is made of: every column but the writing transaction, which only
# the commit-safe readers use (as text, shared/feed.py).
ENVELOPE_COLUMNS = [c for c in events.c if c.name != "tx_id"]


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

    def __init__(
        self,
        integrity_key: bytes,
        clock: Clock | None = None,
        keys: SubjectKeyStore | None = None,
    ) -> None:
        self._key = integrity_key
        self._clock = clock or SystemClock()
        # None: personal fields are stored as given (tools and tests of the chain alone).
        self.keys = keys

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
        actor = context.actor.model_dump(mode="json")
        common: dict[str, Any] = {
            "stream_type": stream_type,
            "stream_id": stream_id,
            "occurred_at": occurred_at or now,
            "recorded_at": now,
            "actor": actor,
            "correlation_id": context.correlation_id,
            "causation_id": context.causation_id,
            "traceparent": traceparent,
        }
        payloads = await self._sealed_payloads(conn, new_events, context.actor.sub)
        rows: list[dict[str, Any]] = []
        for offset, (new_event, payload) in enumerate(zip(new_events, payloads, strict=True), 1):
            row: dict[str, Any] = {
                **common,
                "id": uuid7(),
                "type": new_event.event_type,
                "schema_version": new_event.schema_version,
                "version": expected_version + offset,
                "payload": payload,
                "prev_hash": prev_hash,
            }
            row["hash"] = prev_hash = event_hash(self._key, prev_hash, row)
            rows.append(row)
        positions = await self._insert(conn, common, expected_version, rows)
        # Built from values made here, so not validated again.
        return [
            Envelope.model_construct(**{**row, "actor": context.actor, "position": p})
            for row, p in zip(rows, positions, strict=True)
        ]

    async def _sealed_payloads(
        self, conn: AsyncConnection, new_events: Sequence[Event], actor_sub: str
    ) -> list[dict[str, Any]]:
        """The payloads to store: personal fields sealed (the hash covers them sealed).
        Events without personal fields cost nothing more than their dump."""
        payloads = [e.model_dump(mode="json") for e in new_events]
        if self.keys is None:
            return payloads
        subjects = [
            subjects_of(type(e), p, actor_sub) for e, p in zip(new_events, payloads, strict=True)
        ]
        wanted = {s for per_event in subjects for s in per_event.values()}
        if not wanted:
            return payloads
        keys = await self.keys.keys_for(conn, wanted)
        return [
            seal_payload(e.event_type, p, s, keys) if s else p
            for e, p, s in zip(new_events, payloads, subjects, strict=True)
        ]

    async def reveal(self, conn: AsyncConnection, envelopes: list[Envelope]) -> list[Envelope]:
        """The envelopes with their sealed personal fields opened with this service's
        keys, or shown erased where a key is gone (the stored rows stay as they are)."""
        if self.keys is None:
            return envelopes
        fields = {e.type: _personal_fields(e.type) for e in envelopes}
        wanted = {k for e in envelopes for k in sealed_key_ids(e.payload, fields[e.type])}
        if not wanted:
            return envelopes
        keys = await self.keys.lookup(conn, wanted)
        revealed = []
        for e in envelopes:
            payload = open_payload(e.type, e.payload, fields[e.type], keys)
            revealed.append(
                e if payload is e.payload else e.model_copy(update={"payload": payload})
            )
        return revealed

    async def _insert(
        self,
        conn: AsyncConnection,
        common: dict[str, Any],
        expected: int,
        rows: list[dict[str, Any]],
    ) -> list[int]:
        """One statement: the events, and the head moved from `expected` to the
        newest. A racer at the same expected version collides on the unique
        (stream_id, version); a caller whose expected version is ahead of the
        stream moves no head. Either way: VersionConflict, and the caller's
        transaction (already failed or about to be rolled back) keeps nothing."""
        stream_id, last = common["stream_id"], rows[-1]
        args = (
            common["stream_type"],
            stream_id,
            common["occurred_at"],
            common["recorded_at"],
            json.dumps(common["actor"]),
            common["correlation_id"],
            common["causation_id"],
            common["traceparent"],
            [r["id"] for r in rows],
            [r["version"] for r in rows],
            [r["type"] for r in rows],
            [r["schema_version"] for r in rows],
            [json.dumps(r["payload"], separators=(",", ":"), ensure_ascii=False) for r in rows],
            [r["prev_hash"] for r in rows],
            [r["hash"] for r in rows],
            last["version"],
            last["hash"],
            expected,
        )
        try:
            async with driver_connection(conn, APPEND) as driver:
                result = await driver.fetch(APPEND, *args)
        except asyncpg.UniqueViolationError:
            raise VersionConflict(
                f"stream {stream_id} has moved on from version {expected}",
                expected_version=expected,
            ) from None
        if not result[0]["moved"]:
            raise _conflict(stream_id, expected, await self.head(conn, stream_id))
        return [row["position"] for row in result]

    async def head(self, conn: AsyncConnection, stream_id: str) -> Head | None:
        async with driver_connection(conn, HEAD) as driver:
            row = await driver.fetchrow(HEAD, stream_id)
        return Head(stream_id, row["version"], row["hash"]) if row else None

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


# Any number of events as one prepared statement: the per-event columns as
# arrays (asyncpg sends them in binary), the rest once. The ordinality keeps the
# positions in version order, which the commit-safe feed relies on.
APPEND = """
    WITH new AS (
        INSERT INTO events (stream_type, stream_id, occurred_at, recorded_at, actor,
                            correlation_id, causation_id, traceparent,
                            id, version, type, schema_version, payload, prev_hash, hash)
        SELECT $1, $2, $3, $4, $5::jsonb, $6, $7, $8,
               e.id, e.version, e.type, e.schema_version, e.payload, e.prev_hash, e.hash
        FROM unnest($9::uuid[], $10::int[], $11::text[], $12::int[], $13::jsonb[],
                    $14::text[], $15::text[])
             WITH ORDINALITY AS e(id, version, type, schema_version, payload, prev_hash, hash, n)
        ORDER BY e.n
        RETURNING position, version
    ), moved AS (
        INSERT INTO stream_heads (stream_id, stream_type, version, hash)
        VALUES ($2, $1, $16, $17)
        ON CONFLICT (stream_id) DO UPDATE SET version = $16, hash = $17
        WHERE stream_heads.version = $18
        RETURNING 1
    )
    SELECT position, (SELECT count(*) FROM moved) AS moved FROM new ORDER BY version
"""
HEAD = "SELECT version, hash FROM stream_heads WHERE stream_id = $1"


def _personal_fields(event_type: str) -> frozenset[str]:
    return registry.class_of(event_type).personal_fields if event_type in registry else frozenset()


def _conflict(stream_id: str, expected: int, head: Head | None) -> VersionConflict:
    actual = head.version if head else 0
    return VersionConflict(
        f"stream {stream_id} is at version {actual}, not {expected}",
        expected_version=expected,
        actual_version=actual,
    )
