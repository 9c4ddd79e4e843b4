"""Aggregates: state rebuilt from their own events, deciding on new ones."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from shared.events import Envelope, Event, EventRegistry, registry


class Aggregate:
    """Base of an aggregate. A subclass handles each of its event types in
    `apply` (a `functools.singledispatchmethod`) and records decisions with
    `record(event)`, which applies the event and keeps it to be stored."""

    stream_type: ClassVar[str]

    def __init__(self, stream_id: str) -> None:
        self.id = stream_id
        self.version = 0
        self.pending: list[Event] = []
        # The hash of the newest stored event, when known: saves a read at append.
        self.last_hash: str | None = None

    def apply(self, event: Event) -> None:
        raise NotImplementedError(f"{type(self).__name__} cannot apply {event.event_type}")

    def record(self, event: Event) -> None:
        self.apply(event)
        self.pending.append(event)
        self.version += 1

    @property
    def is_new(self) -> bool:
        return self.version == 0

    @property
    def stored_version(self) -> int:
        """The version this aggregate was loaded at: what an append expects."""
        return self.version - len(self.pending)

    @classmethod
    def replay(
        cls,
        stream_id: str,
        envelopes: list[Envelope],
        types: EventRegistry = registry,
        start: Self | None = None,
    ) -> Self:
        aggregate = start if start is not None else cls(stream_id)
        for envelope in envelopes:
            aggregate.apply(types.decode(envelope))
            aggregate.version = envelope.version
            aggregate.last_hash = envelope.hash
        return aggregate

    def snapshot(self) -> dict[str, Any] | None:
        """The state to store as a snapshot, or None if this type takes none."""
        return None

    @classmethod
    def from_snapshot(cls, stream_id: str, version: int, state: dict[str, Any]) -> Self:
        raise NotImplementedError(f"{cls.__name__} takes no snapshots")
