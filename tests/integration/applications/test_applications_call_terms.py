"""The applications service's replica of a call carries what the call asks
applicants to hand in, from `calls.events` alone."""

from __future__ import annotations

from sqlalchemy import text

from services.calls.events import CallTerms
from shared.app import Chassis
from tests.support.applications import World
from tests.support.forms import ANNEXES, CALL_TERMS, DECLARATIONS, FORM_SCHEMA


async def test_the_call_replica_carries_the_form_annexes_and_declarations(world: World) -> None:
    call = await world.open_call(**CALL_TERMS)
    chassis: Chassis = world.app.state.chassis
    async with chassis.engine.connect() as conn:
        stored = await conn.scalar(
            text("SELECT terms FROM call_replicas WHERE id = :i"), {"i": call["id"]}
        )
    terms = CallTerms.model_validate(stored)
    assert terms.form is not None
    assert terms.form.json_schema == FORM_SCHEMA
    assert [a.model_dump(mode="json") for a in terms.required_annexes] == ANNEXES
    assert list(terms.required_declarations) == DECLARATIONS
