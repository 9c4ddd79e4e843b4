"""The contract: the AsyncAPI document covers every applications event with its
personal fields, the recorded events match it, and the call replica follows
the calls service (a deadline extension moves the edge)."""

from __future__ import annotations

from datetime import timedelta

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import text

from shared.events import registry
from tests.support.applications import World
from tests.support.calls import DAY, T0, iso
from tests.support.calls import act as call_act
from tests.support.forms import FORM, SME_FIGURES, answers
from tests.support.waiting import eventually

CLOSES = T0 + 30 * DAY


async def test_a_deadline_extension_reaches_the_replica_and_moves_the_edge(world: World) -> None:
    call = await world.open_call()
    extended = await call_act(
        world.calls,
        world.manager,
        call,
        "extend-deadline",
        closes_at=iso(CLOSES + DAY),
        reason="holidays",
    )
    assert extended.status_code == 200, extended.text
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    draft = await world.draft(sme, call, org["id"])
    chassis = world.app.state.chassis

    async def extended_in_replica() -> bool:
        async with chassis.engine.connect() as conn:
            return bool(
                await conn.scalar(
                    text("SELECT terms->>'closes_at' > :old FROM call_replicas WHERE id = :i"),
                    {"i": call["id"], "old": CLOSES.isoformat()},
                )
            )

    await eventually(extended_in_replica, timeout=30)
    world.clock.set(CLOSES + timedelta(hours=1))
    assert (await world.act(sme, draft, "submit")).json()["status"] == "eligible"


async def test_every_recorded_event_matches_the_asyncapi_document(world: World) -> None:
    call = await world.open_call(form=FORM, required_declarations=["sme_status"])
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    draft = await world.draft(sme, call, org["id"], answers=answers())
    await world.act(
        sme, draft, "declarations", code="sme_status", accepted=True, figures=SME_FIGURES
    )
    assert (await world.act(sme, draft, "submit")).status_code == 200
    await world.act(sme, draft, "withdraw")
    document = (await world.client.get("/asyncapi.json")).json()
    messages = document["components"]["messages"]
    assert {m["name"] for m in messages.values()} == {
        t for t in registry.types() if t.startswith("applications.")
    }
    assert messages["ApplicationDrafted"]["x-personal-fields"] == [
        "personal_answers",
        "summary",
        "title",
    ]
    assert messages["OrganisationRegistered"]["x-subject-fields"] == ["registered_by"]
    assert messages["EvaluatorRegistered"]["x-personal-subjects"] == {"name": "sub"}
    resources = Registry().with_resource(
        "urn:a", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    async with world.app.state.chassis.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT type, payload FROM events"))).all()
    assert {r.type for r in rows} >= {
        "applications.OrganisationRegistered",
        "applications.ApplicationSubmitted",
        "applications.EligibilityAssessed",
        "applications.ApplicationWithdrawn",
        "applications.DeclarationMade",
    }
    for row in rows:
        schema = {"$ref": f"urn:a#/components/messages/{row.type.split('.', 1)[1]}/payload"}
        envelope = {
            "id": "0190a0a0-0000-7000-8000-000000000000",
            "type": row.type,
            "schema_version": 1,
            "stream_type": "x",
            "stream_id": "x",
            "version": 1,
            "occurred_at": iso(T0),
            "recorded_at": iso(T0),
            "actor": {"sub": "x", "roles": []},
            "correlation_id": "0190a0a0-0000-7000-8000-000000000000",
            "payload": row.payload,
            "prev_hash": "",
            "hash": "",
        }
        jsonschema.Draft202012Validator(schema, registry=resources).validate(envelope)
