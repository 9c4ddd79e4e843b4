"""Outcomes wait for the call's results (issue 15 point 6): until a ranked
call's results are published, an applicant reads each application as it stood
before the decision (`evaluated`, no amount, no reserve position, no reason) and
signs no agreement. Staff read the real status. A first-come call decides on
receipt and publishes nothing, so its outcome is the applicant's at once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications import replica, results
from services.applications.tables import call_replicas, call_results
from shared.auth import STAFF, Principal
from shared.errors import RuleViolation

# The statuses a selection decides; each reads as `evaluated` before publication.
DECIDED = frozenset({"selected", "reserve", "rejected"})
BEFORE_DECISION = "evaluated"
# Who reads the real status at any time: staff, and reviewers deciding redress.
READ_AT_ANY_TIME = STAFF | {"reviewer"}


def reads_at_any_time(user: Principal) -> bool:
    return user.has_any_role(READ_AT_ANY_TIME)


class ResultsNotPublished(RuleViolation):
    code = "results_not_published"


async def withheld_calls(conn: AsyncConnection, call_ids: set[str]) -> set[str]:
    """The ranked calls among these whose results are not yet published."""
    if not call_ids:
        return set()
    published = select(call_results.c.call_id).where(call_results.c.call_id.in_(call_ids))
    rows = await conn.execute(
        select(call_replicas.c.id).where(
            call_replicas.c.id.in_(call_ids),
            call_replicas.c.terms["selection_mode"].astext != "first_come_first_served",
            call_replicas.c.id.not_in(published),
        )
    )
    return set(rows.scalars())


def before_decision(body: dict[str, Any]) -> dict[str, Any]:
    """The application as its applicant reads it before publication."""
    if body.get("status") not in DECIDED:
        return body
    return {
        **body,
        "status": BEFORE_DECISION,
        "amount_cents": 0,
        "reason_code": None,
        "reserve_rank": None,
    }


async def as_applicant_reads(conn: AsyncConnection, bodies: list[Any]) -> list[Any]:
    withheld = await withheld_calls(conn, {b["call_id"] for b in bodies})
    return [before_decision(b) if b["call_id"] in withheld else b for b in bodies]


async def require_published(conn: AsyncConnection, call_id: str) -> None:
    """Signing waits for a ranked call's published results."""
    call = await replica.find(conn, call_id)
    if call.first_come_first_served:
        return
    if await results.of_call(conn, call_id) is None:
        raise ResultsNotPublished(
            "the agreement can be signed once the call's results are published"
        )
