"""The files of final reports as the API shows them (`report_annexes`), and who
may read them: the beneficiary's members and staff."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.payments import replica
from services.payments.errors import NotAMember
from services.payments.events import ReportAnnex
from services.payments.grant import Grant
from services.payments.tables import grants, report_annexes
from shared.auth import STAFF, Principal
from shared.errors import NotFound


class ReportAnnexView(BaseModel):
    id: str
    grant_id: str
    report_id: str | None  # None: attached for the next report, not yet handed in
    code: str
    name: str
    media_type: str
    size: int
    sha256: str


class ReportAnnexList(BaseModel):
    items: list[ReportAnnexView]


def annex_view(grant_id: str, report_id: str | None, annex: ReportAnnex) -> ReportAnnexView:
    return ReportAnnexView(
        id=annex.annex_id,
        grant_id=grant_id,
        report_id=report_id,
        **annex.model_dump(exclude={"annex_id"}),
    )


async def save(conn: AsyncConnection, grant: Grant) -> None:
    """The grant's report files as its events left them."""
    await conn.execute(delete(report_annexes).where(report_annexes.c.grant_id == grant.id))
    views = [annex_view(grant.id, None, a) for a in grant.report_annexes.values()]
    for report in grant.reports.values():
        views += [annex_view(grant.id, report.id, a) for a in report.annexes]
    rows = [
        {
            "id": v.id,
            "grant_id": grant.id,
            "report_id": v.report_id,
            "code": v.code,
            "sha256": v.sha256,
            "body": v.model_dump(mode="json"),
        }
        for v in views
    ]
    if rows:
        await conn.execute(insert(report_annexes), rows)


async def of_grant(conn: AsyncConnection, grant_id: str) -> list[ReportAnnexView]:
    rows = await conn.execute(
        select(report_annexes.c.body)
        .where(report_annexes.c.grant_id == grant_id)
        .order_by(report_annexes.c.id)
    )
    return [ReportAnnexView.model_validate(body) for body in rows.scalars()]


async def one(conn: AsyncConnection, grant_id: str, annex_id: str) -> ReportAnnexView:
    body = await conn.scalar(
        select(report_annexes.c.body).where(
            report_annexes.c.grant_id == grant_id, report_annexes.c.id == annex_id
        )
    )
    if body is None:
        raise NotFound(f"grant {grant_id} has no annex {annex_id}")
    return ReportAnnexView.model_validate(body)


async def require_reader(conn: AsyncConnection, user: Principal, grant_id: str) -> None:
    organisation_id = await conn.scalar(
        select(grants.c.organisation_id).where(grants.c.id == grant_id)
    )
    if organisation_id is None:
        raise NotFound(f"no grant {grant_id}")
    if user.has_any_role(STAFF) or organisation_id in await replica.member_of(conn, user.sub):
        return
    raise NotAMember("only members of the beneficiary organisation and staff read its reports")
