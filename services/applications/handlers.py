"""One verb function per command, each inside its unit of work: load, decide, save
the aggregates with their query tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications import access, replica, views
from services.applications import partners as partners_of
from services.applications.access import NotAMember
from services.applications.commands import (
    AddMember,
    ApplicationFields,
    DraftApplication,
    RegisterOrganisation,
)
from services.applications.domain import Application, Organisation
from services.applications.eligibility import Candidate, Member, assess
from services.applications.events import CallBudgetExhausted
from services.applications.selection import Budget, Contender, select
from shared.commands import CommandResult, UnitOfWork
from shared.errors import NotFound, RuleViolation
from shared.ids import uuid7


def _now(uow: UnitOfWork) -> datetime:
    return uow.chassis.clock.now()


async def _organisation(uow: UnitOfWork, organisation_id: str) -> Organisation:
    found = await uow.chassis.repository.find(uow.conn, Organisation, organisation_id)
    if found is None:
        raise NotFound(f"no organisation {organisation_id}")
    return found


async def _require_member(uow: UnitOfWork, organisation_ids: list[str]) -> None:
    """403 unless the caller belongs to one of `organisation_ids`."""
    if not set(organisation_ids) & await views.member_of(uow.conn, uow.principal.sub):
        raise NotAMember("only members of the application's organisations may do this")


async def _application(uow: UnitOfWork, application_id: UUID) -> Application:
    """The application a command acts on: only its lead organisation's members act."""
    application = await uow.load(Application, str(application_id))
    await access.require_lead_member(uow.conn, uow.principal.sub, application)
    return application


async def _save(uow: UnitOfWork, application: Application, status: int = 200) -> CommandResult:
    await uow.save(application)
    view = await views.save_application(uow.conn, application)
    return uow.result(application, view, status=status,
                      location=f"/v1/applications/{application.id}" if status == 201 else None)


# --- organisations ------------------------------------------------------------------

async def register_organisation(uow: UnitOfWork, cmd: RegisterOrganisation) -> CommandResult:
    organisation = Organisation(str(uuid7()))
    organisation.register(cmd.name, cmd.country, cmd.size, cmd.pic, cmd.vat_id,
                          cmd.registered_on, cmd.tags, uow.principal.sub, _now(uow))
    await uow.save(organisation)
    view = await views.save_organisation(uow.conn, organisation)
    return uow.result(organisation, view, status=201,
                      location=f"/v1/organisations/{organisation.id}")


async def add_member(uow: UnitOfWork, organisation_id: UUID, cmd: AddMember) -> CommandResult:
    organisation = await uow.load(Organisation, str(organisation_id))
    await _require_member(uow, [organisation.id])
    organisation.add_member(cmd.sub, _now(uow))
    await uow.save(organisation)
    return uow.result(organisation, await views.save_organisation(uow.conn, organisation))


# --- applications -------------------------------------------------------------------

async def draft_application(uow: UnitOfWork, cmd: DraftApplication) -> CommandResult:
    call = await replica.find(uow.conn, str(cmd.call_id))
    lead = str(cmd.lead_organisation_id)
    await _organisation(uow, lead)
    await _require_member(uow, [lead])
    partners = tuple(str(p) for p in cmd.partner_organisation_ids or ())
    for partner in partners:
        await _organisation(uow, partner)
    _objectives_of_call(cmd, call)
    application = Application(str(uuid7()))
    application.draft(call.id, call.programme_id, lead, partners, cmd.title, cmd.summary,
                      cmd.requested_cents, cmd.trl, cmd.objectives, _now(uow))
    return await _save(uow, application, status=201)


async def edit_application(uow: UnitOfWork, application_id: UUID,
                           cmd: ApplicationFields) -> CommandResult:
    application = await _application(uow, application_id)
    partners = application.partner_organisation_ids if cmd.partner_organisation_ids is None \
        else tuple(str(p) for p in cmd.partner_organisation_ids)
    for partner in partners:
        await _organisation(uow, partner)
    _objectives_of_call(cmd, await replica.find(uow.conn, application.call_id))
    application.edit(partners, cmd.title, cmd.summary, cmd.requested_cents, cmd.trl,
                     cmd.objectives)
    return await _save(uow, application)


def _objectives_of_call(cmd: ApplicationFields, call: replica.CallReplica) -> None:
    outside = [o for o in cmd.objectives if o not in call.terms.objectives]
    if outside:
        raise RuleViolation(f"not objectives of the call: {', '.join(outside)}",
                            code="objective_not_in_call", objectives=outside)


async def submit_application(uow: UnitOfWork, application_id: UUID) -> CommandResult:
    application = await _application(uow, application_id)
    application.require_draft("submit")
    await partners_of.require_consent(uow.conn, application)
    now = _now(uow)
    # The call's row lock orders the call's submissions: receipt numbers and the
    # first-come-first-served budget are decided by one submission at a time.
    call = await replica.find(uow.conn, application.call_id, lock=True)
    call.refuse_unless_open(now)
    lead = await _organisation(uow, application.lead_organisation_id)
    partners = [await _organisation(uow, p) for p in application.partner_organisation_ids]
    awarded = await views.awarded_in_programme(
        uow.conn, call.programme_id, [lead.id, *(p.id for p in partners)])
    candidate = Candidate(_member(lead), tuple(_member(p) for p in partners), application.trl,
                          application.requested_cents, awarded)
    call.received += 1
    application.submit(lead.ref, tuple(p.ref for p in partners), call.received,
                       assess(call.terms.eligibility, candidate), call.rules_version, now)
    problem = None
    if application.status == "eligible" and call.first_come_first_served:
        problem = await _first_come_first_served(uow, call, application, now)
    await replica.save_tally(uow.conn, call)
    result = await _save(uow, application)
    if problem is None:
        return result
    return CommandResult(409, {**problem, "application": result.body}, result.version,
                         result.event_ids)


async def _first_come_first_served(uow: UnitOfWork, call: replica.CallReplica,
                                   application: Application, now: datetime) -> dict[str, Any] | None:
    """Select at once while the budget lasts, by the rules of a ranked selection
    (one award per beneficiary in the call, the programme's per-beneficiary cap);
    else keep in reserve and, the first time the money runs out, report the
    call's budget exhausted. A problem body when not selected."""
    [decision] = select([Contender(application.id, application.lead_organisation_id,
                                   application.requested_cents)], await budget_of(uow.conn, call))
    if decision.selected:
        call.committed_cents += decision.amount_cents
        application.select_on_receipt(decision.amount_cents, call.committed_cents, now)
        return None
    if decision.reason_code == "beneficiary_limit":
        application.reserve_over_beneficiary_limit(decision.reason, now)
        return {"type": "about:blank", "title": "Beneficiary limit reached", "status": 409,
                "code": "beneficiary_limit",
                "detail": f"{decision.reason}: the application is kept in reserve"}
    application.reserve_for_lack_of_budget(call.available_cents, now)
    if not call.exhausted:
        call.exhausted = True
        exhausted = CallBudgetExhausted(call_id=call.id, committed_cents=call.committed_cents,
                                        budget_cents=call.terms.budget_cents, exhausted_at=now)
        uow.recorded.extend(await uow.chassis.store.append(
            uow.conn, stream_type="call_budget", stream_id=f"call-budget-{call.id}",
            expected_version=0, new_events=[exhausted], context=uow.context))
    return {"type": "about:blank", "title": "Budget exhausted", "status": 409,
            "code": "budget_exhausted",
            "detail": "the call's budget is used up: the application is kept in reserve"}


async def budget_of(conn: AsyncConnection, call: replica.CallReplica) -> Budget:
    """What limits the call's next awards: its money left, the holders of its
    awards, and each organisation's awards across the programme."""
    holders = {row.lead_organisation_id
               for row in await views.of_call(conn, call.id, ("selected", "contracted"))}
    return Budget(call.available_cents, call.terms.max_grant_cents,
                  await replica.programme_cap(conn, call.programme_id),
                  await views.awarded_amounts(conn, call.programme_id), holders)


def _member(organisation: Organisation) -> Member:
    return Member(organisation.ref, organisation.registered_on, frozenset(organisation.tags))
