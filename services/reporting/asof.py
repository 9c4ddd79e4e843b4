"""Point-in-time records: each stream folded from the audit copy as it stood at an
instant, so a report "as of" then is recomputed from events alone.

"Recorded up to that instant" is judged by each event's `recorded_at`, the
instant its own service committed it, never by when reporting received it: an
event recorded later cannot change a figure as of an earlier instant however
late it arrives, and one recorded earlier but delivered late is counted, as the
books of its service already held it. A stream is taken up to its first event
recorded after the instant, so a stream's history is never cut in the middle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.fold import apply, source_of
from services.reporting.records import StreamRecord
from services.reporting.store import ENVELOPE_FIELDS, envelope_of
from shared.events import UnknownEventType, registry

log = logging.getLogger("cascade.reporting.asof")


async def records_as_of(
    conn: AsyncConnection, stream_ids: Iterable[str], as_of: datetime
) -> list[StreamRecord]:
    rows = await conn.execute(
        text(f"""SELECT {", ".join(ENVELOPE_FIELDS)} FROM audit_events
                 WHERE stream_id = ANY(:ids) AND recorded_at <= :as_of
                 ORDER BY stream_id, version, received_at, id"""),
        {"ids": list(stream_ids), "as_of": as_of},
    )
    records: dict[str, StreamRecord] = {}
    for row in rows:
        envelope = envelope_of(row)
        record = records.setdefault(
            envelope.stream_id,
            StreamRecord(stream_id=envelope.stream_id, source=source_of(envelope.type)),
        )
        if envelope.version != record.version + 1:
            continue  # after a gap (an event recorded later): the stream stood still here
        try:
            apply(record, envelope, registry.decode(envelope))
        except (UnknownEventType, ValueError) as exc:
            # The live consumer dead-lettered it, and applied the stream's next events.
            log.warning("%s %s not applied: %s", envelope.type, envelope.id, exc)
            record.version = envelope.version
    return list(records.values())
