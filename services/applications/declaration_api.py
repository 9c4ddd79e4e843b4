"""The route of declarations on honour: parse, run the handler, shape the answer."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from services.applications import declaration_handlers, views
from services.applications.commands import Declare
from shared.auth import Applicant
from shared.commands import CommandDep

router = APIRouter(prefix="/v1", tags=["applications"])


@router.post(
    "/applications/{application_id}/declarations",
    response_model=views.ApplicationView,
    responses={
        403: {"description": "`not_a_member`: only members of the lead organisation declare"},
        409: {
            "description": "`declaration_not_required` (the call does not ask for it), "
            "`not_a_draft`"
        },
        422: {
            "description": "`invalid_input`, or `invalid_figures`: an `sme_status` "
            "declaration without its figures, with figures that are no SME's, or figures "
            "on another declaration"
        },
    },
)
async def declare(
    application_id: UUID, body: Declare, _: Applicant, command: CommandDep
) -> Response:
    """Declare on honour, for the application, one of the declarations its call
    requires; recorded with who declared and when (a later one of the same code
    replaces it until submission). The application, with its declarations."""
    return await command.execute(
        lambda uow: declaration_handlers.declare(uow, application_id, body)
    )
