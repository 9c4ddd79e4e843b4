"""One verb function per command, each inside its unit of work: load, decide, save
the aggregates with their query tables."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from services.applications import access, answers, replica, views
from services.applications.call_money import FirstCome
from services.applications.commands import (
    AddMember,
    ApplicationFields,
    DraftApplication,
    RegisterOrganisation,
)
from services.applications.domain import Application, Organisation
from services.applications.eligibility import Member
from services.applications.errors import BeneficiaryLimit, NotAMember, ObjectiveNotInCall
from shared.commands import CommandResult, UnitOfWork
from shared.errors import NotFound
from shared.ids import uuid7


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
    return uow.result(
        application,
        view,
        status=status,
        location=f"/v1/applications/{application.id}" if status == 201 else None,
    )


# --- organisations ------------------------------------------------------------------


async def register_organisation(uow: UnitOfWork, cmd: RegisterOrganisation) -> CommandResult:
    organisation = Organisation(str(uuid7()))
    organisation.register(
        cmd.name,
        cmd.country,
        cmd.size,
        cmd.pic,
        cmd.vat_id,
        cmd.registered_on,
        cmd.tags,
        uow.principal.sub,
        uow.now(),
    )
    await uow.save(organisation)
    view = await views.save_organisation(uow.conn, organisation)
    return uow.result(
        organisation, view, status=201, location=f"/v1/organisations/{organisation.id}"
    )


async def add_member(uow: UnitOfWork, organisation_id: UUID, cmd: AddMember) -> CommandResult:
    organisation = await uow.load(Organisation, str(organisation_id))
    await _require_member(uow, [organisation.id])
    organisation.add_member(cmd.sub, uow.now())
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
    stored, personal = answers.for_events(call.terms.form, cmd.answers or {})
    application = Application(str(uuid7()))
    application.draft(
        call.id,
        call.programme_id,
        lead,
        partners,
        cmd.title,
        cmd.summary,
        cmd.requested_cents,
        cmd.trl,
        cmd.objectives,
        uow.now(),
        stored,
        personal,
    )
    return await _save(uow, application, status=201)


async def edit_application(
    uow: UnitOfWork, application_id: UUID, cmd: ApplicationFields
) -> CommandResult:
    application = await _application(uow, application_id)
    partners = (
        application.partner_organisation_ids
        if cmd.partner_organisation_ids is None
        else tuple(str(p) for p in cmd.partner_organisation_ids)
    )
    for partner in partners:
        await _organisation(uow, partner)
    call = await replica.find(uow.conn, application.call_id)
    _objectives_of_call(cmd, call)
    stored, personal = (None, None)
    if cmd.answers is not None:
        stored, personal = answers.for_events(call.terms.form, cmd.answers)
    application.edit(
        partners,
        cmd.title,
        cmd.summary,
        cmd.requested_cents,
        cmd.trl,
        cmd.objectives,
        stored,
        personal,
    )
    return await _save(uow, application)


def _objectives_of_call(cmd: ApplicationFields, call: replica.CallReplica) -> None:
    outside = [o for o in cmd.objectives if o not in call.terms.objectives]
    if outside:
        raise ObjectiveNotInCall(
            f"not objectives of the call: {', '.join(outside)}", objectives=outside
        )


def record_first_come(application: Application, decided: FirstCome, now: datetime) -> None:
    """The call's money decided; the application records what it decided."""
    if decided.outcome == "selected":
        application.select_on_receipt(decided.amount_cents, decided.committed_cents, now)
    elif isinstance(decided.problem, BeneficiaryLimit):
        application.reserve_over_beneficiary_limit(decided.reason, now)
    else:
        application.reserve_for_lack_of_budget(decided.available_cents, now)


def _member(organisation: Organisation) -> Member:
    return Member(organisation.ref, organisation.registered_on, frozenset(organisation.tags))
