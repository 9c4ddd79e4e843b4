"""The applications service's routes: parse, run a handler, shape the answer."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.applications import (
    access,
    award_handlers,
    click_day,
    handlers,
    outcomes,
    partners,
    redress_views,
    review_views,
    views,
)
from services.applications.commands import (
    AddMember,
    ApplicationFields,
    DraftApplication,
    InvitePartner,
    RegisterOrganisation,
)
from services.applications.errors import NotAMember
from services.applications.events import ApplicationStatus
from shared.auth import STAFF, Applicant, CurrentUser, Principal
from shared.commands import CommandDep
from shared.http import ChassisDep, resource
from shared.pagination import Page, PageQuery

router = APIRouter(prefix="/v1", tags=["applications"])


def is_staff(user: Principal) -> bool:
    return user.has_any_role(STAFF)


# --- organisations ------------------------------------------------------------------


@router.post("/organisations", status_code=201, response_model=views.OrganisationView)
async def register_organisation(
    body: RegisterOrganisation, _: Applicant, command: CommandDep
) -> Response:
    return await command.execute(lambda uow: handlers.register_organisation(uow, body))


@router.post("/organisations/{organisation_id}/members", response_model=views.OrganisationView)
async def add_member(
    organisation_id: UUID, body: AddMember, _: Applicant, command: CommandDep
) -> Response:
    return await command.execute(lambda uow: handlers.add_member(uow, organisation_id, body))


@router.get("/organisations/{organisation_id}", response_model=views.OrganisationView)
async def get_organisation(
    organisation_id: UUID, user: CurrentUser, chassis: ChassisDep
) -> Response:
    """For its members, members of organisations it applies with, evaluators
    assigned to its applications, and staff."""
    async with chassis.engine.connect() as conn:
        body, version = await views.organisation_body(conn, str(organisation_id))
        await access.require_organisation_reader(conn, user, str(organisation_id))
    return resource(body, version)


@router.get("/me/organisations", response_model=Page[views.OrganisationView])
async def my_organisations(user: CurrentUser, chassis: ChassisDep, page: PageQuery) -> Page[Any]:
    """The organisations the caller is a member of (registered or added to)."""
    after = page.after(tuple[UUID])
    async with chassis.engine.connect() as conn:
        rows = await views.organisations_of(
            conn, user.sub, after=str(after[0]) if after else None, limit=page.fetch
        )
    return page.page(rows, key=lambda row: (row["id"],))


@router.post(
    "/organisations/{organisation_id}/invitations",
    status_code=201,
    response_model=partners.InvitationView,
    responses={409: {"description": "`not_a_partner`, `already_invited`, `not_a_draft`"}},
)
async def invite_partner(
    organisation_id: UUID, body: InvitePartner, _: Applicant, command: CommandDep
) -> Response:
    """A member of the application's lead invites a partner it names to consent."""
    return await command.execute(lambda uow: partners.invite(uow, organisation_id, body))


@router.get(
    "/organisations/{organisation_id}/invitations", response_model=list[partners.InvitationView]
)
async def list_invitations(
    organisation_id: UUID, user: Applicant, chassis: ChassisDep
) -> list[Any]:
    """The invitations the organisation received (its members)."""
    async with chassis.engine.connect() as conn:
        await access.require_member_of(conn, user.sub, str(organisation_id))
        return await partners.of_organisation(conn, str(organisation_id))


@router.post(
    "/invitations/{invitation_id}/accept",
    response_model=partners.InvitationView,
    responses={409: {"description": "`already_accepted`"}},
)
async def accept_invitation(invitation_id: UUID, _: Applicant, command: CommandDep) -> Response:
    """A member of the invited organisation consents to the application naming it."""
    return await command.execute(lambda uow: partners.accept(uow, invitation_id))


# --- applications -------------------------------------------------------------------


ANSWERS_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "`invalid_input`, or `call_has_no_form`: answers to a call "
        "without a form (a draft's answers are otherwise kept as they are, checked at "
        "submission)"
    }
}


@router.post(
    "/applications",
    status_code=201,
    response_model=views.ApplicationView,
    responses=ANSWERS_REFUSED,
)
async def draft_application(body: DraftApplication, _: Applicant, command: CommandDep) -> Response:
    return await command.execute(lambda uow: handlers.draft_application(uow, body))


@router.patch(
    "/applications/{application_id}",
    response_model=views.ApplicationView,
    responses=ANSWERS_REFUSED,
)
async def edit_application(
    application_id: UUID, body: ApplicationFields, _: Applicant, command: CommandDep
) -> Response:
    command.require_if_match()
    return await command.execute(lambda uow: handlers.edit_application(uow, application_id, body))


@router.post(
    "/applications/{application_id}/submit",
    response_model=views.ApplicationView,
    responses={
        409: {
            "description": "`call_closed` (also once a first-come call's budget "
            "and reserve list are full), `already_submitted`, `partner_consent_missing`, "
            "`missing_annexes` (each code under `missing`), or "
            "`budget_exhausted` / `beneficiary_limit` (the application is "
            "then kept in reserve, under `application`), `declarations_missing` (each "
            "declaration the call requires and the applicant has not made, under `missing`)"
        },
        422: {
            "description": "`invalid_answers`: the answers fail the call's form, each "
            "failing answer in `errors` with its JSON `pointer` (a missing one by the "
            "pointer it would have; the budget table's total by the table's)"
        },
    },
)
async def submit_application(application_id: UUID, _: Applicant, command: CommandDep) -> Response:
    return await click_day.of(command.chassis).submit(command, application_id)


@router.post("/applications/{application_id}/withdraw", response_model=views.ApplicationView)
async def withdraw_application(application_id: UUID, _: Applicant, command: CommandDep) -> Response:
    return await command.execute(lambda uow: award_handlers.withdraw(uow, application_id))


@router.get("/applications", response_model=Page[views.ApplicationView])
async def list_applications(
    user: CurrentUser,
    chassis: ChassisDep,
    page: PageQuery,
    call_id: UUID | None = None,
    status: Annotated[list[ApplicationStatus] | None, Query()] = None,
) -> Page[Any]:
    after = page.after(tuple[UUID])
    async with chassis.engine.connect() as conn:
        mine = None if is_staff(user) else await views.member_of(conn, user.sub)
        rows = await views.list_applications(
            conn,
            after=str(after[0]) if after else None,
            limit=page.fetch,
            organisation_ids=mine,
            call_id=str(call_id) if call_id else None,
            statuses=list(status) if status else None,
        )
        if not outcomes.reads_at_any_time(user):
            rows = await outcomes.as_applicant_reads(conn, rows)
            if status:  # a withheld outcome is not found by its real status
                rows = [row for row in rows if row["status"] in status]
    return page.page(rows, key=lambda row: (row["id"],))


@router.get("/applications/{application_id}", response_model=views.ApplicationView)
async def get_application(application_id: UUID, user: CurrentUser, chassis: ChassisDep) -> Response:
    async with chassis.engine.connect() as conn:
        row = await views.application_row(conn, str(application_id))
        readable = (
            is_staff(user)
            or set(row.organisation_ids) & await views.member_of(conn, user.sub)
            or await review_views.may_read(conn, str(application_id), user.sub)
            or await redress_views.reviewer_may_read(conn, str(application_id), user)
        )
        if not readable:
            raise NotAMember("only members of the application's organisations may see it")
        body = row.body
        if not outcomes.reads_at_any_time(user):
            [body] = await outcomes.as_applicant_reads(conn, [body])
    return resource(body, row.version)
