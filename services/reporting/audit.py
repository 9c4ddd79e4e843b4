"""Reading the audit copy: one aggregate's events, one grant's whole story across
services, and how far each source has been applied."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.sources import SOURCES
from services.reporting.store import ENVELOPE_FIELDS

COLUMNS = ", ".join(ENVELOPE_FIELDS) + ", source, received_at, received_via"
# Within one instant, a service reacting to another's event comes after it.
SOURCE_RANK = "CASE source WHEN 'calls' THEN 0 WHEN 'applications' THEN 1 ELSE 2 END"


def item(row: Any) -> dict[str, Any]:
    """An envelope as published, with where and when reporting received it."""
    return dict(row._mapping)


async def stream_events(
    conn: AsyncConnection, stream_id: str, after_version: int, limit: int
) -> list[dict[str, Any]]:
    rows = await conn.execute(
        text(f"""SELECT {COLUMNS} FROM audit_events WHERE stream_id = :s AND version > :v
                 ORDER BY version, received_at LIMIT :n"""),
        {"s": stream_id, "v": after_version, "n": limit},
    )
    return [item(row) for row in rows]


async def application_trail(conn: AsyncConnection, application_id: str) -> list[dict[str, Any]]:
    """Every event of the application's stream and every event of any service about
    it (evaluation, selection, agreement, grant, payments, recoveries, reviews,
    and every version of its call's ranking it is in), in the order they were
    recorded."""
    rows = await conn.execute(
        text(f"""SELECT {COLUMNS} FROM audit_events
                 WHERE stream_id = :a OR payload->>'application_id' = :a
                    OR (type = 'applications.RankingVersionRecorded'
                        AND payload->'application_ids' @> jsonb_build_array(CAST(:a AS text)))
                 ORDER BY recorded_at, {SOURCE_RANK}, stream_id, version"""),
        {"a": application_id},
    )
    return [item(row) for row in rows]


async def watermarks(conn: AsyncConnection, event_ids: Sequence[UUID]) -> dict[str, Any]:
    rows = await conn.execute(
        text("""
        SELECT source, topic, partition, next_offset, events_applied, newest_recorded_at,
               last_applied_at
        FROM source_watermarks ORDER BY source, topic, partition""")
    )
    sources: dict[str, dict[str, Any]] = {
        source: {
            "events_applied": 0,
            "newest_recorded_at": None,
            "last_applied_at": None,
            "partitions": {},
        }
        for source in SOURCES
    }
    for row in rows:
        line = sources.setdefault(
            row.source,
            {
                "events_applied": 0,
                "newest_recorded_at": None,
                "last_applied_at": None,
                "partitions": {},
            },
        )
        line["events_applied"] += row.events_applied
        line["partitions"][f"{row.topic}:{row.partition}"] = row.next_offset
        line["newest_recorded_at"] = _latest(line["newest_recorded_at"], row.newest_recorded_at)
        line["last_applied_at"] = _latest(line["last_applied_at"], row.last_applied_at)
    answer: dict[str, Any] = {"sources": sources}
    if event_ids:
        applied = set(
            (
                await conn.execute(
                    text("SELECT id FROM audit_events WHERE id = ANY(:ids)"),
                    {"ids": list(event_ids)},
                )
            ).scalars()
        )
        answer["events"] = {str(i): i in applied for i in event_ids}
        answer["applied"] = all(i in applied for i in event_ids)
    return answer


def _latest(a: Any, b: Any) -> Any:
    return b if a is None or (b is not None and b > a) else a


async def generations(conn: AsyncConnection) -> dict[str, Any]:
    rows = await conn.execute(
        text("""
        SELECT generation, state, built_from, started_at, completed_at, events_read, checksum
        FROM projection_generations ORDER BY generation""")
    )
    return {"items": [dict(row._mapping) for row in rows]}
