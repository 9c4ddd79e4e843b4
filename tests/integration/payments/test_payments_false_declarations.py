"""A declaration on honour later found false is the recorded ground of a grant's
cancellation or of a recovery: the events and the grant name the declaration."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from shared.app import Chassis
from shared.ids import uuid7
from tests.support.api import assert_problem
from tests.support.calls import EUR
from tests.support.payments import Payments


async def new_grant(payments: Payments, member: str) -> dict[str, Any]:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme)
    return await payments.grant_of(
        await up.contract(call, programme, await up.organisation(member), 10_000 * EUR)
    )


async def payload_of(payments: Payments, event_type: str, grant_id: str) -> dict[str, Any]:
    chassis: Chassis = payments.app.state.chassis
    async with chassis.engine.connect() as conn:
        found: dict[str, Any] = await conn.scalar(
            text("SELECT payload FROM events WHERE type = :t AND stream_id = :g"),
            {"t": event_type, "g": grant_id},
        )
    return found


async def test_a_recovery_and_a_cancellation_name_the_false_declaration(
    payments: Payments,
) -> None:
    grant = await new_grant(payments, "sme-double-funded")
    await payments.pay(grant["instalments"][0]["id"])
    ground = {"declaration_id": str(uuid7()), "code": "no_double_funding"}

    recovery = await payments.post(
        f"/v1/grants/{grant['id']}/recoveries",
        payments.officer("fo-anna"),
        amount_cents=7_000 * EUR,
        reason="the same action was funded by another EU programme",
        false_declaration=ground,
    )
    assert recovery.status_code == 201, recovery.text
    assert recovery.json()["false_declaration"] == ground
    cancelled = await payments.post(
        f"/v1/grants/{grant['id']}/cancel",
        payments.manager,
        reason="the declaration of no double funding was false",
        false_declaration=ground,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["cancelled_for"] == ground
    shown = await payments.grant(grant["id"])
    assert shown["recoveries"][0]["false_declaration"] == ground
    for event_type in ("payments.RecoveryOrdered", "payments.GrantCancelled"):
        assert (await payload_of(payments, event_type, grant["id"]))["false_declaration"] == ground


async def test_a_cancellation_for_another_reason_names_no_declaration(payments: Payments) -> None:
    grant = await new_grant(payments, "sme-moved-away")
    cancelled = await payments.post(
        f"/v1/grants/{grant['id']}/cancel", payments.manager, reason="the company closed"
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["cancelled_for"] is None


@pytest.mark.parametrize(
    "ground",
    [
        {"declaration_id": "d-1", "code": "loyalty"},
        {"code": "sme_status"},
        {"declaration_id": "", "code": "sme_status"},
    ],
)
async def test_a_ground_that_names_no_declaration_is_refused_and_changes_nothing(
    payments: Payments, ground: dict[str, Any]
) -> None:
    grant = await new_grant(payments, f"sme-{uuid7().hex[:6]}")
    refused = await payments.post(
        f"/v1/grants/{grant['id']}/cancel",
        payments.manager,
        reason="false declaration",
        false_declaration=ground,
    )
    assert_problem(refused, 422, "invalid_input")
    assert await payments.grant(grant["id"]) == grant
