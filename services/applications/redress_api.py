"""Redress over HTTP: a lead member requests a review of a rejected or reserve
application; a reviewer decides it; staff and the applicant read it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response

from services.applications import redress_handlers, redress_views, views
from services.applications.commands import DecideReview, RequestReview
from services.applications.errors import NotAMember
from services.applications.events import ReviewState
from shared.auth import Applicant, CurrentUser, Reviewer
from shared.commands import CommandDep
from shared.errors import Forbidden
from shared.http import ChassisDep, resource
from shared.pagination import Page, PageQuery

router = APIRouter(prefix="/v1", tags=["redress"])
READERS = frozenset({"reviewer", "programme_manager", "auditor"})
STATES = (
    "Review states: `requested`, then `dismissed`, or `upheld` and, once the "
    "re-evaluation is scored, `re_evaluated` (with `outcome_changed` and the new "
    "`ranking_version` when the outcome changed)."
)


@router.post(
    "/applications/{application_id}/review-requests",
    status_code=201,
    response_model=redress_views.ReviewRequestView,
    description="Ask once, within the call's `review_request_days` after its results "
    "are published, for a review of a rejected or reserve application. " + STATES,
    responses={
        403: {"description": "`not_a_member`: not a member of the lead organisation"},
        409: {
            "description": "`review_window_closed`, `review_already_requested`, "
            "`not_reviewable` (neither rejected nor reserve), `results_not_published`"
        },
    },
)
async def request_review(
    application_id: UUID, body: RequestReview, _: Applicant, command: CommandDep
) -> Response:
    """Ask once, within the call's `review_request_days` after its results are
    published, for a review of a rejected or reserve application."""
    return await command.execute(
        lambda uow: redress_handlers.request_review(uow, application_id, body)
    )


@router.post(
    "/review-requests/{review_request_id}/decision",
    response_model=redress_views.ReviewRequestView,
    description="`upheld` sends the application to re-evaluation by evaluators of the "
    "call's panel who have not scored it; `dismissed` ends the review. " + STATES,
    responses={
        403: {"description": "`reviewer_is_evaluator`: the reviewer evaluated the application"},
        409: {
            "description": "`review_already_decided`; on `upheld`, `conflict_of_interest` or "
            "`nationality_constraint` (with `constraint`) when the panel has too few "
            "evaluators who have not scored the application"
        },
    },
)
async def decide_review(
    review_request_id: UUID, body: DecideReview, _: Reviewer, command: CommandDep
) -> Response:
    """`upheld` sends the application to re-evaluation by evaluators of the call's
    panel who have not scored it; `dismissed` ends the review."""
    return await command.execute(
        lambda uow: redress_handlers.decide_review(uow, review_request_id, body)
    )


@router.get("/review-requests", response_model=Page[redress_views.ReviewRequestView])
async def list_review_requests(
    user: CurrentUser,
    chassis: ChassisDep,
    page: PageQuery,
    state: ReviewState | None = None,
    call_id: UUID | None = None,
) -> Page[Any]:
    """Reviewers, programme managers and auditors: the review requests, oldest first."""
    if not user.has_any_role(READERS):
        raise Forbidden("this needs one of the roles auditor, programme_manager, reviewer")
    after = page.after(tuple[UUID])
    async with chassis.engine.connect() as conn:
        rows = await redress_views.listed(
            conn,
            status=state,
            call_id=str(call_id) if call_id else None,
            after=str(after[0]) if after else None,
            limit=page.fetch,
        )
    return page.page(rows, key=lambda row: (row["id"],))


@router.get(
    "/review-requests/{review_request_id}",
    response_model=redress_views.ReviewRequestView,
    responses={403: {"description": "`not_a_member`"}},
)
async def get_review_request(
    review_request_id: UUID, user: CurrentUser, chassis: ChassisDep
) -> Response:
    """The request and its decision: staff above, and members of the application's
    organisations."""
    async with chassis.engine.connect() as conn:
        row = await redress_views.row(conn, str(review_request_id))
        if not user.has_any_role(READERS):
            application = await views.application_row(conn, row.application_id)
            if not set(application.organisation_ids) & await views.member_of(conn, user.sub):
                raise NotAMember("only members of the application's organisations may see it")
    return resource(row.body, row.version)
