"""Grants built in memory for the payments domain's unit and property tests."""

from __future__ import annotations

from datetime import UTC, datetime

from services.payments.events import GrantAwarded
from services.payments.grant import Grant, PlannedInstalment
from shared.ids import uuid7

AWARDED_AT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SEVENTY_THIRTY = (
    PlannedInstalment("On signature", 70, "on_signature"),
    PlannedInstalment("After the final report", 30, "on_report_approved"),
)


def awarded(
    amount_cents: int, plan: tuple[PlannedInstalment, ...] = SEVENTY_THIRTY, call_id: str = "call-1"
) -> Grant:
    """A grant just awarded (its events recorded, not stored)."""
    grant = Grant(str(uuid7()))
    grant.award(
        GrantAwarded(
            grant_id=grant.id,
            application_id=str(uuid7()),
            call_id=call_id,
            programme_id="programme-1",
            organisation_id="org-1",
            amount_cents=amount_cents,
            awarded_at=AWARDED_AT,
            country="FR",
        ),
        plan,
        [str(uuid7()) for _ in plan],
    )
    return grant


def instalment_ids(grant: Grant) -> list[str]:
    return list(grant.instalments)
