"""The payments service's routes for the books: each call's and programme's ledger."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from services.payments import ledger_views
from shared.auth import Bookkeeper
from shared.errors import InvalidInput
from shared.http import ChassisDep

router = APIRouter(prefix="/v1", tags=["books"])


@router.get("/ledger")
async def ledger(
    _: Bookkeeper,
    chassis: ChassisDep,
    call_id: UUID | None = None,
    programme_id: UUID | None = None,
) -> ledger_views.CallLedgerView | ledger_views.ProgrammeLedgerView:
    """Committed, paid, recovered and available money of a call (`call_id`), or of a
    programme with each of its calls (`programme_id`)."""
    if (call_id is None) == (programme_id is None):
        raise InvalidInput(
            "name either a call_id or a programme_id",
            errors=[
                {
                    "field": "query.call_id",
                    "message": "give call_id or programme_id, not both",
                    "type": "missing",
                }
            ],
        )
    async with chassis.engine.connect() as conn:
        if call_id is not None:
            return await ledger_views.call_ledger(conn, str(call_id))
        return await ledger_views.programme_ledger(conn, str(programme_id))
