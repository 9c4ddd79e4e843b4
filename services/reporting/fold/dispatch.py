"""The dispatch every fold module registers its functions on. No I/O."""

from __future__ import annotations

import functools
from collections.abc import Iterable

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


Received = tuple[Envelope, Event]


def apply_in_order(record: StreamRecord, received: Iterable[Received]) -> list[Received]:
    """Apply to `record` the events of its stream that come next, in version order;
    those applied before change nothing. Returns those ahead of a missing version,
    in version order: they wait until it arrives (from the topic or the feed)."""
    ahead: dict[int, Received] = {}
    for envelope, event in received:
        if envelope.version > record.version:
            ahead.setdefault(envelope.version, (envelope, event))
    while (ready := ahead.pop(record.version + 1, None)) is not None:
        apply(record, *ready)
    return [ahead[version] for version in sorted(ahead)]


@functools.singledispatch
def project(event: Event, record: StreamRecord, envelope: Envelope) -> None:
    """Events that move no figure: evaluator registrations, budget carving, reports..."""
