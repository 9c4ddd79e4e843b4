"""Reporting heals a gap on its own: what the calls service recorded but reporting's
topic never brought (a broker that lost it) is taken from the calls feed, events
that arrived ahead of a missing one wait for it, and nothing forged gets in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from cascade.migrate import migrate
from cascade.services import ensure_topics
from services.reporting.healing import GapHealer
from shared.app import Chassis
from shared.bus import event_topic
from shared.clock import FixedClock
from shared.db import drop_database, with_database
from shared.events import Envelope
from shared.eventstore import envelope_from_row
from tests.conftest import unique_name
from tests.integration.reporting.conftest import fresh_settings
from tests.support.calls import (
    DAY,
    EUR,
    T0,
    act,
    auth,
    new_call,
    new_programme,
    running_calls,
)
from tests.support.calls import client_of as calls_client_of
from tests.support.consuming import publish
from tests.support.reporting import running_reporting
from tests.support.waiting import eventually


@pytest.fixture
async def databases(pg_server_url: str) -> AsyncIterator[dict[str, str]]:
    urls = {s: with_database(pg_server_url, f"{unique_name()}_{s}") for s in ("calls", "reporting")}
    for service, url in urls.items():
        await migrate(service, url)
    yield urls
    for url in urls.values():
        await drop_database(url)


async def test_events_the_topic_never_brought_are_taken_from_the_feed_in_order(
    pg_server_url: str,
    kafka_bootstrap: str,
    databases: dict[str, str],
) -> None:
    # The calls service publishes on topics reporting does not read: reporting's
    # calls topic holds only what the test puts there, as a broker that lost the rest.
    calls_settings = fresh_settings(pg_server_url, kafka_bootstrap)
    reporting_settings = fresh_settings(pg_server_url, kafka_bootstrap).model_copy(
        update={"reporting_heal_interval_ms": 100}
    )
    clock = FixedClock(T0)
    async with (
        running_calls(calls_settings, databases["calls"], clock) as calls_app,
        calls_client_of(calls_app) as calls,
    ):
        manager = auth(calls_settings, "programme_manager", sub="pm")
        programme = await new_programme(calls, manager)
        call = await new_call(calls, manager, programme["id"], budget_cents=250_000 * EUR)
        clock.set(T0 + 2 * DAY)
        assert (await act(calls, manager, call, "publish")).status_code == 200
        history = await recorded(calls_app, call["id"])
        assert len(history) >= 2
        # Only the call's last event reaches reporting's topic: it must wait for the others.
        await ensure_topics(reporting_settings)
        await publish(reporting_settings, event_topic(reporting_settings, "calls"), history[-1:])
        forged = await forge_an_event(calls_app, programme["id"])
        status = (await calls.get(f"/v1/calls/{call['id']}", headers=manager)).json()["status"]

        async with (
            running_reporting(
                reporting_settings, databases["reporting"], clock, {"calls": calls_app}
            ) as reporting_app,
            calls_client_of(reporting_app) as reporting,
        ):
            auditor = auth(reporting_settings, "auditor", sub="au")

            async def call_reported_as_at_the_source() -> bool:
                answer = await reporting.get(f"/v1/reports/calls/{call['id']}", headers=auditor)
                call_facts = answer.json().get("call") if answer.status_code == 200 else None
                return bool(call_facts and call_facts["status"] == status)

            await eventually(call_reported_as_at_the_source, timeout=30)
            report = await call_report(reporting, auditor, call["id"])
            assert report["call"]["budget_cents"] == 250_000 * EUR
            programme_report = await reporting.get(
                f"/v1/reports/programmes/{programme['id']}", headers=auditor
            )
            assert programme_report.status_code == 200, programme_report.text
            healer = one(reporting_app, GapHealer)
            async with reporting_app.state.chassis.engine.connect() as conn:
                copied = dict(
                    (await conn.execute(text("SELECT id, received_via FROM audit_events"))).all()
                )
                waiting = await conn.scalar(
                    text("SELECT count(*) FROM projection_records WHERE waiting")
                )
        # The programme and the call's first event came from the feed; the forged one not at all.
        assert copied[history[-1].id] == "topic"
        assert {copied[e.id] for e in history[:-1]} == {"feed"}
        assert forged not in copied
        assert healer.healed_total == len(copied) - 1
        assert waiting == 0


async def recorded(app: FastAPI, stream_id: str) -> list[Envelope]:
    chassis: Chassis = app.state.chassis
    async with chassis.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT * FROM events WHERE stream_id = :s ORDER BY version"), {"s": stream_id}
        )
        return [envelope_from_row(row._mapping) for row in rows]


async def forge_an_event(app: FastAPI, stream_id: str) -> Any:
    """A next version of the stream written straight into the calls database (a copy
    of its last event) with a hash no key made: the feed shows it, and reporting
    must not take it in."""
    chassis: Chassis = app.state.chassis
    async with chassis.engine.begin() as conn:
        return await conn.scalar(
            text("""
            INSERT INTO events (id, stream_type, stream_id, version, type, schema_version,
                occurred_at, recorded_at, actor, correlation_id, payload, prev_hash, hash)
            SELECT gen_random_uuid(), stream_type, stream_id, version + 1, type, schema_version,
                occurred_at, recorded_at, actor, correlation_id, payload, hash, repeat('f', 64)
            FROM events WHERE stream_id = :s ORDER BY version DESC LIMIT 1
            RETURNING id"""),
            {"s": stream_id},
        )


async def call_report(
    client: httpx.AsyncClient, headers: dict[str, str], call_id: str
) -> dict[str, Any]:
    answer = await client.get(f"/v1/reports/calls/{call_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def one(app: FastAPI, kind: type[GapHealer]) -> GapHealer:
    [found] = [c for c in app.state.chassis.components if isinstance(c, kind)]
    return found
