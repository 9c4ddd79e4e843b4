"""Event types, the registry and upcasting: pure, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from shared.events import (
    Actor,
    Envelope,
    Event,
    EventRegistry,
    FutureSchemaVersion,
    UnknownEventType,
)
from shared.ids import uuid7


def make_registry() -> tuple[EventRegistry, type[Event]]:
    types = EventRegistry()

    class GrantAwarded(Event):
        event_type = "tests.GrantAwarded"
        schema_version = 3
        amount_cents: int
        currency: str

    types.register(GrantAwarded)

    # v1 stored euros as a float; v2 moved to cents; v3 added the currency.
    @types.upcaster("tests.GrantAwarded", 1)
    def _euros_to_cents(payload: dict[str, object]) -> dict[str, object]:
        euros = payload.pop("amount_eur")
        assert isinstance(euros, int | float)
        return {**payload, "amount_cents": round(euros * 100)}

    @types.upcaster("tests.GrantAwarded", 2)
    def _add_currency(payload: dict[str, object]) -> dict[str, object]:
        return {**payload, "currency": "EUR"}

    return types, GrantAwarded


def envelope(type_: str, version: int, payload: dict[str, object]) -> Envelope:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return Envelope(
        id=uuid7(),
        type=type_,
        schema_version=version,
        stream_type="grant",
        stream_id="g-1",
        version=1,
        occurred_at=now,
        recorded_at=now,
        actor=Actor(sub="alice"),
        correlation_id=uuid4(),
        payload=payload,
        prev_hash="0" * 64,
        hash="x",
    )


def test_an_old_event_is_read_in_the_current_schema_without_touching_the_stored_payload() -> None:
    types, cls = make_registry()
    stored = envelope("tests.GrantAwarded", 1, {"amount_eur": 1234.5})
    event = types.decode(stored)
    assert event == cls(amount_cents=123450, currency="EUR")
    assert stored.payload == {"amount_eur": 1234.5}


def test_an_event_from_a_newer_schema_is_refused_with_a_reason() -> None:
    types, _ = make_registry()
    with pytest.raises(FutureSchemaVersion, match="schema version 4, newer than the 3"):
        types.decode(envelope("tests.GrantAwarded", 4, {}))


def test_an_unknown_type_is_refused_by_name() -> None:
    types, _ = make_registry()
    with pytest.raises(UnknownEventType, match="tests.Nope"):
        types.decode(envelope("tests.Nope", 1, {}))


def test_one_type_name_cannot_be_claimed_by_two_classes() -> None:
    types, _ = make_registry()

    class Impostor(Event):
        event_type = "tests.GrantAwarded"

    with pytest.raises(ValueError, match="registered twice"):
        types.register(Impostor)


def test_uuid7_ids_are_version_7_and_ordered_by_time() -> None:
    first = uuid7()
    later = [uuid7() for _ in range(50)]
    assert first.version == 7
    assert all(str(first)[:8] <= str(u)[:8] for u in later)
