"""Events: payload models, the envelope they travel in, the type registry and upcasting.

An event type has an explicit, stable name (`calls.CallOpened`), never one derived
from a Python module path, so code can move without orphaning stored history.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

JsonDict = dict[str, Any]


class Event(BaseModel):
    """Base of every event payload: immutable data, past tense.

    `personal_fields` names the payload fields that hold personal data: each is
    sealed with its data subject's key when stored, and reads as erased once that
    key is destroyed (docs/PERSONAL_DATA.md). `personal_subjects` says whom a
    field is about: the payload field holding that person's id (a `sub`); a
    personal field not named there is about the event's actor, who typed it.
    `subject_fields` are the fields holding such ids: pseudonyms, kept clear like
    the actor's own `sub`, so that the key of a subject can be found and a rule
    such as "not the same finance officer" still holds after an erasure.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    personal_fields: ClassVar[frozenset[str]] = frozenset()
    personal_subjects: ClassVar[Mapping[str, str]] = {}
    subject_fields: ClassVar[frozenset[str]] = frozenset()


class Actor(BaseModel):
    """Who caused an event: a signed-in subject, or the system itself."""

    model_config = ConfigDict(frozen=True)

    sub: str
    roles: tuple[str, ...] = ()


SYSTEM = Actor(sub="system", roles=("system",))


class Envelope(BaseModel):
    """An event as stored and published: the payload with everything an auditor
    needs to place it (who, when, why, in which trace) and its integrity fields."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    type: str
    schema_version: int
    stream_type: str
    stream_id: str
    version: int
    occurred_at: datetime
    recorded_at: datetime
    actor: Actor
    correlation_id: UUID
    causation_id: UUID | None = None
    traceparent: str | None = None
    payload: JsonDict
    prev_hash: str
    hash: str
    position: int | None = None


class UnknownEventType(Exception):
    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")
        self.event_type = event_type


class FutureSchemaVersion(Exception):
    def __init__(self, event_type: str, version: int, known: int) -> None:
        super().__init__(
            f"{event_type} has schema version {version}, newer than the {known} this code knows"
        )


E = TypeVar("E", bound=type[Event])
Upcaster = Callable[[JsonDict], JsonDict]


class EventRegistry:
    """Maps stable type names to payload classes, and old payload shapes to new ones."""

    def __init__(self) -> None:
        self._types: dict[str, type[Event]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, cls: E) -> E:
        existing = self._types.get(cls.event_type)
        if existing is not None and existing is not cls:
            raise ValueError(f"event type {cls.event_type!r} is registered twice")
        self._types[cls.event_type] = cls
        return cls

    def upcaster(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Declare how a payload of `from_version` becomes one of `from_version + 1`."""

        def decorate(fn: Upcaster) -> Upcaster:
            self._upcasters[(event_type, from_version)] = fn
            return fn

        return decorate

    def __contains__(self, event_type: str) -> bool:
        return event_type in self._types

    def types(self) -> dict[str, type[Event]]:
        return dict(self._types)

    def class_of(self, event_type: str) -> type[Event]:
        try:
            return self._types[event_type]
        except KeyError:
            raise UnknownEventType(event_type) from None

    def upcast(self, event_type: str, version: int, payload: JsonDict) -> JsonDict:
        """The payload in the current schema; the stored one is never rewritten."""
        current = self.class_of(event_type).schema_version
        if version > current:
            raise FutureSchemaVersion(event_type, version, current)
        if version < current:
            # Upcasters may change what they get; the envelope's payload stays as stored.
            payload = copy.deepcopy(payload)
        while version < current:
            step = self._upcasters.get((event_type, version))
            if step is None:
                raise ValueError(f"no upcaster for {event_type} from version {version}")
            payload = step(payload)
            version += 1
        return payload

    def decode(self, envelope: Envelope) -> Event:
        payload = self.upcast(envelope.type, envelope.schema_version, envelope.payload)
        return self.class_of(envelope.type).model_validate(payload)


registry = EventRegistry()
"""The registry of every event type; each service's `events` module registers its own."""


def event(event_type: str, *, schema_version: int = 1) -> Callable[[E], E]:
    """Class decorator naming an event type and registering it."""

    def decorate(cls: E) -> E:
        cls.event_type = event_type
        cls.schema_version = schema_version
        return registry.register(cls)

    return decorate
