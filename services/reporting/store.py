"""Reporting's tables: the audit copy, the projection records of each generation,
and the canonical checksum that compares two generations."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Collection, Iterable, Sequence
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.records import StreamRecord
from services.reporting.tables import audit_events, projection_records
from shared.events import Envelope
from shared.integrity import canonical_json

Via = Literal["topic", "feed"]
# Live handlers take it shared; the end of a rebuild takes it alone to swap generations.
PROJECTION_LOCK = 0x5245504F  # "REPO"
CHECKSUM_SLICE = 200  # records hashed between two turns of the event loop
ENVELOPE_FIELDS = (
    "id",
    "type",
    "schema_version",
    "stream_type",
    "stream_id",
    "version",
    "occurred_at",
    "recorded_at",
    "actor",
    "correlation_id",
    "causation_id",
    "traceparent",
    "payload",
    "prev_hash",
    "hash",
    "position",
)


async def keep_copy(conn: AsyncConnection, source: str, envelope: Envelope, via: Via) -> bool:
    """Add the envelope to the audit copy as received; False if it was there already."""
    return await keep_copies(conn, [(source, envelope)], via) == 1


async def keep_copies(
    conn: AsyncConnection, received: Sequence[tuple[str, Envelope]], via: Via
) -> int:
    """Add the (source, envelope) pairs the copy lacks; how many were new."""
    if not received:
        return 0
    result = await conn.execute(
        pg_insert(audit_events)
        .values([_copy_row(source, envelope, via) for source, envelope in received])
        .on_conflict_do_nothing(index_elements=["id"])
    )
    return int(result.rowcount)


def _copy_row(source: str, envelope: Envelope, via: Via) -> dict[str, Any]:
    row = envelope.model_dump(mode="python")
    row["actor"] = envelope.actor.model_dump(mode="json")
    return {**{name: row[name] for name in ENVELOPE_FIELDS}, "source": source, "received_via": via}


def envelope_of(row: Any) -> Envelope:
    """An audit-copy row as the envelope it was received as."""
    mapping = row._mapping
    return Envelope.model_validate({name: mapping[name] for name in ENVELOPE_FIELDS})


async def active_generation(conn: AsyncConnection) -> int:
    generation: int = (
        await conn.execute(
            text("SELECT generation FROM projection_generations WHERE state = 'active'")
        )
    ).scalar_one()
    return generation


async def load_records(
    conn: AsyncConnection, generation: int, stream_ids: Collection[str]
) -> dict[str, tuple[StreamRecord, bool]]:
    """The records of these streams that exist, each with whether events of its
    stream wait in the audit copy behind a missing version."""
    rows = await conn.execute(
        text(
            "SELECT body, waiting FROM projection_records "
            "WHERE generation = :g AND stream_id = ANY(:ids)"
        ),
        {"g": generation, "ids": list(stream_ids)},
    )
    return {
        record.stream_id: (record, row.waiting)
        for row in rows
        for record in (StreamRecord.model_validate(row.body),)
    }


async def copies_after(conn: AsyncConnection, stream_id: str, version: int) -> list[Envelope]:
    """The audit copy's events of a stream after `version`, in version order."""
    rows = await conn.execute(
        text(f"""
        SELECT {", ".join(ENVELOPE_FIELDS)} FROM audit_events
        WHERE stream_id = :s AND version > :v ORDER BY version"""),
        {"s": stream_id, "v": version},
    )
    return [envelope_of(row) for row in rows]


async def save_records(
    conn: AsyncConnection,
    generation: int,
    records: Iterable[StreamRecord],
    waiting: Collection[str] = (),
) -> None:
    """Write the records; those of streams in `waiting` have events waiting behind a gap."""
    rows = [
        {
            "generation": generation,
            "stream_id": r.stream_id,
            "source": r.source,
            "version": r.version,
            "programme_id": r.programme_id,
            "call_id": r.call_id,
            "body": r.model_dump(mode="json"),
            "waiting": r.stream_id in waiting,
        }
        for r in records
    ]
    if not rows:
        return
    statement = pg_insert(projection_records).values(rows)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["generation", "stream_id"],
            set_={
                name: statement.excluded[name]
                for name in ("source", "version", "programme_id", "call_id", "body", "waiting")
            },
        )
    )


async def records_of(
    conn: AsyncConnection, generation: int, stream_ids: Iterable[str]
) -> dict[str, StreamRecord]:
    """The records of these streams in the generation (those it has)."""
    found = await load_records(conn, generation, list(stream_ids))
    return {stream_id: record for stream_id, (record, _) in found.items()}


async def records_in(
    conn: AsyncConnection,
    generation: int,
    *,
    programme_id: str | None = None,
    call_id: str | None = None,
) -> list[StreamRecord]:
    """The records of a programme or a call (a call's programme record included)."""
    if call_id is not None:
        where, params = "call_id = :c", {"c": call_id}
    elif programme_id is not None:
        where, params = "programme_id = :p", {"p": programme_id}
    else:
        where, params = "programme_id IS NOT NULL", {}
    rows = await conn.execute(
        text(f"SELECT body FROM projection_records WHERE generation = :g AND {where}"),
        {"g": generation, **params},
    )
    return [StreamRecord.model_validate(row.body) for row in rows]


async def organisations(
    conn: AsyncConnection, generation: int, ids: Iterable[str]
) -> dict[str, StreamRecord]:
    """The records of these organisations' own streams (their registration)."""
    return await records_of(conn, generation, ids)


async def checksum(conn: AsyncConnection, generation: int) -> str:
    """SHA-256 over every record of the generation in canonical form, in stream
    order: equal for two generations exactly when their records are equal.

    Read through a server-side cursor (memory of a few rows, whatever the
    generation's size) in code-point order, as `sorted` orders the records of a
    rebuild's; hashed in slices, so the event loop keeps serving meanwhile."""
    digest = hashlib.sha256()
    result = await conn.stream(
        text(
            'SELECT body FROM projection_records WHERE generation = :g ORDER BY stream_id COLLATE "C"'
        ),
        {"g": generation},
    )
    async for rows in result.partitions(CHECKSUM_SLICE):
        for row in rows:
            digest.update(_canonical_record(StreamRecord.model_validate(row.body)))
        await asyncio.sleep(0)
    await conn.commit()
    return digest.hexdigest()


def _canonical_record(record: StreamRecord) -> bytes:
    return canonical_json(record.model_dump(mode="json")) + b"\n"
