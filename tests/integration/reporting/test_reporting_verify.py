"""`GET /v1/audit/verify` names each tampering at a source: an event edited, one
removed, the newest removed, one inserted, two swapped. The calls service's
history is tampered with behind its append-only trigger, as someone with raw
database access could; reporting's audit copy and the chain find each place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

import shared.audit
from cascade.migrate import migrate
from cascade.services import ensure_topics
from services.reporting import feeds, verify, verify_feed
from shared.app import Chassis
from shared.clock import FixedClock
from shared.consumer import ConsumerRunner
from shared.db import drop_database, with_database
from shared.relay import Relay
from tests.conftest import unique_name
from tests.integration.reporting.conftest import fresh_settings
from tests.support.calls import (
    EUR,
    T0,
    act,
    auth,
    new_call,
    new_programme,
    running_calls,
)
from tests.support.calls import client_of as calls_client_of
from tests.support.reporting import running_reporting
from tests.support.waiting import eventually

Found = set[tuple[str, str, str, int | None]]  # (found_in, kind, stream, version)


class History:
    """The calls service's history as reporting received it, to be tampered with."""

    def __init__(self, calls: Any, reporting: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.calls, self.reporting, self.headers = calls, reporting, headers
        self.streams: list[str] = []

    async def run(self, *statements: str, **params: Any) -> None:
        chassis: Chassis = self.calls.state.chassis
        # Tampering happens behind the service's back: its relay must not publish
        # the rows inserted here (it would, at its next idle poll), or reporting
        # receives the forgery and "not received" depends on who is quicker.
        for relay in [c for c in chassis.components if isinstance(c, Relay)]:
            await relay.stop()
        async with chassis.engine.begin() as conn:
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
            for statement in statements:
                await conn.execute(text(statement), params)

    async def writers(self) -> list[tuple[Any, ...]]:
        """The transactions on the server that hold the commit-safe feed back."""
        chassis: Chassis = self.calls.state.chassis
        async with chassis.engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT datname, state, backend_xid::text, now() - xact_start, left(query, 120) "
                    "FROM pg_stat_activity WHERE backend_xid IS NOT NULL ORDER BY xact_start"
                )
            )
            return [tuple(row) for row in rows]

    async def newest(self) -> tuple[str, int]:
        chassis: Chassis = self.calls.state.chassis
        async with chassis.engine.connect() as conn:
            row = (
                await conn.execute(
                    text("SELECT stream_id, version FROM events ORDER BY position DESC LIMIT 1")
                )
            ).one()
        return row.stream_id, row.version

    async def verify(self, *services: str) -> dict[str, Any]:
        answer = await self.reporting.get(
            "/v1/audit/verify",
            headers=self.headers,
            params={"service": list(services)} if services else {},
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


def found(answer: dict[str, Any]) -> Found:
    return {(d["found_in"], d["kind"], d["stream_id"], d["version"]) for d in answer["differences"]}


@pytest.fixture(scope="module")
async def history(pg_server_url: str, kafka_bootstrap: str) -> AsyncIterator[History]:
    settings, clock = fresh_settings(pg_server_url, kafka_bootstrap), FixedClock(T0)
    urls = {s: with_database(pg_server_url, f"{unique_name()}_{s}") for s in ("calls", "reporting")}
    for service, url in urls.items():
        await migrate(service, url)
    await ensure_topics(settings)  # before the relay could create one by publishing
    try:
        async with (
            running_calls(settings, urls["calls"], clock) as calls_app,
            calls_client_of(calls_app) as calls,
            running_reporting(
                settings, urls["reporting"], clock, {"calls": calls_app}
            ) as reporting_app,
            calls_client_of(reporting_app) as reporting,
        ):
            manager = auth(settings, "programme_manager", sub="pm")
            found_history = History(calls_app, reporting, auth(settings, "auditor", sub="au"))
            programme = await new_programme(calls, manager)
            for _ in range(5):
                call = await new_call(calls, manager, programme["id"], budget_cents=100_000 * EUR)
                assert (await act(calls, manager, call, "publish")).status_code == 200
                found_history.streams.append(call["id"])

            async def copied() -> bool:
                summary = (await found_history.verify("calls"))["sources"]["calls"]
                return bool(summary["audit_events"] == summary["feed_events"])

            await eventually(copied, timeout=30)
            consumers = [
                c for c in reporting_app.state.chassis.components if isinstance(c, ConsumerRunner)
            ]
            assert [c.dead_lettered_total for c in consumers] == [0]
            yield found_history
    finally:
        for url in urls.values():
            await drop_database(url)


async def test_an_untouched_history_is_intact(history: History) -> None:
    answer = await history.verify("calls")
    assert (answer["intact"], answer["differences"]) == (True, [])


async def test_each_tampering_at_the_source_is_named(
    history: History,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With pages of 4 events (feed, copy and scratch table alike), so that
    streams and tamperings fall on either side of page boundaries."""
    for module in (verify, verify_feed, feeds):
        monkeypatch.setattr(module, "PAGE", 4)
    monkeypatch.setattr(shared.audit, "SLICE", 3)
    edited, removed, inserted, swapped, _ = history.streams
    newest = await history.newest()
    assert newest[0] not in (edited, removed, inserted, swapped)
    # The inserted event is to stay at the source, never received: a running relay
    # would publish it to reporting at its next poll, before or during the check.
    for relay in [c for c in history.calls.state.chassis.components if isinstance(c, Relay)]:
        await relay.stop()
    await history.run(
        """UPDATE events SET payload = jsonb_set(payload, '{published_at}',
                                                 '"2020-01-01T00:00:00+00:00"')
           WHERE stream_id = :edited AND version = 2""",
        "DELETE FROM events WHERE stream_id = :removed AND version = 1",
        """INSERT INTO events (id, stream_type, stream_id, version, type, schema_version,
               occurred_at, recorded_at, actor, correlation_id, payload, prev_hash, hash)
           SELECT gen_random_uuid(), stream_type, stream_id, 3, type, schema_version,
               occurred_at, recorded_at, actor, correlation_id, payload, hash, repeat('f', 64)
           FROM events WHERE stream_id = :inserted AND version = 2""",
        "UPDATE events SET version = version + 1000 WHERE stream_id = :swapped",
        "UPDATE events SET version = 1003 - version WHERE stream_id = :swapped",
        """DELETE FROM events WHERE stream_id = :newest_stream AND version = :newest_version""",
        edited=edited,
        removed=removed,
        inserted=inserted,
        swapped=swapped,
        newest_stream=newest[0],
        newest_version=newest[1],
    )

    before = (await history.verify("calls"))["sources"]["calls"]["audit_events"]

    async def feed_has_the_insert() -> bool:
        # The feed shows a commit once every transaction older than it has ended
        # (commit-safe order): on a shared server, that can take a moment.
        return bool(
            (await history.verify("calls"))["sources"]["calls"]["feed_events"] == before - 2 + 1
        )

    try:
        await eventually(feed_has_the_insert, timeout=90)
    except AssertionError:
        raise AssertionError(f"the feed lags behind: {await history.writers()}") from None
    answer = await history.verify("calls")

    differences = found(answer)
    assert answer["intact"] is False
    assert {
        ("source", "altered", edited, 2),
        ("cross_check", "changed_at_source", edited, 2),
        ("source", "missing", removed, 1),
        ("cross_check", "removed_at_source", removed, 1),
        ("source", "altered", inserted, 3),
        ("cross_check", "not_received", inserted, 3),
        ("source", "altered", swapped, 1),
        ("source", "altered", swapped, 2),
        ("cross_check", "changed_at_source", swapped, 1),
        ("cross_check", "changed_at_source", swapped, 2),
        ("cross_check", "removed_at_source", newest[0], newest[1]),
    } <= differences
    assert {d["source"] for d in answer["differences"]} == {"calls"}
    assert not [d for d in answer["differences"] if d["found_in"] == "audit_copy"]
    [changed] = [
        d
        for d in answer["differences"]
        if (d["kind"], d["stream_id"]) == ("changed_at_source", edited)
    ]
    assert "payload" in changed["detail"]
    assert changed["event_id"]


async def test_a_source_that_cannot_be_reached_is_named_not_a_failure(history: History) -> None:
    answer = await history.verify("applications")
    assert [(d["kind"], d["source"]) for d in answer["differences"]] == [
        ("source_unreachable", "applications")
    ]
    bad = await history.reporting.get(
        "/v1/audit/verify", headers=history.headers, params={"service": "ledger"}
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_input")
