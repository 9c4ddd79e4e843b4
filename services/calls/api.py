"""The calls service's routes: parse, run a handler, shape the answer."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Query, Response

from services.calls import handlers, views
from services.calls.commands import (
    AmendBudget,
    CreateProgramme,
    DraftCall,
    ExtendDeadline,
    GiveReason,
)
from services.calls.events import CallKind, CallStatus
from shared.auth import CurrentUser, Principal, ProgrammeManager
from shared.commands import CommandDep
from shared.http import ChassisDep, resource
from shared.pagination import Page, PageQuery

router = APIRouter(prefix="/v1", tags=["calls"])


def may_see_drafts(user: Principal) -> bool:
    return user.has_any_role(frozenset({"programme_manager"}))


# --- programmes ---------------------------------------------------------------------


@router.post("/programmes", status_code=201, response_model=views.ProgrammeView)
async def create_programme(
    body: CreateProgramme, _: ProgrammeManager, command: CommandDep
) -> Response:
    return await command.execute(lambda uow: handlers.create_programme(uow, body))


@router.get("/programmes", response_model=Page[views.ProgrammeView])
async def list_programmes(user: CurrentUser, chassis: ChassisDep, page: PageQuery) -> Page[Any]:
    after = page.after(tuple[UUID])
    async with chassis.engine.connect() as conn:
        rows = await views.list_programmes(conn, str(after[0]) if after else None, page.fetch)
        if not may_see_drafts(user):
            rows = await views.without_drafts(conn, rows)
    return page.page(rows, key=lambda row: (row["id"],))


@router.get("/programmes/{programme_id}", response_model=views.ProgrammeView)
async def get_programme(programme_id: UUID, user: CurrentUser, chassis: ChassisDep) -> Response:
    """The programme; its draft calls' shares only for programme managers."""
    async with chassis.engine.connect() as conn:
        body, version = await views.programme_body(conn, str(programme_id))
        if not may_see_drafts(user):
            [body] = await views.without_drafts(conn, [body])
    return resource(body, version)


# --- calls: commands ----------------------------------------------------------------


TERMS_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "`invalid_input` (a field's shape: an unknown declaration code...) "
        "or `invalid_call`: terms that cannot work, each in `errors` with its `field` and "
        "`type`; a form schema's errors (`form_schema_invalid`, "
        "`form_schema_unknown_keyword`, `form_schema_remote_ref`, "
        "`form_schema_unresolved_ref`, `form_schema_too_large`, `form_schema_too_deep`, "
        "`form_schema_personal_misplaced`, ...) also with the JSON `pointer` into the schema"
    }
}


@router.post("/calls", status_code=201, response_model=views.CallView, responses=TERMS_REFUSED)
async def draft_call(body: DraftCall, _: ProgrammeManager, command: CommandDep) -> Response:
    return await command.execute(lambda uow: handlers.draft_call(uow, body))


EDIT = Body(
    description="Any terms of the call (the fields of POST /v1/calls but "
    "`programme_id`); the others stay as they are. Needs If-Match.",
    examples=[{"title": "A clearer title", "budget_cents": 150_000_000}],
)


@router.patch(
    "/calls/{call_id}",
    response_model=views.CallView,
    responses={
        **TERMS_REFUSED,
        409: {
            "description": "`rules_frozen` (eligibility, criteria, thresholds, the form, "
            "annexes and declarations of an open call; `fields` names them), "
            "`call_not_editable`, `budget_cut_needs_amendment`, `budget_cut_pending`, "
            "`programme_budget_exceeded`"
        },
    },
)
async def edit_call(
    call_id: UUID,
    changes: Annotated[dict[str, Any], EDIT],
    _: ProgrammeManager,
    command: CommandDep,
) -> Response:
    command.require_if_match()
    return await command.execute(lambda uow: handlers.edit_call(uow, call_id, changes))


@router.post("/calls/{call_id}/publish", response_model=views.CallView)
async def publish_call(call_id: UUID, _: ProgrammeManager, command: CommandDep) -> Response:
    return await command.execute(lambda uow: handlers.publish_call(uow, call_id))


@router.post("/calls/{call_id}/extend-deadline", response_model=views.CallView)
async def extend_deadline(
    call_id: UUID, body: ExtendDeadline, _: ProgrammeManager, command: CommandDep
) -> Response:
    return await command.execute(lambda uow: handlers.extend_deadline(uow, call_id, body))


@router.post(
    "/calls/{call_id}/amend-budget",
    response_model=views.CallView,
    responses={
        202: {
            "model": views.CallView,
            "description": "a cut of a published call, accepted: "
            "the payments service confirms it (`pending_budget_cents` until then)",
        },
        409: {
            "description": "`budget_below_committed`, `budget_cut_pending`, "
            "`programme_budget_exceeded`"
        },
    },
)
async def amend_budget(
    call_id: UUID, body: AmendBudget, _: ProgrammeManager, command: CommandDep
) -> Response:
    return await command.execute(lambda uow: handlers.amend_budget(uow, call_id, body))


@router.post("/calls/{call_id}/close", response_model=views.CallView)
async def close_call(
    call_id: UUID, body: GiveReason, _: ProgrammeManager, command: CommandDep
) -> Response:
    return await command.execute(lambda uow: handlers.close_call(uow, call_id, body.reason))


@router.post("/calls/{call_id}/cancel", response_model=views.CallView)
async def cancel_call(
    call_id: UUID, body: GiveReason, _: ProgrammeManager, command: CommandDep
) -> Response:
    return await command.execute(lambda uow: handlers.cancel_call(uow, call_id, body.reason))


# --- calls: reads -------------------------------------------------------------------


@router.get("/calls", response_model=Page[views.CallView])
async def list_calls(
    user: CurrentUser,
    chassis: ChassisDep,
    page: PageQuery,
    programme_id: UUID | None = None,
    status: Annotated[list[CallStatus] | None, Query()] = None,
    kind: CallKind | None = None,
) -> Page[Any]:
    after = page.after(tuple[UUID])
    async with chassis.engine.connect() as conn:
        rows = await views.list_calls(
            conn,
            drafts=may_see_drafts(user),
            after=str(after[0]) if after else None,
            limit=page.fetch,
            programme_id=str(programme_id) if programme_id else None,
            statuses=list(status) if status else None,
            kind=kind,
        )
    return page.page(rows, key=lambda row: (row["id"],))


@router.get("/calls/{call_id}", response_model=views.CallView)
async def get_call(call_id: UUID, user: CurrentUser, chassis: ChassisDep) -> Response:
    async with chassis.engine.connect() as conn:
        body, version = await views.call_body(conn, str(call_id), drafts=may_see_drafts(user))
    return resource(body, version)
