"""The routes of final reports' files: a beneficiary's member attaches them to the
grant for its next report (streamed and checked into the file store like an
application's annexes), and the report's submission takes them."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.payments import replica, report_annex_views, views
from services.payments.errors import NotAMember
from services.payments.events import ReportAnnex
from services.payments.grant import Grant
from services.payments.report_annex_views import ReportAnnexList, ReportAnnexView
from shared import downloads, uploads
from shared.app import Chassis
from shared.auth import Applicant, CurrentUser, Principal
from shared.commands import CommandRequest, CommandResult, UnitOfWork
from shared.file_stores import file_store
from shared.http import ChassisDep, parse_if_match
from shared.ids import uuid7

router = APIRouter(prefix="/v1", tags=["payments"])

# What a final report's files may be: documents, spreadsheets and scans.
REPORT_FILES = uploads.UploadRule(
    media_types=(
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.text",
    ),
    max_bytes=20 * 1024 * 1024,
)
AnnexCode = Annotated[
    str,
    Query(
        pattern=r"^[a-z0-9][a-z0-9_]{0,39}$",
        description="What the file is, e.g. `financial_statement`; one file per code",
    ),
]
REFUSALS: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "`report_pending`, `report_already_approved`, `grant_cancelled`, "
        "`grant_closed`: files are attached only while a report may be handed in"
    }
}


async def _require_beneficiary(uow: UnitOfWork, grant: Grant) -> None:
    if grant.a.organisation_id not in await replica.member_of(uow.conn, uow.principal.sub):
        raise NotAMember("only members of the beneficiary organisation report on its grant")


async def _saved(
    uow: UnitOfWork, grant: Grant, body: ReportAnnexView, status: int
) -> CommandResult:
    await uow.save(grant)
    await views.save_grant(uow.conn, grant)
    await report_annex_views.save(uow.conn, grant)
    location = f"/v1/grants/{grant.id}/annexes/{body.id}" if status == 201 else None
    return uow.result(grant, body, status=status, location=location)


def _command(chassis: Chassis, user: Principal, if_match: str | None) -> CommandRequest:
    # Not CommandDep: that would read the whole body for an Idempotency-Key. A
    # retry of an upload is harmless as it is: the same file records nothing.
    return CommandRequest(chassis, user, parse_if_match(if_match), None)


@router.post(
    "/grants/{grant_id}/annexes",
    status_code=201,
    response_model=ReportAnnexView,
    responses={
        200: {"model": ReportAnnexView, "description": "The same file again: nothing recorded"},
        **uploads.PROBLEMS,
        **REFUSALS,
    },
    openapi_extra=uploads.FILE_BODY,
)
async def attach_report_annex(
    grant_id: UUID,
    code: AnnexCode,
    request: Request,
    user: Applicant,
    chassis: ChassisDep,
    name: Annotated[str | None, Query(max_length=255, description="The file's name")] = None,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response:
    """A file for the grant's next final report (PDF, images, spreadsheets, text
    documents; 20 MiB at most), taking the place of the one attached under `code`."""
    async with chassis.engine.connect() as conn:
        grant = await chassis.repository.get(conn, Grant, str(grant_id))
        if grant.a.organisation_id not in await replica.member_of(conn, user.sub):
            raise NotAMember("only members of the beneficiary organisation report on its grant")
        grant.require_reportable()
    received = await uploads.receive(
        request,
        file_store(chassis),
        REPORT_FILES,
        ceiling=chassis.settings.max_upload_bytes,
        name=name,
    )

    async def attach(uow: UnitOfWork) -> CommandResult:
        g = await uow.load(Grant, str(grant_id))
        await _require_beneficiary(uow, g)
        before = g.version
        annex = g.attach_report_annex(
            ReportAnnex(
                annex_id=str(uuid7()),
                code=code,
                name=received.name,
                media_type=received.media_type,
                size=received.size,
                sha256=received.sha256,
            ),
            uow.principal.sub,
            uow.chassis.clock.now(),
        )
        body = report_annex_views.annex_view(g.id, None, annex)
        if g.version == before:
            return uow.result(g, body)
        return await _saved(uow, g, body, status=201)

    return await _command(chassis, user, if_match).execute(attach)


@router.get("/grants/{grant_id}/annexes", response_model=ReportAnnexList)
async def list_report_annexes(
    grant_id: UUID, user: CurrentUser, chassis: ChassisDep
) -> ReportAnnexList:
    """The files attached for the next report (`report_id` null) and those handed
    in with each report: for the beneficiary's members and staff."""
    async with chassis.engine.connect() as conn:
        await report_annex_views.require_reader(conn, user, str(grant_id))
        return ReportAnnexList(items=await report_annex_views.of_grant(conn, str(grant_id)))


@router.get(
    "/grants/{grant_id}/annexes/{annex_id}",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The file's bytes, as `Content-Type` the media type it was kept under",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def download_report_annex(
    grant_id: UUID, annex_id: UUID, user: CurrentUser, chassis: ChassisDep
) -> StreamingResponse:
    async with chassis.engine.connect() as conn:
        await report_annex_views.require_reader(conn, user, str(grant_id))
        annex = await report_annex_views.one(conn, str(grant_id), str(annex_id))
    return await downloads.download(
        file_store(chassis),
        sha256=annex.sha256,
        media_type=annex.media_type,
        name=annex.name,
        size=annex.size,
    )


@router.delete(
    "/grants/{grant_id}/annexes/{annex_id}", response_model=ReportAnnexView, responses=REFUSALS
)
async def remove_report_annex(
    grant_id: UUID,
    annex_id: UUID,
    user: Applicant,
    chassis: ChassisDep,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response:
    """Take a file off the next report (one handed in with a report stays)."""

    async def remove(uow: UnitOfWork) -> CommandResult:
        g = await uow.load(Grant, str(grant_id))
        await _require_beneficiary(uow, g)
        annex = g.remove_report_annex(str(annex_id), uow.principal.sub, uow.chassis.clock.now())
        return await _saved(uow, g, report_annex_views.annex_view(g.id, None, annex), 200)

    return await _command(chassis, user, if_match).execute(remove)
