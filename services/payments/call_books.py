"""Each call's books as payments keeps them: the call's terms and its ledger on the
call's row (services/payments/tables.py), read with the row locked and saved after
a movement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.payments.grant import PlannedInstalment
from services.payments.ledger import CallLedger
from services.payments.tables import calls
from shared.errors import NotFound


class CallBooks:
    """A call as payments knows it, with its ledger."""

    def __init__(self, row: Any) -> None:
        self.id: str = row.id
        self.programme_id: str = row.programme_id
        self.currency: str = row.currency
        self.status: str = row.status
        self.counts_as_de_minimis: bool = row.counts_as_de_minimis
        self.state_resources_percent: int = row.state_resources_percent
        self.plan = tuple(
            PlannedInstalment(i["label"], i["percent"], i["trigger"]) for i in row.instalments
        )
        self.ledger = CallLedger(
            row.budget_cents, row.committed_cents, row.paid_cents, row.recovered_cents
        )


async def find_call(conn: AsyncConnection, call_id: str, *, lock: bool = False) -> CallBooks | None:
    """The call, or None if not yet heard of; `lock` holds its row (and so its ledger)
    until the transaction ends, queueing every other movement of the call's money."""
    query = select(calls).where(calls.c.id == call_id)
    row = (await conn.execute(query.with_for_update() if lock else query)).first()
    return CallBooks(row) if row is not None else None


async def ledger_of(conn: AsyncConnection, call_id: str) -> CallBooks:
    """The call with its ledger row locked; 404 when unknown."""
    call = await find_call(conn, call_id, lock=True)
    if call is None:
        raise NotFound(f"no call {call_id} (or not yet known to this service)")
    return call


async def save_ledger(conn: AsyncConnection, call: CallBooks) -> None:
    ledger = call.ledger
    await conn.execute(
        update(calls)
        .where(calls.c.id == call.id)
        .values(
            committed_cents=ledger.committed_cents,
            paid_cents=ledger.paid_cents,
            recovered_cents=ledger.recovered_cents,
        )
    )
