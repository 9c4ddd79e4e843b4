"""Report routes: a programme's or a call's figures, live or as of an instant."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from services.reporting.reports import call_report, programme_report
from shared.auth import ManagerOrAuditor, Principal
from shared.errors import Forbidden, InvalidInput
from shared.http import ChassisDep
from shared.values import Instant

AsOf = Annotated[
    Instant | None,
    Query(
        description="An RFC 3339 instant with offset: the figures as they stood then, "
        "recomputed from the events recorded up to it (auditors)."
    ),
]
router = APIRouter(prefix="/v1/reports", tags=["reports"])


class AsOfInFuture(InvalidInput):
    code = "as_of_in_future"


def checked_as_of(user: Principal, as_of: datetime | None, now: datetime) -> datetime | None:
    """The instant in UTC; refused when in the future, where figures could still change."""
    if as_of is None:
        return None
    if not user.has_any_role(frozenset({"auditor"})):
        raise Forbidden("figures as of an instant are for auditors")
    as_of = as_of.astimezone(UTC)
    if as_of > now:
        raise AsOfInFuture(
            f"as_of {as_of.isoformat()} is in the future: its figures could still change",
            errors=[
                {
                    "field": "query.as_of",
                    "message": "must not be later than now",
                    "type": "as_of_in_future",
                }
            ],
        )
    return as_of


@router.get("/programmes/{programme_id}")
async def get_programme_report(
    programme_id: UUID, user: ManagerOrAuditor, chassis: ChassisDep, as_of: AsOf = None
) -> dict[str, Any]:
    """Calls, applications by status, SMEs supported, breakdowns, money and durations."""
    now = chassis.clock.now()
    when = checked_as_of(user, as_of, now)
    async with chassis.engine.connect() as conn:
        return await programme_report(conn, str(programme_id), now, when)


@router.get("/calls/{call_id}")
async def get_call_report(
    call_id: UUID, user: ManagerOrAuditor, chassis: ChassisDep, as_of: AsOf = None
) -> dict[str, Any]:
    """The programme report's figures for one call, with its success rate and mean score."""
    now = chassis.clock.now()
    when = checked_as_of(user, as_of, now)
    async with chassis.engine.connect() as conn:
        return await call_report(conn, str(call_id), now, when)
