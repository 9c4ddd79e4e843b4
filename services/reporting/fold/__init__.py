"""Applying one event to the record of its stream. No I/O.

Each event type of the three contracts that moves a figure has a function here;
the others only advance the record's version. The functions live beside each
contract (`calls`, `applications`, `payments`) and register themselves on
`project`, which this package imports them for. An event at or below the record's
version was applied before (a redelivery, or the overlap of a rebuild's sources)
and changes nothing.
"""

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


# Registered on `project` as they are imported.
from services.reporting.fold import applications, calls, payments  # noqa: E402

__all__ = ["applications", "apply", "calls", "payments", "project", "source_of"]
