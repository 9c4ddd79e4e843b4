"""Other services' events for calls tests: recorded in a scratch event store and
published on their real topics, as their relays would."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.applications.events import CallBudgetExhausted, CallReserveListFull
from services.payments.events import GrantAwarded
from shared.bus import event_topic
from shared.db import make_engine
from shared.events import Envelope, Event
from shared.eventstore import CommandContext, EventStore
from shared.ids import uuid7
from shared.settings import Settings
from tests.support.consuming import publish

STORE = EventStore(b"another-service-integrity-key")


async def publish_from(
    settings: Settings,
    database_url: str,
    service: str,
    stream_type: str,
    new_events: Sequence[Event],
) -> list[Envelope]:
    """Record each event on a stream of its own in `database_url`, then publish them."""
    engine = make_engine(database_url, pool_size=2)
    try:
        async with engine.begin() as conn:
            envelopes = [
                envelope
                for new_event in new_events
                for envelope in await STORE.append(
                    conn,
                    stream_type=stream_type,
                    stream_id=str(uuid7()),
                    expected_version=0,
                    new_events=[new_event],
                    context=CommandContext(),
                )
            ]
    finally:
        await engine.dispose()
    await publish(settings, event_topic(settings, service), envelopes)
    return envelopes


def grant(call: dict[str, object], amount_cents: int, at: datetime) -> GrantAwarded:
    return GrantAwarded(
        grant_id=str(uuid7()),
        application_id=str(uuid7()),
        call_id=str(call["id"]),
        programme_id=str(call["programme_id"]),
        organisation_id=str(uuid7()),
        amount_cents=amount_cents,
        awarded_at=at,
    )


def reserve_full(call: dict[str, object], reserved: int, at: datetime) -> CallReserveListFull:
    return CallReserveListFull(
        call_id=str(call["id"]), reserved=reserved, reserve_limit=reserved, full_at=at
    )


def exhausted(call: dict[str, object], committed_cents: int, at: datetime) -> CallBudgetExhausted:
    return CallBudgetExhausted(
        call_id=str(call["id"]),
        committed_cents=committed_cents,
        budget_cents=int(str(call["budget_cents"])),
        exhausted_at=at,
    )
