"""The consumer's side of the budget keeper: a cut asked for in the calls
service is decided in the transaction that holds the call's ledger row."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.calls.events import CallBudgetCutRequested
from services.payments import call_books
from services.payments.budget_keeper import CallBudgetKeeper
from services.payments.tables import calls
from shared.app import Chassis
from shared.consumer import Handlers
from shared.events import Envelope
from shared.eventstore import CommandContext


def on_cut_requests(chassis: Chassis, on: Handlers) -> None:
    @on.on(CallBudgetCutRequested.event_type)
    async def requested(
        conn: AsyncConnection, envelope: Envelope, e: CallBudgetCutRequested
    ) -> None:
        # The request follows the call's CallDrafted on the same stream: the call is known.
        call = await call_books.ledger_of(conn, e.call_id)
        stream = CallBudgetKeeper.stream_of(e.call_id)
        keeper = await chassis.repository.find(conn, CallBudgetKeeper, stream) or CallBudgetKeeper(
            stream
        )
        keeper.decide(call.ledger, e.request_id, e.budget_cents, call.currency, chassis.clock.now())
        if not keeper.pending:
            return
        await chassis.repository.save(conn, keeper, CommandContext().caused_by(envelope))
        await conn.execute(
            update(calls)
            .where(calls.c.id == e.call_id)
            .values(budget_cents=call.ledger.budget_cents)
        )
