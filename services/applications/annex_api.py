"""The routes of annexes: upload to a draft (the file streamed and checked into
the file store, then `AnnexAttached` recorded), list, download, remove."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.applications import access, annex_views, annexes, replica, views
from services.applications.annex_views import AnnexList, AnnexView
from services.applications.domain import Application
from shared import downloads, uploads
from shared.auth import Applicant, CurrentUser
from shared.commands import CommandRequest, CommandResult, UnitOfWork
from shared.file_stores import file_store
from shared.http import ChassisDep, parse_if_match
from shared.ids import uuid7

router = APIRouter(prefix="/v1", tags=["annexes"])

AnnexCode = Annotated[
    str,
    Query(pattern=r"^[a-z0-9][a-z0-9_]{0,39}$", description="One of the call's required annexes"),
]
UPLOAD_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **uploads.PROBLEMS,
    409: {"description": "`not_a_draft`: annexes change only on a draft"},
    413: {"description": "`annex_too_large`: over the annex's `max_bytes`, nothing kept"},
    415: {
        "description": "`annex_type_not_allowed`: the content is not of one of the annex's "
        "`media_types`, whatever the Content-Type header says; nothing kept"
    },
    422: {
        "description": "`annex_empty`, `annex_not_required` (the call requires no annex of "
        "that code), `annex_file_missing` (a multipart body without a file part), "
        "`invalid_input`"
    },
}


@router.post(
    "/applications/{application_id}/annexes",
    status_code=201,
    response_model=AnnexView,
    responses={
        200: {
            "model": AnnexView,
            "description": "The same file was attached under the code already: nothing recorded",
        },
        **UPLOAD_PROBLEMS,
    },
    openapi_extra=uploads.FILE_BODY,
)
async def attach_annex(
    application_id: UUID,
    code: AnnexCode,
    request: Request,
    user: Applicant,
    chassis: ChassisDep,
    name: Annotated[str | None, Query(max_length=255, description="The file's name")] = None,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response:
    """A member of the lead organisation attaches a file to the draft under `code`,
    taking the place of the file attached under it before. Sending the same file
    again records nothing (its bytes are stored once, whoever sends them)."""
    async with chassis.engine.connect() as conn:
        application = await chassis.repository.get(conn, Application, str(application_id))
        await access.require_lead_member(conn, user.sub, application)
        application.require_draft("attach an annex to")
        call = await replica.find(conn, application.call_id)
    required = annexes.requirement(call.terms.required_annexes, code)
    received = await uploads.receive(
        request,
        file_store(chassis),
        uploads.UploadRule(tuple(required.media_types), required.max_bytes),
        ceiling=chassis.settings.max_upload_bytes,
        name=name,
    )

    async def attach(uow: UnitOfWork) -> CommandResult:
        a = await uow.load(Application, str(application_id))
        await access.require_lead_member(uow.conn, uow.principal.sub, a)
        before = a.version
        annex = a.attach_annex(
            str(uuid7()),
            code,
            received.name,
            received.media_type,
            received.size,
            received.sha256,
            uow.principal.sub,
            uow.chassis.clock.now(),
        )
        if a.version == before:
            return uow.result(a, annex_views.annex_view(a.id, annex))
        return await _saved(uow, a, annex_views.annex_view(a.id, annex), status=201)

    command = CommandRequest(chassis, user, parse_if_match(if_match), None)
    return await command.execute(attach)


@router.get("/applications/{application_id}/annexes", response_model=AnnexList)
async def list_annexes(application_id: UUID, user: CurrentUser, chassis: ChassisDep) -> AnnexList:
    """The files attached, by code: for the lead organisation's members, programme
    managers, auditors and the evaluators who accepted the application."""
    async with chassis.engine.connect() as conn:
        await annex_views.require_reader(conn, user, str(application_id))
        return AnnexList(items=await annex_views.of_application(conn, str(application_id)))


@router.get(
    "/applications/{application_id}/annexes/{annex_id}",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The file's bytes, as `Content-Type` the media type it was kept under",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            "headers": {
                "Repr-Digest": {
                    "description": "`sha-256=:<base64>:` of the bytes (RFC 9530)",
                    "schema": {"type": "string"},
                }
            },
        }
    },
)
async def download_annex(
    application_id: UUID, annex_id: UUID, user: CurrentUser, chassis: ChassisDep
) -> StreamingResponse:
    """The exact bytes attached, with the media type they were checked against,
    their SHA-256 in `Repr-Digest` and as ETag."""
    async with chassis.engine.connect() as conn:
        await annex_views.require_reader(conn, user, str(application_id))
        annex = await annex_views.one(conn, str(application_id), str(annex_id))
    return await downloads.download(
        file_store(chassis),
        sha256=annex.sha256,
        media_type=annex.media_type,
        name=annex.name,
        size=annex.size,
    )


@router.delete(
    "/applications/{application_id}/annexes/{annex_id}",
    response_model=AnnexView,
    responses={409: {"description": "`not_a_draft`: annexes change only on a draft"}},
)
async def remove_annex(
    application_id: UUID,
    annex_id: UUID,
    user: Applicant,
    chassis: ChassisDep,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response:
    """A member of the lead organisation takes an annex off the draft."""

    async def remove(uow: UnitOfWork) -> CommandResult:
        a = await uow.load(Application, str(application_id))
        await access.require_lead_member(uow.conn, uow.principal.sub, a)
        annex = a.remove_annex(str(annex_id), uow.principal.sub, uow.chassis.clock.now())
        return await _saved(uow, a, annex_views.annex_view(a.id, annex))

    command = CommandRequest(chassis, user, parse_if_match(if_match), None)
    return await command.execute(remove)


async def _saved(
    uow: UnitOfWork, application: Application, body: AnnexView, *, status: int = 200
) -> CommandResult:
    await uow.save(application)
    await views.save_application(uow.conn, application)
    await annex_views.save(uow.conn, application)
    location = f"/v1/applications/{application.id}/annexes/{body.id}" if status == 201 else None
    return uow.result(application, body, status=status, location=location)
