"""The annexes as the API shows them, kept in `application_annexes` beside the
application's events, and who may read them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications import review_views
from services.applications.annexes import Annex
from services.applications.domain import Application
from services.applications.errors import NotAMember
from services.applications.tables import application_annexes, applications
from services.applications.views import member_of
from shared.auth import Principal
from shared.errors import NotFound

# Staff who read every application's annexes (evaluators: those they accepted).
READERS = frozenset({"programme_manager", "auditor"})


class AnnexView(BaseModel):
    id: str
    application_id: str
    code: str
    name: str
    media_type: str
    size: int
    sha256: str
    attached_at: datetime


class AnnexList(BaseModel):
    items: list[AnnexView]


def annex_view(application_id: str, annex: Annex) -> AnnexView:
    return AnnexView(application_id=application_id, **vars(annex))


async def save(conn: AsyncConnection, application: Application) -> None:
    """The application's annexes as its events left them."""
    await conn.execute(
        delete(application_annexes).where(application_annexes.c.application_id == application.id)
    )
    rows = [
        {
            "id": annex.id,
            "application_id": application.id,
            "code": annex.code,
            "sha256": annex.sha256,
            "body": annex_view(application.id, annex).model_dump(mode="json"),
        }
        for annex in application.annexes.values()
    ]
    if rows:
        await conn.execute(insert(application_annexes), rows)


async def of_application(conn: AsyncConnection, application_id: str) -> list[AnnexView]:
    rows = await conn.execute(
        select(application_annexes.c.body)
        .where(application_annexes.c.application_id == application_id)
        .order_by(application_annexes.c.code)
    )
    return [AnnexView.model_validate(body) for body in rows.scalars()]


async def one(conn: AsyncConnection, application_id: str, annex_id: str) -> AnnexView:
    body = await conn.scalar(
        select(application_annexes.c.body).where(
            application_annexes.c.application_id == application_id,
            application_annexes.c.id == annex_id,
        )
    )
    if body is None:
        raise NotFound(f"application {application_id} has no annex {annex_id}")
    return AnnexView.model_validate(body)


async def require_reader(conn: AsyncConnection, user: Principal, application_id: str) -> None:
    """404 unless the application exists; 403 unless the caller is a member of its
    lead organisation, a programme manager or auditor, or an evaluator who accepted
    to evaluate it (partners see the application, not its files)."""
    lead = await conn.scalar(
        select(applications.c.lead_organisation_id).where(applications.c.id == application_id)
    )
    if lead is None:
        raise NotFound(f"no application {application_id}")
    if user.has_any_role(READERS) or lead in await member_of(conn, user.sub):
        return
    if await review_views.may_read(conn, application_id, user.sub):
        return
    raise NotAMember(
        "only members of the application's lead organisation, its evaluators and staff "
        "may read its annexes"
    )
