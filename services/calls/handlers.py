"""One verb function per command, each inside its unit of work: load, decide, save
the aggregates with their query tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from services.calls import views
from services.calls.commands import AmendBudget, CreateProgramme, DraftCall, ExtendDeadline
from services.calls.domain import Call, Programme
from services.calls.errors import CodeTaken
from services.calls.validation import parse_terms
from shared.commands import CommandResult, UnitOfWork
from shared.eventstore import CommandContext
from shared.ids import uuid7
from shared.repository import Repository


async def create_programme(uow: UnitOfWork, cmd: CreateProgramme) -> CommandResult:
    if await views.programme_code_taken(uow.conn, cmd.code):
        raise CodeTaken(f"a programme with code {cmd.code!r} exists")
    programme = Programme(str(uuid7()))
    programme.create(
        cmd.code,
        cmd.name,
        cmd.currency,
        cmd.budget_cents,
        cmd.objectives,
        cmd.per_beneficiary_cap_cents,
        cmd.de_minimis,
        uow.now(),
    )
    await uow.save(programme)
    view = await views.save_programme(uow.conn, programme)
    return uow.result(programme, view, status=201, location=f"/v1/programmes/{programme.id}")


async def _programme(uow: UnitOfWork, programme_id: str) -> Programme:
    """The programme, locked for this transaction: its budget is about to be carved."""
    await views.lock_programme(uow.conn, programme_id)
    return await uow.chassis.repository.get(uow.conn, Programme, programme_id)


async def _save(uow: UnitOfWork, call: Call, programme: Programme | None = None) -> CommandResult:
    await uow.save(call)
    if programme is not None and programme.pending:
        await uow.save(programme)
        await views.save_programme(uow.conn, programme)
    return uow.result(call, await views.save_call(uow.conn, call))


async def draft_call(uow: UnitOfWork, cmd: DraftCall) -> CommandResult:
    programme = await _programme(uow, str(cmd.programme_id))
    call = Call(str(uuid7()))
    call.draft(programme, cmd.terms(), uow.now())
    result = await _save(uow, call, programme)
    return CommandResult(
        201, result.body, result.version, result.event_ids, location=f"/v1/calls/{call.id}"
    )


async def edit_call(uow: UnitOfWork, call_id: UUID, changes: Mapping[str, Any]) -> CommandResult:
    call = await uow.load(Call, str(call_id))
    terms = parse_terms({**call.t.model_dump(), **changes})
    programme = await _programme(uow, call.programme_id)
    call.edit(programme, terms, uow.now())
    return await _save(uow, call, programme)


async def publish_call(uow: UnitOfWork, call_id: UUID) -> CommandResult:
    call = await uow.load(Call, str(call_id))
    call.publish(uow.now())
    return await _save(uow, call)


async def extend_deadline(uow: UnitOfWork, call_id: UUID, cmd: ExtendDeadline) -> CommandResult:
    call = await uow.load(Call, str(call_id))
    call.extend_deadline(cmd.closes_at, cmd.reason, uow.now())
    return await _save(uow, call)


async def amend_budget(uow: UnitOfWork, call_id: UUID, cmd: AmendBudget) -> CommandResult:
    call = await uow.load(Call, str(call_id))
    programme = await _programme(uow, call.programme_id)
    call.amend_budget(programme, cmd.budget_cents, cmd.reason, str(uuid7()))
    result = await _save(uow, call, programme)
    # A cut of a call that may hold money is accepted, not yet done: payments decides.
    return replace(result, status=202) if call.pending_cut is not None else result


async def close_call(uow: UnitOfWork, call_id: UUID, reason: str) -> CommandResult:
    call = await uow.load(Call, str(call_id))
    call.close_early(reason, uow.now())
    return await _save(uow, call)


async def cancel_call(uow: UnitOfWork, call_id: UUID, reason: str) -> CommandResult:
    call = await uow.load(Call, str(call_id))
    programme = await _programme(uow, call.programme_id)
    call.cancel(programme, reason, uow.now())
    return await _save(uow, call, programme)


async def save_system_change(
    conn: AsyncConnection, repository: Repository, call: Call, context: CommandContext
) -> None:
    """Store what the call decided by itself (scheduler, policies), with its view."""
    if call.pending:
        await repository.save(conn, call, context)
        await views.save_call(conn, call)
