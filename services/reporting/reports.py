"""Programme and call reports: live from the active projection, or as of an
instant from the audit copy; the same figures either way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting import store
from services.reporting.asof import records_as_of
from services.reporting.figures import Scope, figures, programme_figures
from services.reporting.records import StreamRecord
from shared.errors import NotFound


async def programme_report(
    conn: AsyncConnection, programme_id: str, now: datetime, as_of: datetime | None = None
) -> dict[str, Any]:
    records = await _scope_records(conn, as_of, programme_id=programme_id)
    return {**_when(now, as_of), **programme_figures(programme_id, records)}


async def call_report(
    conn: AsyncConnection, call_id: str, now: datetime, as_of: datetime | None = None
) -> dict[str, Any]:
    records = await _scope_records(conn, as_of, call_id=call_id)
    scope = Scope.of(records).only_call(call_id)
    call = scope.calls.get(call_id)
    return {
        "call_id": call_id,
        "programme_id": call.programme_id if call else None,
        **_when(now, as_of),
        "call": call.model_dump(mode="json", exclude={"call_id"}) if call else None,
        "currency": call.currency if call else None,
        **figures(scope),
    }


def _when(now: datetime, as_of: datetime | None) -> dict[str, Any]:
    """`as_of` the instant asked for, or now for the live projection."""
    return {"as_of": (as_of or now).isoformat(), "basis": "events" if as_of else "live"}


async def _scope_records(
    conn: AsyncConnection,
    as_of: datetime | None,
    *,
    programme_id: str | None = None,
    call_id: str | None = None,
) -> list[StreamRecord]:
    """The live records of the programme or call, or the same streams as of `as_of`.

    The streams of a scope never change once known (a stream's programme and call
    come from its first event), so the live records say which streams to replay."""
    generation = await store.active_generation(conn)
    live = await store.records_in(conn, generation, programme_id=programme_id, call_id=call_id)
    if not live:
        what = f"call {call_id}" if call_id else f"programme {programme_id}"
        raise NotFound(f"reporting has no events of {what}")
    if as_of is None:
        return live
    return await records_as_of(conn, [r.stream_id for r in live], as_of)
