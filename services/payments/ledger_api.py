"""The payments service's routes for the books: ledgers and the de minimis register."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from services.payments import ledger_views
from shared.auth import Bookkeeper
from shared.errors import InvalidInput
from shared.http import ChassisDep

router = APIRouter(prefix="/v1", tags=["books"])


@router.get("/ledger")
async def ledger(
    _: Bookkeeper, chassis: ChassisDep, call_id: UUID | None = None,
    programme_id: UUID | None = None,
) -> ledger_views.CallLedgerView | ledger_views.ProgrammeLedgerView:
    """Committed, paid, recovered and available money of a call (`call_id`), or of a
    programme with each of its calls (`programme_id`)."""
    if (call_id is None) == (programme_id is None):
        raise InvalidInput("name either a call_id or a programme_id", errors=[
            {"field": "query.call_id", "message": "give call_id or programme_id, not both",
             "type": "missing"}])
    async with chassis.engine.connect() as conn:
        if call_id is not None:
            return await ledger_views.call_ledger(conn, str(call_id))
        return await ledger_views.programme_ledger(conn, str(programme_id))


@router.get("/organisations/{organisation_id}/de-minimis")
async def de_minimis(
    _: Bookkeeper, chassis: ChassisDep, organisation_id: UUID, programme_id: UUID | None = None,
    on: Annotated[date | None, Query(description="The window's last day; today by default.")]
    = None,
) -> ledger_views.DeMinimisView:
    """The de minimis aid of the organisation's undertaking (its PIC, else its VAT id)
    in the rolling window ending on `on` (today by default), across all programmes,
    and the headroom left under the ceiling (the programme's settings when given)."""
    day = on or chassis.clock.now().date()
    async with chassis.engine.connect() as conn:
        return await ledger_views.de_minimis(conn, str(organisation_id), day,
                                             str(programme_id) if programme_id else None)
