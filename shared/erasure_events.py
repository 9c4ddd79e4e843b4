"""`<service>.DataSubjectErased`: the event an erasure records, one type per service
that records events (an event type's name says which service owns it). No I/O."""

from __future__ import annotations

from shared.events import Event, event
from shared.values import Instant


class DataSubjectErasedBase(Event):
    """A data subject's keys were destroyed at their request: their personal fields
    read as erased from then on. Carries the subject's id only, none of their data."""

    subject: str
    erased_at: Instant


def erasure_type(service: str) -> str:
    return f"{service}.DataSubjectErased"


def erasure_event(service: str) -> type[DataSubjectErasedBase]:
    """The service's `DataSubjectErased` type, registered; its events.py calls this once."""
    cls = type("DataSubjectErased", (DataSubjectErasedBase,), {"__module__": __name__})
    return event(erasure_type(service))(cls)
