"""Reading a service's events in commit-safe order, for the relay and the feed.

A `position` is taken at insert but becomes visible at commit, so "everything
after the last position I saw" skips the rows of a slower transaction that took
an earlier position. Instead we order by (writing transaction, position) and
read only rows of transactions older than every transaction still running
(`pg_snapshot_xmin`): no row can later appear before what was already read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.errors import InvalidInput
from shared.events import Envelope
from shared.eventstore import envelope_from_row

COLUMNS = (
    "position, id, type, schema_version, stream_type, stream_id, version, occurred_at, "
    "recorded_at, actor, correlation_id, causation_id, traceparent, payload, prev_hash, hash"
)


@dataclass(frozen=True, order=True)
class FeedCursor:
    """A place in the commit-safe order; its text form is opaque to clients."""

    tx_id: int
    position: int

    def encode(self) -> str:
        return f"{self.tx_id}-{self.position}"

    @classmethod
    def decode(cls, value: str) -> FeedCursor:
        try:
            tx_id, position = (int(part) for part in value.split("-", 1))
        except ValueError:
            raise InvalidInput(f"not a feed position: {value!r}") from None
        return cls(tx_id, position)


START = FeedCursor(0, 0)


@dataclass(frozen=True)
class FeedItem:
    cursor: FeedCursor
    envelope: Envelope


async def read_committed(
    conn: AsyncConnection, after: FeedCursor = START, limit: int = 500
) -> list[FeedItem]:
    """Up to `limit` events after `after`, from transactions that can no longer
    be overtaken by a slower one."""
    rows = await conn.execute(
        text(f"""
            SELECT {COLUMNS}, tx_id::text AS tx
            FROM events
            WHERE (tx_id, position) > (CAST(:tx AS xid8), :position)
              AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY tx_id, position
            LIMIT :limit
        """),
        {"tx": after.tx_id, "position": after.position, "limit": limit},
    )
    items = []
    for row in rows:
        fields = dict(row._mapping)
        cursor = FeedCursor(int(fields.pop("tx")), fields["position"])
        items.append(FeedItem(cursor, envelope_from_row(fields)))
    return items


async def backlog(conn: AsyncConnection, after: FeedCursor) -> tuple[int, float]:
    """How many committed events lie beyond `after`, and the age in seconds of the oldest."""
    row = (
        await conn.execute(
            text("""
            SELECT count(*) AS n,
                   COALESCE(EXTRACT(EPOCH FROM now() - min(recorded_at)), 0) AS age
            FROM events WHERE (tx_id, position) > (CAST(:tx AS xid8), :position)
        """),
            {"tx": after.tx_id, "position": after.position},
        )
    ).one()
    return int(row.n), float(row.age)
