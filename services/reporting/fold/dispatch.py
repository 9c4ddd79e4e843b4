"""The dispatch every fold module registers its functions on. No I/O."""

from __future__ import annotations

import functools

from services.reporting.records import StreamRecord
from shared.events import Envelope, Event


def source_of(event_type: str) -> str:
    """The service that owns an event type: the part of its name before the dot."""
    return event_type.split(".", 1)[0]


def apply(record: StreamRecord, envelope: Envelope, event: Event) -> bool:
    """Apply `event` (of `envelope`, on the record's stream); False if it was applied before."""
    if envelope.version <= record.version:
        return False
    project(event, record, envelope)
    record.version = envelope.version
    return True


@functools.singledispatch
def project(event: Event, record: StreamRecord, envelope: Envelope) -> None:
    """Events that move no figure: evaluator registrations, budget carving, reports..."""
