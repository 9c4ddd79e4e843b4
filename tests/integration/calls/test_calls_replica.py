"""`calls.events` is a complete contract: a consumer rebuilds every call and
programme from the topic alone, equal field by field to the service's own view,
and every message matches the AsyncAPI document the service serves."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import jsonschema
from fastapi import FastAPI
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import text

from services.calls import events as ev
from shared.bus import event_topic
from shared.clock import FixedClock
from shared.events import Envelope, registry
from shared.settings import Settings
from tests.support.calls import DAY, EUR, T0, act, call_body, iso, new_call, new_programme
from tests.support.forms import CALL_TERMS
from tests.support.kafka import read_topic
from tests.support.waiting import polls

Headers = dict[str, str]


def apply(replica: dict[str, dict[str, Any]], envelope: Envelope) -> None:
    """A consumer's fold of one event into its replica, knowing only `events`."""
    event = registry.decode(envelope)
    j = event.model_dump(mode="json")
    if isinstance(event, ev.ProgrammeCreated):
        replica[event.programme_id] = {
            **{k: v for k, v in j.items() if k != "programme_id"},
            "id": event.programme_id,
            "carved_cents": 0,
            "remaining_cents": event.budget_cents,
            "call_budgets": [],
        }
    elif isinstance(event, ev.ProgrammeBudgetCarved):
        programme = replica[event.programme_id]
        shares = {b["call_id"]: b["budget_cents"] for b in programme["call_budgets"]}
        shares[event.call_id] = event.call_budget_cents
        programme["call_budgets"] = [
            {"call_id": c, "budget_cents": b} for c, b in shares.items() if b
        ]
        programme["carved_cents"] = event.carved_cents
        programme["remaining_cents"] = programme["budget_cents"] - event.carved_cents
    elif isinstance(event, ev.CallDrafted):
        replica[event.call_id] = {
            "id": event.call_id,
            "programme_id": event.programme_id,
            "currency": event.currency,
            "rules_version": event.rules_version,
            "status": "draft",
            "committed_cents": 0,
            "drafted_at": j["drafted_at"],
            "published_at": None,
            "opened_at": None,
            "closed_at": None,
            "closed_cause": None,
            "cancelled_at": None,
            "pending_budget_cents": None,
            "selection_recorded_at": None,
            "results_published_at": None,
            "review_requests_until": None,
        }
        _terms(replica[event.call_id], event.terms)
    else:
        call = replica[j["call_id"]]
        if isinstance(event, ev.CallUpdated):
            _terms(call, event.terms)
        elif isinstance(event, ev.CallPublished):
            call.update(status="published", published_at=j["published_at"])
        elif isinstance(event, ev.CallOpened):
            call.update(status="open", opened_at=j["opened_at"])
        elif isinstance(event, ev.CallDeadlineExtended):
            call["closes_at"] = j["closes_at"]
        elif isinstance(event, ev.CallBudgetAmended):
            call.update(budget_cents=event.budget_cents, pending_budget_cents=None)
        elif isinstance(event, ev.CallBudgetCutRequested):
            call["pending_budget_cents"] = event.budget_cents
        elif isinstance(event, ev.CallBudgetCutRefused):
            call["pending_budget_cents"] = None
        elif isinstance(event, ev.CallClosed):
            call.update(status="closed", closed_at=j["closed_at"], closed_cause=event.cause)
        elif isinstance(event, ev.CallCancelled):
            call.update(status="cancelled", cancelled_at=j["cancelled_at"])
        elif isinstance(event, ev.CallCommitmentRecorded):
            call["committed_cents"] = event.committed_cents
        elif isinstance(event, ev.CallSelectionRecorded):
            call["selection_recorded_at"] = j["recorded_at"]
        elif isinstance(event, ev.CallResultsPublished):
            call.update(
                status="results_published",
                results_published_at=j["published_at"],
                review_requests_until=j["review_requests_until"],
            )
        call["available_cents"] = call["budget_cents"] - call["committed_cents"]
    replica[envelope.stream_id]["version"] = envelope.version


def _terms(call: dict[str, Any], terms: ev.CallTerms) -> None:
    call.update(terms.model_dump(mode="json"))
    call["eligibility"] = [
        {**rule.model_dump(mode="json"), "description": rule.describe()}
        for rule in terms.eligibility
    ]
    call["available_cents"] = terms.budget_cents - call["committed_cents"]
    call["state_resources_percent"] = terms.state_resources_percent  # derived by the events


async def make_history(
    client: httpx.AsyncClient, manager: Headers, clock: FixedClock
) -> list[dict[str, Any]]:
    """Every kind of call event, on several calls of two programmes."""
    metastars = await new_programme(client, manager, per_beneficiary_cap_cents=60_000 * EUR)
    other = await new_programme(client, manager, objectives=["train"])
    edited, cancelled, extended, early, untouched = [
        await new_call(client, manager, metastars["id"], budget_cents=200_000 * EUR)
        for _ in range(5)
    ]
    trainees = await new_call(
        client,
        manager,
        other["id"],
        objectives=["train"],
        selection_mode="first_come_first_served",
        criteria=[],
        **CALL_TERMS,
    )
    await client.patch(
        f"/v1/calls/{edited['id']}",
        headers={**manager, "If-Match": '"1"'},
        json={
            "budget_cents": 150_000 * EUR,
            "eligibility": [
                {
                    "type": "consortium",
                    "min_members": 3,
                    "min_distinct_countries": 3,
                    "required_tags": ["defence"],
                },
                {"type": "registered_before", "date": "2024-01-01"},
                {"type": "requested_between", "min_cents": 0, "max_cents": 50_000 * EUR},
            ],
        },
    )
    for call in (edited, cancelled, extended, early, trainees):
        await act(client, manager, call, "publish")
    await act(client, manager, cancelled, "cancel", reason="merged into another call")
    clock.set(T0 + 2 * DAY)
    await act(
        client,
        manager,
        extended,
        "extend-deadline",
        closes_at=iso(T0 + 50 * DAY),
        reason="holidays",
    )
    await act(
        client, manager, extended, "amend-budget", budget_cents=250_000 * EUR, reason="more money"
    )
    await act(client, manager, early, "close", reason="enough applications")
    clock.set(T0 + 31 * DAY)
    return [metastars, other, edited, cancelled, extended, early, untouched, trainees]


async def test_a_consumer_rebuilds_every_call_and_programme_from_calls_events_alone(
    settings: Settings,
    client: httpx.AsyncClient,
    manager: Headers,
    clock: FixedClock,
    app: FastAPI,
) -> None:
    made = await make_history(client, manager, clock)
    async with app.state.chassis.engine.connect() as conn:
        await _wait_for_scheduler(conn, clock)
        total = int(await conn.scalar(text("SELECT count(*) FROM events")) or 0)
    records = await read_topic(
        settings.kafka_bootstrap_servers or "",
        event_topic(settings, "calls"),
        until=lambda records: len(records) >= total,
    )
    envelopes = sorted(
        {e.id: e for e in (Envelope.model_validate_json(r.value) for r in records)}.values(),
        key=lambda e: (e.stream_id, e.version),
    )
    assert len(envelopes) == total

    replica: dict[str, dict[str, Any]] = {}
    for envelope in envelopes:
        apply(replica, envelope)

    assert set(replica) == {m["id"] for m in made}
    for resource in made:
        kind = "calls" if "programme_id" in resource else "programmes"
        own = (await client.get(f"/v1/{kind}/{resource['id']}", headers=manager)).json()
        assert set(replica[resource["id"]]) == set(own)
        for field, value in own.items():
            assert replica[resource["id"]][field] == value, (kind, field)
    statuses = {replica[m["id"]]["status"] for m in made[2:]}
    assert statuses == {"draft", "closed", "cancelled", "open"}
    _matches_asyncapi(envelopes, (await client.get("/asyncapi.json")).json())


async def _wait_for_scheduler(conn: Any, clock: FixedClock) -> None:
    """Until no call is due to open or close any more."""
    for _ in polls():
        due = await conn.scalar(
            text(
                "SELECT count(*) FROM calls WHERE (status = 'published' AND opens_at <= :now) "
                "OR (status = 'open' AND closes_at <= :now)"
            ),
            {"now": clock.now()},
        )
        await conn.commit()
        if due == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the scheduler left calls due")


def _matches_asyncapi(envelopes: list[Envelope], document: dict[str, Any]) -> None:
    assert document["asyncapi"] == "3.0.0"
    messages = document["components"]["messages"]
    calls_types = {t for t in registry.types() if t.startswith("calls.")}
    assert {m["name"] for m in messages.values()} == calls_types
    assert set(document["channels"]["calls.events"]["messages"]) == set(messages)
    assert messages["CallClosed"]["x-personal-fields"] == ["reason"]
    resources = Registry().with_resource(
        "urn:calls", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    for envelope in envelopes:
        name = envelope.type.split(".", 1)[1]
        schema = {"$ref": f"urn:calls#/components/messages/{name}/payload"}
        jsonschema.Draft202012Validator(schema, registry=resources).validate(
            envelope.model_dump(mode="json")
        )
    wrong = {**envelopes[0].model_dump(mode="json"), "payload": {"call_id": 7}}
    schema = {"$ref": f"urn:calls#/components/messages/{envelopes[0].type[6:]}/payload"}
    assert not jsonschema.Draft202012Validator(schema, registry=resources).is_valid(wrong)


def test_call_body_covers_every_term() -> None:
    assert set(call_body("x")) - {"programme_id"} == set(ev.CallTerms.model_fields)
