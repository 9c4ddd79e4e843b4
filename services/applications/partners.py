"""Partners of an application: invited by a member of the lead, consenting through
a member of their own; a submission waits for every named partner's consent."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications import access
from services.applications.commands import InvitePartner
from services.applications.domain import Application
from services.applications.invitations import Invitation, InvitationStatus
from services.applications.tables import partner_invitations as invitations
from shared.commands import CommandResult, UnitOfWork
from shared.errors import NotFound, RuleViolation
from shared.ids import uuid7


class InvitationView(BaseModel):
    id: str
    application_id: str
    lead_organisation_id: str
    organisation_id: str
    status: InvitationStatus
    invited_at: datetime | None
    accepted_at: datetime | None
    version: int


class PartnerConsentMissing(RuleViolation):
    code = "partner_consent_missing"


def invitation_view(i: Invitation) -> InvitationView:
    return InvitationView(
        id=i.id,
        application_id=i.application_id,
        lead_organisation_id=i.lead_organisation_id,
        organisation_id=i.organisation_id,
        status=i.status,
        invited_at=i.invited_at,
        accepted_at=i.accepted_at,
        version=i.version,
    )


async def _save(uow: UnitOfWork, invitation: Invitation, status: int = 200) -> CommandResult:
    await uow.save(invitation)
    view = invitation_view(invitation)
    values = {
        "application_id": invitation.application_id,
        "organisation_id": invitation.organisation_id,
        "status": invitation.status,
        "version": invitation.version,
        "body": view.model_dump(mode="json"),
    }
    await uow.conn.execute(
        pg_insert(invitations)
        .values(id=invitation.id, **values)
        .on_conflict_do_update(index_elements=[invitations.c.id], set_=values)
    )
    return uow.result(
        invitation,
        view,
        status=status,
        location=f"/v1/invitations/{invitation.id}" if status == 201 else None,
    )


async def invite(uow: UnitOfWork, organisation_id: UUID, cmd: InvitePartner) -> CommandResult:
    application = await uow.chassis.repository.find(uow.conn, Application, str(cmd.application_id))
    if application is None:
        raise NotFound(f"no application {cmd.application_id}")
    await access.require_lead_member(uow.conn, uow.principal.sub, application)
    application.require_draft("invite a partner to")
    partner = str(organisation_id)
    existing = await uow.conn.scalar(
        select(invitations.c.id).where(
            invitations.c.application_id == application.id, invitations.c.organisation_id == partner
        )
    )
    if existing is not None:
        raise RuleViolation(
            "this partner is invited to the application already",
            code="already_invited",
            invitation_id=existing,
        )
    invitation = Invitation(str(uuid7()))
    invitation.invite(
        application.id,
        application.call_id,
        application.lead_organisation_id,
        application.partner_organisation_ids,
        partner,
        uow.principal.sub,
        uow.chassis.clock.now(),
    )
    return await _save(uow, invitation, status=201)


async def accept(uow: UnitOfWork, invitation_id: UUID) -> CommandResult:
    invitation = await uow.load(Invitation, str(invitation_id))
    await access.require_member_of(uow.conn, uow.principal.sub, invitation.organisation_id)
    invitation.accept(uow.principal.sub, uow.chassis.clock.now())
    return await _save(uow, invitation)


async def require_consent(conn: AsyncConnection, application: Application) -> None:
    """409 `partner_consent_missing` unless every partner named accepted an invitation."""
    accepted = set(
        (
            await conn.execute(
                select(invitations.c.organisation_id).where(
                    invitations.c.application_id == application.id,
                    invitations.c.status == "accepted",
                )
            )
        ).scalars()
    )
    missing = [p for p in application.partner_organisation_ids if p not in accepted]
    if missing:
        raise PartnerConsentMissing(
            "every partner named must accept its invitation before the application is submitted",
            organisation_ids=missing,
        )


async def of_organisation(conn: AsyncConnection, organisation_id: str) -> list[Any]:
    """The invitations an organisation received, newest last."""
    return list(
        (
            await conn.execute(
                select(invitations.c.body)
                .where(invitations.c.organisation_id == organisation_id)
                .order_by(invitations.c.id)
            )
        ).scalars()
    )
