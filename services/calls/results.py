"""What the calls service learns of a call's results from the applications
service: that its selection is done (so the results may be published), and
who was selected (the public list of beneficiaries), kept in the consumer's
transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications.events import (
    ApplicationAwardRefused,
    ApplicationDeclined,
    ApplicationSelected,
    ApplicationWithdrawn,
    CallSelectionCompleted,
)
from services.calls.domain import Call
from services.calls.handlers import save_system_change
from services.calls.tables import call_beneficiaries
from shared.app import Chassis
from shared.consumer import Handlers
from shared.events import Envelope
from shared.eventstore import CommandContext

LoadCall = Callable[[AsyncConnection, str], Awaitable[Call]]


def on_results(chassis: Chassis, handlers: Handlers, load: LoadCall) -> None:
    @handlers.on(CallSelectionCompleted.event_type)
    async def selection_completed(
        conn: AsyncConnection, envelope: Envelope, e: CallSelectionCompleted
    ) -> None:
        call = await load(conn, e.call_id)
        call.record_selection(e.ranking_version, e.selected, e.reserved, e.rejected, e.completed_at)
        await save_system_change(
            conn, chassis.repository, call, CommandContext().caused_by(envelope)
        )

    @handlers.on(ApplicationSelected.event_type)
    async def selected(conn: AsyncConnection, envelope: Envelope, e: ApplicationSelected) -> None:
        values = {
            "name": e.award.organisation.name,
            "country": e.award.organisation.country,
            "amount_cents": e.award.amount_cents,
        }
        await conn.execute(
            pg_insert(call_beneficiaries)
            .values(call_id=e.award.call_id, application_id=e.application_id, **values)
            .on_conflict_do_update(
                index_elements=[call_beneficiaries.c.call_id, call_beneficiaries.c.application_id],
                set_=values,
            )
        )

    async def no_longer(
        conn: AsyncConnection,
        envelope: Envelope,
        e: ApplicationDeclined | ApplicationWithdrawn | ApplicationAwardRefused,
    ) -> None:
        await conn.execute(
            delete(call_beneficiaries).where(
                call_beneficiaries.c.call_id == e.call_id,
                call_beneficiaries.c.application_id == e.application_id,
            )
        )

    for gone in (ApplicationDeclined, ApplicationWithdrawn, ApplicationAwardRefused):
        handlers.on(gone.event_type)(no_longer)
