"""Publishing a call's results (the programme manager), and the public list of
its selected beneficiaries, readable without a token once they are published."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel
from sqlalchemy import select

from services.calls import views
from services.calls.domain import Call
from services.calls.errors import ResultsNotPublished
from services.calls.tables import call_beneficiaries
from shared.auth import ProgrammeManager
from shared.commands import CommandDep, CommandResult, UnitOfWork
from shared.http import ChassisDep

router = APIRouter(prefix="/v1", tags=["results"])
PUBLISHED = frozenset({"results_published", "closed_out"})


class Beneficiary(BaseModel):
    name: str
    country: str
    amount_cents: int
    currency: str


class Beneficiaries(BaseModel):
    call_id: str
    items: list[Beneficiary]


async def publish_results(uow: UnitOfWork, call_id: UUID) -> CommandResult:
    call = await uow.load(Call, str(call_id))
    call.publish_results(uow.chassis.clock.now())
    await uow.save(call)
    return uow.result(call, await views.save_call(uow.conn, call))


@router.post(
    "/calls/{call_id}/publish-results",
    response_model=views.CallView,
    responses={409: {"description": "`selection_not_made`, `results_already_published`"}},
)
async def publish(call_id: UUID, _: ProgrammeManager, command: CommandDep) -> Response:
    """After selection: the call becomes `results_published`; applicants read their
    outcomes and evaluation summary reports, and the review window opens."""
    return await command.execute(lambda uow: publish_results(uow, call_id))


@router.get(
    "/public/calls/{call_id}/beneficiaries",
    response_model=Beneficiaries,
    tags=["public"],
    responses={409: {"description": "`results_not_published`"}},
)
async def beneficiaries(call_id: UUID, chassis: ChassisDep) -> Beneficiaries:
    """The call's selected beneficiaries (organisation, country, amount), by name;
    no personal data. Anyone, without a token, once the results are published."""
    async with chassis.engine.connect() as conn:
        body, _ = await views.call_body(conn, str(call_id), drafts=False)
        if body["status"] not in PUBLISHED:
            raise ResultsNotPublished(
                "the call's results are not published yet", call_status=body["status"]
            )
        rows = await conn.execute(
            select(call_beneficiaries)
            .where(call_beneficiaries.c.call_id == str(call_id))
            .order_by(call_beneficiaries.c.name, call_beneficiaries.c.application_id)
        )
        items = [
            Beneficiary(
                name=row.name,
                country=row.country,
                amount_cents=row.amount_cents,
                currency=body["currency"],
            )
            for row in rows
        ]
    return Beneficiaries(call_id=str(call_id), items=items)
