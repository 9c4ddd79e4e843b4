"""Who may act on and read what: applicants by their organisations' membership,
evaluators by their assignments, staff by their role."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications.domain import Application
from services.applications.errors import NotAMember
from services.applications.tables import applications, assignments, evaluators
from services.applications.views import member_of
from shared.auth import STAFF, Principal


async def require_member_of(conn: AsyncConnection, sub: str, organisation_id: str) -> None:
    """403 unless `sub` belongs to the organisation."""
    if organisation_id not in await member_of(conn, sub):
        raise NotAMember("only members of the organisation may do this")


async def require_lead_member(conn: AsyncConnection, sub: str, application: Application) -> None:
    """403 unless `sub` belongs to the application's lead organisation: partners
    read an application, only the lead acts on it."""
    if application.lead_organisation_id not in await member_of(conn, sub):
        raise NotAMember("only members of the application's lead organisation may do this")


async def require_organisation_reader(
    conn: AsyncConnection, user: Principal, organisation_id: str
) -> None:
    """403 unless the caller's work needs the organisation: staff, its members,
    members of an organisation it shares an application with, and evaluators
    assigned to one of its applications (to judge a conflict of interest)."""
    if user.has_any_role(STAFF):
        return
    mine = await member_of(conn, user.sub)
    if organisation_id in mine:
        return
    theirs = applications.c.organisation_ids.contains([organisation_id])
    shared = exists().where(theirs, applications.c.organisation_ids.overlap(sorted(mine)))
    assigned = exists().where(
        theirs,
        assignments.c.application_id == applications.c.id,
        evaluators.c.id == assignments.c.evaluator_id,
        evaluators.c.sub == user.sub,
    )
    if (
        mine
        and user.has_any_role(frozenset({"applicant"}))
        and await conn.scalar(select(shared))
        or user.has_any_role(frozenset({"evaluator"}))
        and await conn.scalar(select(assigned))
    ):
        return
    raise NotAMember(
        "only members of the organisation, of organisations it applies with, and staff may see it"
    )
