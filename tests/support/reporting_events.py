"""Envelopes of real contract events, chained as an event store would chain them,
for reporting's unit tests (no database)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.reporting.fold import apply, source_of
from services.reporting.records import StreamRecord
from shared.events import SYSTEM, Envelope, Event
from shared.ids import uuid7
from shared.integrity import GENESIS, event_hash

KEY = b"reporting-unit-key"


def chain(
    stream_id: str, events: Sequence[tuple[Event, datetime]], key: bytes = KEY
) -> list[Envelope]:
    """The events as versions 1, 2, ... of one stream, recorded at the given instants."""
    envelopes, prev = [], GENESIS
    for version, (event, at) in enumerate(events, start=1):
        row: dict[str, Any] = {
            "id": uuid7(),
            "type": event.event_type,
            "schema_version": event.schema_version,
            "stream_type": "test",
            "stream_id": stream_id,
            "version": version,
            "occurred_at": at,
            "recorded_at": at,
            "actor": SYSTEM.model_dump(mode="json"),
            "correlation_id": uuid7(),
            "causation_id": None,
            "traceparent": None,
            "payload": event.model_dump(mode="json"),
            "prev_hash": prev,
        }
        row["hash"] = prev = event_hash(key, prev, row)
        envelopes.append(Envelope(**row, position=None))
    return envelopes


def folded(envelopes: Sequence[Envelope], events: Sequence[Event]) -> StreamRecord:
    """The record of the envelopes' stream after applying them in order."""
    record = StreamRecord(stream_id=envelopes[0].stream_id, source=source_of(envelopes[0].type))
    for envelope, event in zip(envelopes, events, strict=True):
        apply(record, envelope, event)
    return record
