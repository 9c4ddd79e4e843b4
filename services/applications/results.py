"""When a call's results were published, as this service hears it from
`calls.CallResultsPublished`: before it, applicants read no outcome report and
ask for no review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications.tables import call_replicas, call_results
from services.calls.events import CallResultsPublished
from shared.consumer import Handlers
from shared.events import Envelope


@dataclass(frozen=True)
class Published:
    published_at: datetime
    review_requests_until: datetime


async def of_call(conn: AsyncConnection, call_id: str) -> Published | None:
    row = (
        await conn.execute(select(call_results).where(call_results.c.call_id == call_id))
    ).first()
    return Published(row.published_at, row.review_requests_until) if row else None


def on_results_published(handlers: Handlers) -> None:
    @handlers.on(CallResultsPublished.event_type)
    async def published(conn: AsyncConnection, envelope: Envelope, e: CallResultsPublished) -> None:
        await conn.execute(
            pg_insert(call_results)
            .values(
                call_id=e.call_id,
                published_at=e.published_at,
                review_requests_until=e.review_requests_until,
            )
            .on_conflict_do_nothing(index_elements=[call_results.c.call_id])
        )
        await conn.execute(
            update(call_replicas)
            .where(call_replicas.c.id == e.call_id, call_replicas.c.version < envelope.version)
            .values(version=envelope.version, status="results_published")
        )
