"""What the calls service does on other services' events: money committed in a
call (payments), and first-come-first-served calls that take no more submissions
because their budget and their reserve list are both full (applications)."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications.events import CallReserveListFull
from services.calls import results, views
from services.calls.domain import Call, Programme
from services.calls.handlers import save_system_change
from services.payments.events import (
    BudgetCutConfirmed,
    BudgetCutRefused,
    GrantAwarded,
    GrantCancelled,
)
from shared.app import Chassis, Component, consumes
from shared.consumer import Handlers
from shared.events import Envelope
from shared.eventstore import CommandContext

log = logging.getLogger("cascade.calls.policies")
SOURCES = ("payments", "applications")


def policies(chassis: Chassis) -> Handlers:
    handlers = Handlers()
    repository = chassis.repository

    async def load(conn: AsyncConnection, call_id: str) -> Call:
        # Messages about one call arrive on several partitions, handled at once:
        # one transaction at a time per call, each loading what the last committed,
        # so that none of them loses the race for the call's next version.
        await conn.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(f"calls.call:{call_id}", 0)))
        )
        # An unknown call is the other service's mistake: the handler fails and
        # the message ends up in the dead letters, where it can be looked at.
        return await repository.get(conn, Call, call_id)

    @handlers.on(GrantAwarded.event_type)
    async def on_grant_awarded(
        conn: AsyncConnection, envelope: Envelope, awarded: GrantAwarded
    ) -> None:
        call = await load(conn, awarded.call_id)
        call.record_commitment(awarded.grant_id, awarded.application_id, awarded.amount_cents)
        await save_system_change(conn, repository, call, _caused_by(envelope))

    @handlers.on(GrantCancelled.event_type)
    async def on_grant_cancelled(
        conn: AsyncConnection, envelope: Envelope, cancelled: GrantCancelled
    ) -> None:
        call = await load(conn, cancelled.call_id)
        call.release_commitment(cancelled.grant_id, cancelled.released_cents)
        await save_system_change(conn, repository, call, _caused_by(envelope))

    @handlers.on(BudgetCutConfirmed.event_type)
    async def on_budget_cut_confirmed(
        conn: AsyncConnection, envelope: Envelope, confirmed: BudgetCutConfirmed
    ) -> None:
        call = await load(conn, confirmed.call_id)
        await views.lock_programme(conn, call.programme_id)
        programme = await repository.get(conn, Programme, call.programme_id)
        call.confirm_cut(programme, confirmed.request_id)
        context = _caused_by(envelope)
        if programme.pending:
            await repository.save(conn, programme, context)
            await views.save_programme(conn, programme)
        await save_system_change(conn, repository, call, context)

    @handlers.on(BudgetCutRefused.event_type)
    async def on_budget_cut_refused(
        conn: AsyncConnection, envelope: Envelope, refused: BudgetCutRefused
    ) -> None:
        call = await load(conn, refused.call_id)
        call.refuse_cut(refused.request_id, refused.committed_cents, refused.reason)
        await save_system_change(conn, repository, call, _caused_by(envelope))

    @handlers.on(CallReserveListFull.event_type)
    async def on_call_reserve_list_full(
        conn: AsyncConnection, envelope: Envelope, full: CallReserveListFull
    ) -> None:
        # The budget's exhaustion alone closes nothing: late clickers go on to the
        # reserve list, which the applications service keeps from its own state.
        call = await load(conn, full.call_id)
        call.close_exhausted(chassis.clock.now())
        await save_system_change(conn, repository, call, _caused_by(envelope))

    results.on_results(chassis, handlers, load)
    return handlers


def _caused_by(envelope: Envelope) -> CommandContext:
    return CommandContext().caused_by(envelope)


def consumer(chassis: Chassis) -> list[Component]:
    """The component consuming `payments.events` and `applications.events`."""
    return list(consumes(SOURCES, policies(chassis))(chassis))
