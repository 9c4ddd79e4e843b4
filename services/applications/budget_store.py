"""Loading and saving a call's money (`call_money.CallMoney`): its milestones from
its stream, its figures from the call's replica row and the query tables."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications import replica, tables, views
from services.applications.call_money import CallMoney, Figures
from shared.events import Envelope
from shared.eventstore import CommandContext
from shared.repository import Repository


async def load(
    conn: AsyncConnection, repository: Repository, call: replica.CallReplica
) -> CallMoney:
    """The call's money; lock the call's replica row first (`replica.find(lock=True)`)
    when deciding on it, so that its decisions are taken one transaction at a time."""
    stream = CallMoney.stream_of(call.id)
    money = await repository.find(conn, CallMoney, stream) or CallMoney(stream)
    holders = {
        row.lead_organisation_id
        for row in await views.of_call(conn, call.id, ("selected", "contracted"))
    }
    reserved = await conn.scalar(
        select(func.count())
        .select_from(tables.applications)
        .where(tables.applications.c.call_id == call.id, tables.applications.c.status == "reserve")
    )
    money.figures = Figures(
        call.terms.budget_cents,
        call.terms.max_grant_cents,
        await replica.programme_cap(conn, call.programme_id),
        call.received,
        call.committed_cents,
        call.terms.first_come_reserve_limit,
        int(reserved or 0),
        await views.awarded_amounts(conn, call.programme_id),
        holders,
    )
    return money


async def save(
    conn: AsyncConnection, repository: Repository, money: CallMoney, context: CommandContext
) -> list[Envelope]:
    """The milestones recorded and the figures, in the caller's transaction."""
    recorded = await repository.save(conn, money, context) if money.pending else []
    await replica.save_tally(
        conn, money.call_id, money.figures.received, money.committed_cents, money.exhausted
    )
    return recorded
