"""The commands of the de minimis register, each inside its unit of work: links to
other enterprises, aid declared from other grantors, and its corrections. Each
saves the organisation's file (its events) and the register's rows together."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.payments import register, replica, undertakings
from services.payments.commands import CorrectAid, DeclareAid, DeclareLink
from services.payments.enterprise_file import EnterpriseFile, stream_of
from services.payments.handlers import NotAMember
from services.payments.state_aid_events import DeclaredAid, DeclaredAs
from services.payments.state_aid_views import entry_view, link_view
from shared.commands import CommandResult, UnitOfWork
from shared.ids import uuid7


async def _file(uow: UnitOfWork, organisation_id: str) -> EnterpriseFile:
    found = await uow.chassis.repository.find(uow.conn, EnterpriseFile, stream_of(organisation_id))
    file = found if found is not None else EnterpriseFile(stream_of(organisation_id))
    uow.expect(file)
    return file


async def _declarer(uow: UnitOfWork, organisation_id: str) -> DeclaredAs:
    """A programme manager records for any organisation; an applicant for their own."""
    if uow.principal.has_any_role(frozenset({"programme_manager"})):
        return "programme_manager"
    if organisation_id not in await replica.member_of(uow.conn, uow.principal.sub):
        raise NotAMember("only members of the organisation declare its links and aid")
    return "applicant"


async def declare_link(uow: UnitOfWork, organisation_id: UUID, cmd: DeclareLink) -> CommandResult:
    org = await replica.organisation(uow.conn, str(organisation_id))
    declared_as = await _declarer(uow, org.id)
    # Exclusive: no award or declaration is deciding on an undertaking this changes.
    await undertakings.lock_graph(uow.conn, exclusive=True)
    own = undertakings.own_enterprise(org)
    linked = await undertakings.resolve(uow.conn, cmd.pic, cmd.vat_id)
    file = await _file(uow, org.id)
    link_id = str(uuid7())
    file.declare_link(
        link_id,
        org.id,
        own,
        linked,
        cmd.relation,
        await undertakings.link_between(uow.conn, own.key, linked.key),
        uow.principal.sub,
        declared_as,
        cmd.note,
        uow.chassis.clock.now(),
    )
    event = file.links[link_id]
    await uow.save(file)
    await undertakings.record_link(uow.conn, event)
    return uow.result(
        file, link_view(event), status=201, location=f"/v1/organisations/{org.id}/de-minimis"
    )


async def declare_aid(uow: UnitOfWork, organisation_id: UUID, cmd: DeclareAid) -> CommandResult:
    org = await replica.organisation(uow.conn, str(organisation_id))
    declared_as = await _declarer(uow, org.id)
    own = undertakings.own_enterprise(org)
    # Shared graph lock and member rows: an award being decided for the undertaking
    # finishes first (and did not count this), or waits and counts it.
    await undertakings.lock_single_undertaking(uow.conn, own.key)
    file = await _file(uow, org.id)
    now = uow.chassis.clock.now()
    declared = file.declare_aid(
        str(uuid7()), org.id, own.key, cmd.facts(), uow.principal.sub, declared_as, cmd.reason, now
    )
    return await _saved(uow, file, declared, 1, status=201)


async def correct_aid(
    uow: UnitOfWork, organisation_id: UUID, entry_id: UUID, cmd: CorrectAid
) -> CommandResult:
    org = await replica.organisation(uow.conn, str(organisation_id))
    own = undertakings.own_enterprise(org)
    await undertakings.lock_single_undertaking(uow.conn, own.key)
    file = await _file(uow, org.id)
    corrected = file.correct_aid(
        str(entry_id), cmd.facts(), uow.principal.sub, cmd.reason, uow.chassis.clock.now()
    )
    version = await register.entry_versions(uow.conn, str(entry_id)) + 1
    return await _saved(uow, file, corrected, version)


async def _saved(
    uow: UnitOfWork, file: EnterpriseFile, entry: DeclaredAid, version: int, *, status: int = 200
) -> CommandResult:
    await uow.save(file)
    await register.record_declared(uow.conn, entry, version)
    body: Any = entry_view(entry, version, uow.chassis.clock.now().date())
    return uow.result(
        file, body, status=status, location=f"/v1/organisations/{entry.organisation_id}/de-minimis"
    )
