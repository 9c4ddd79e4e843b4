"""Calls anyone may read without signing in: the published, open and upcoming ones."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.calls import views
from services.calls.events import CallStatus
from shared.errors import NotFound
from shared.http import ChassisDep, resource
from shared.pagination import Page, PageQuery

router = APIRouter(prefix="/v1/public", tags=["public"])

# What a visitor may see: never drafts, nor cancelled calls.
LISTED: tuple[CallStatus, ...] = ("published", "open")
READABLE = frozenset(
    {"published", "open", "closed", "under_evaluation", "results_published", "closed_out"}
)


@router.get("/calls", response_model=Page[views.CallView])
async def list_public_calls(
    chassis: ChassisDep,
    page: PageQuery,
    status: Annotated[list[CallStatus] | None, Query()] = None,
) -> Page[Any]:
    """Upcoming (`published`) and `open` calls by default; `status` names others to see."""
    wanted: list[str] = [s for s in (status or LISTED) if s in READABLE]
    after = page.after(tuple[UUID])
    async with chassis.engine.connect() as conn:
        rows = await views.list_calls(
            conn,
            drafts=False,
            after=str(after[0]) if after else None,
            limit=page.fetch,
            statuses=wanted or ["__none__"],
        )
    return page.page(rows, key=lambda row: (row["id"],))


@router.get("/calls/{call_id}", response_model=views.CallView)
async def get_public_call(call_id: UUID, chassis: ChassisDep) -> Response:
    async with chassis.engine.connect() as conn:
        body, version = await views.call_body(conn, str(call_id), drafts=False)
    if body["status"] not in READABLE:
        raise NotFound(f"no call {call_id}")
    return resource(body, version)
