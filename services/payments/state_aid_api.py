"""The payments service's routes for the de minimis register: links between
enterprises, aid declared from other grantors, the single undertaking's aid now or as
of an instant, and the register's export."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from services.payments import de_minimis_export, state_aid_handlers, state_aid_views
from services.payments.commands import CorrectAid, DeclareAid, DeclareLink
from shared.auth import (
    ApplicantOrManager,
    Bookkeeper,
    ManagerOrAuditor,
    ProgrammeManager,
)
from shared.commands import CommandDep
from shared.errors import InvalidInput
from shared.http import ChassisDep

router = APIRouter(prefix="/v1", tags=["de minimis register"])

NOT_A_MEMBER: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "`not_a_member`: an applicant declares only for an organisation "
        "they belong to"
    },
    404: {"description": "`not_found`: no such organisation (or not yet known to payments)"},
}
LINK_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **NOT_A_MEMBER,
    409: {
        "description": "`link_already_declared` (with `link_id`): the two enterprises are "
        "already linked, whichever side declared it"
    },
    422: {
        "description": "`self_link`: the PIC or VAT id is the organisation's own; "
        "`invalid_input`: neither pic nor vat_id, or a malformed one"
    },
}
AID_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **NOT_A_MEMBER,
    422: {
        "description": "`invalid_input` naming the field: a zero or negative amount or "
        "rate, a rate other than 1 for EUR, another currency without its "
        "rate and rate_source; `reason_required`: a programme manager "
        "records aid with a reason"
    },
}


@router.post(
    "/organisations/{organisation_id}/links",
    status_code=201,
    response_model=state_aid_views.LinkView,
    responses=LINK_PROBLEMS,
)
async def declare_link(
    organisation_id: UUID, body: DeclareLink, _: ApplicantOrManager, command: CommandDep
) -> Response:
    """A linked enterprise: from now on both count as one single undertaking, whichever
    side declared it. An enterprise Cascade does not know is kept, `linked_known: false`
    (unverified); a cycle of links is harmless."""
    return await command.execute(
        lambda uow: state_aid_handlers.declare_link(uow, organisation_id, body)
    )


@router.post(
    "/organisations/{organisation_id}/declared-aid",
    status_code=201,
    response_model=state_aid_views.DeclaredAidView,
    responses=AID_PROBLEMS,
)
async def declare_aid(
    organisation_id: UUID, body: DeclareAid, _: ApplicantOrManager, command: CommandDep
) -> Response:
    """De minimis aid from another grantor, converted at the rate given (kept with the
    entry). Aid dated in the future or before today's window is kept and answered with
    `counted: false` and why (`not_counted`)."""
    return await command.execute(
        lambda uow: state_aid_handlers.declare_aid(uow, organisation_id, body)
    )


@router.post(
    "/organisations/{organisation_id}/declared-aid/{entry_id}/corrections",
    response_model=state_aid_views.DeclaredAidView,
    responses={**AID_PROBLEMS, 404: {"description": "`not_found`: no such entry"}},
)
async def correct_aid(
    organisation_id: UUID,
    entry_id: UUID,
    body: CorrectAid,
    _: ProgrammeManager,
    command: CommandDep,
) -> Response:
    """A programme manager's correction (e.g. from a register extract), with the reason:
    the entry's facts from now on; answers as of an earlier instant keep the old ones."""
    return await command.execute(
        lambda uow: state_aid_handlers.correct_aid(uow, organisation_id, entry_id, body)
    )


@router.get("/organisations/{organisation_id}/de-minimis")
async def de_minimis(
    _: Bookkeeper,
    chassis: ChassisDep,
    organisation_id: UUID,
    programme_id: UUID | None = None,
    on: Annotated[
        date | None,
        Query(description="The window's last day; the as_of day, else today, by default."),
    ] = None,
    as_of: Annotated[
        datetime | None,
        Query(
            description="The register as it stood at this "
            "instant (links, declarations and awards known "
            "then); now by default."
        ),
    ] = None,
) -> state_aid_views.DeMinimisView:
    """The organisation's single undertaking: its members, links, the de minimis aid
    counted per source in the rolling window ending on `on`, and the headroom under the
    ceiling (the programme's settings when given, else the regulation's)."""
    if as_of is not None and as_of.tzinfo is None:
        raise InvalidInput(
            "as_of is an instant with its offset",
            errors=[{"field": "query.as_of", "message": "give an offset, e.g. Z", "type": "naive"}],
        )
    day = on or (as_of or chassis.clock.now()).date()
    async with chassis.engine.connect() as conn:
        return await state_aid_views.de_minimis(
            conn, str(organisation_id), day, as_of, str(programme_id) if programme_id else None
        )


@router.get(
    "/exports/de-minimis",
    response_model=de_minimis_export.DeMinimisExport,
    responses={
        200: {
            "content": {"text/csv": {}},
            "description": "JSON, or with "
            "`format=csv` one row per award with the JSON items' fields "
            "(members joined by `;`)",
        },
        422: {"description": "`invalid_input`: from after to"},
    },
)
async def export(
    _: ManagerOrAuditor,
    chassis: ChassisDep,
    from_: Annotated[date, Query(alias="from", description="First day granted")],
    to: Annotated[date, Query(description="Last day granted")],
    format: Literal["json", "csv"] = "json",
) -> Any:
    """Every award of de minimis aid granted in the period (Regulation (EU) 2023/2831):
    the beneficiary's identifiers, its single undertaking, the grantor, the date the
    right was conferred and the amount counted in EUR (its state-resource share)."""
    if from_ > to:
        raise InvalidInput(
            "the period ends before it starts",
            errors=[{"field": "query.to", "message": "on or after from", "type": "period_order"}],
        )
    async with chassis.engine.connect() as conn:
        items = await de_minimis_export.awards_between(conn, from_, to)
    if format == "csv":
        name = f"de-minimis-{from_.isoformat()}-{to.isoformat()}.csv"
        return StreamingResponse(
            de_minimis_export.csv_lines(items),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return de_minimis_export.DeMinimisExport(
        period_from=from_,
        period_to=to,
        legal_basis=de_minimis_export.LEGAL_BASIS,
        generated_at=chassis.clock.now(),
        items=items,
    )
