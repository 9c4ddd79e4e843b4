"""The books as the API shows them: each call's ledger, and a programme's as the sum
of its calls'."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.payments import tables
from shared.errors import NotFound


class Figures(BaseModel):
    currency: str
    budget_cents: int
    committed_cents: int
    paid_cents: int
    recovered_cents: int
    net_paid_cents: int  # paid less recovered
    available_cents: int  # budget less committed


class CallLedgerView(Figures):
    call_id: str
    programme_id: str


class ProgrammeLedgerView(Figures):
    programme_id: str
    calls: list[CallLedgerView]


def _call_view(row: Row[Any]) -> CallLedgerView:
    r = row._mapping
    return CallLedgerView(
        call_id=r["id"],
        programme_id=r["programme_id"],
        currency=r["currency"],
        budget_cents=r["budget_cents"],
        committed_cents=r["committed_cents"],
        paid_cents=r["paid_cents"],
        recovered_cents=r["recovered_cents"],
        net_paid_cents=r["paid_cents"] - r["recovered_cents"],
        available_cents=r["budget_cents"] - r["committed_cents"],
    )


async def call_ledger(conn: AsyncConnection, call_id: str) -> CallLedgerView:
    row = (await conn.execute(select(tables.calls).where(tables.calls.c.id == call_id))).first()
    if row is None:
        raise NotFound(f"no call {call_id} (or not yet known to this service)")
    return _call_view(row)


async def programme_ledger(conn: AsyncConnection, programme_id: str) -> ProgrammeLedgerView:
    programmes = tables.programmes
    programme = (
        await conn.execute(
            select(programmes.c.currency, programmes.c.budget_cents).where(
                programmes.c.id == programme_id
            )
        )
    ).first()
    if programme is None:
        raise NotFound(f"no programme {programme_id} (or not yet known to this service)")
    calls = [
        _call_view(row)
        for row in await conn.execute(
            select(tables.calls)
            .where(tables.calls.c.programme_id == programme_id)
            .order_by(tables.calls.c.id)
        )
    ]
    committed = sum(c.committed_cents for c in calls)
    paid, recovered = sum(c.paid_cents for c in calls), sum(c.recovered_cents for c in calls)
    return ProgrammeLedgerView(
        programme_id=programme_id,
        currency=programme.currency,
        budget_cents=programme.budget_cents,
        committed_cents=committed,
        paid_cents=paid,
        recovered_cents=recovered,
        net_paid_cents=paid - recovered,
        available_cents=programme.budget_cents - committed,
        calls=calls,
    )
