"""Declarations on honour, by a member of the application's lead organisation."""

from __future__ import annotations

from uuid import UUID

from services.applications import access, declarations, replica, views
from services.applications.commands import Declare
from services.applications.domain import Application
from shared.commands import CommandResult, UnitOfWork
from shared.ids import uuid7


async def declare(uow: UnitOfWork, application_id: UUID, cmd: Declare) -> CommandResult:
    application = await uow.load(Application, str(application_id))
    await access.require_lead_member(uow.conn, uow.principal.sub, application)
    application.require_draft("declare on")
    call = await replica.find(uow.conn, application.call_id)
    application.declare(
        declarations.declaration(
            str(uuid7()),
            application.id,
            application.call_id,
            application.lead_organisation_id,
            call.terms.required_declarations,
            cmd.code,
            cmd.figures,
            uow.principal.sub,
            uow.now(),
        )
    )
    await uow.save(application)
    return uow.result(application, await views.save_application(uow.conn, application))
