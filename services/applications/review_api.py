"""Routes of the evaluation and the agreements: evaluators, assignments,
evaluations, ranking, selection, signing and declining."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.applications import (
    award_handlers,
    ranking_versions,
    redress_handlers,
    review_handlers,
    review_views,
    views,
)
from services.applications.commands import (
    AcceptAssignment,
    DeclareConflict,
    DeclineAssignment,
    DeclineAward,
    RegisterEvaluator,
    SubmitEvaluation,
)
from services.applications.panel import NotAssigned
from shared.auth import Applicant, Evaluator, EvaluatorOrManager, ManagerOrAuditor, ProgrammeManager
from shared.commands import CommandDep
from shared.http import ChassisDep
from shared.pagination import Page, PageQuery

router = APIRouter(prefix="/v1", tags=["evaluation"])


@router.post("/evaluators", status_code=201, response_model=review_views.EvaluatorView)
async def register_evaluator(
    body: RegisterEvaluator, _: ProgrammeManager, command: CommandDep
) -> Response:
    return await command.execute(lambda uow: review_handlers.register_evaluator(uow, body))


@router.post("/evaluators/{evaluator_id}/conflicts", response_model=review_views.EvaluatorView)
async def declare_conflict(
    evaluator_id: UUID, body: DeclareConflict, _: EvaluatorOrManager, command: CommandDep
) -> Response:
    return await command.execute(
        lambda uow: review_handlers.declare_conflict(uow, evaluator_id, body)
    )


@router.post(
    "/calls/{call_id}/assignments",
    responses={
        409: {"description": "`call_not_closed`, `already_assigned`, `conflict_of_interest`"}
    },
)
async def assign(call_id: UUID, _: ProgrammeManager, command: CommandDep) -> Response:
    return await command.execute(lambda uow: review_handlers.assign_call(uow, call_id))


@router.get("/me/assignments", response_model=Page[dict[str, Any]])
async def my_assignments(user: Evaluator, chassis: ChassisDep, page: PageQuery) -> Page[Any]:
    """My assignments with their state; the application itself once accepted."""
    after = page.after(tuple[UUID])
    async with chassis.engine.connect() as conn:
        evaluator_id = await review_views.evaluator_id_of(conn, user.sub)
        if evaluator_id is None:
            raise NotAssigned("you are not a registered evaluator")
        rows = await review_views.assignments_of(
            conn, evaluator_id, after=str(after[0]) if after else None, limit=page.fetch
        )
        items = []
        for row in rows:
            readable = row.state in ("accepted", "evaluated")
            application = (
                (await views.application_row(conn, row.application_id)).body if readable else None
            )
            items.append({**row.body, "application": application})
    return page.page(items, key=lambda item: (item["id"],))


@router.post("/assignments/{assignment_id}/accept")
async def accept(
    assignment_id: UUID, body: AcceptAssignment, _: Evaluator, command: CommandDep
) -> Response:
    return await command.execute(
        lambda uow: review_handlers.accept_assignment(uow, assignment_id, body)
    )


@router.post("/assignments/{assignment_id}/decline")
async def decline_assignment(
    assignment_id: UUID, body: DeclineAssignment, _: Evaluator, command: CommandDep
) -> Response:
    return await command.execute(
        lambda uow: review_handlers.decline_assignment(uow, assignment_id, body)
    )


@router.post(
    "/applications/{application_id}/evaluations",
    status_code=201,
    responses={
        403: {"description": "`not_assigned`"},
        422: {"description": "`unknown_criterion`, `score_out_of_range`, `missing_score`"},
    },
)
async def evaluate(
    application_id: UUID, body: SubmitEvaluation, _: Evaluator, command: CommandDep
) -> Response:
    return await command.execute(
        lambda uow: redress_handlers.submit_evaluation(uow, application_id, body)
    )


@router.post(
    "/calls/{call_id}/ranking",
    responses={409: {"description": "`evaluations_pending`, `not_assigned`, `already_ranked`"}},
)
async def rank(call_id: UUID, _: ProgrammeManager, command: CommandDep) -> Response:
    return await command.execute(lambda uow: award_handlers.rank_call(uow, call_id))


@router.get("/calls/{call_id}/ranking")
async def ranking(
    call_id: UUID,
    _: ManagerOrAuditor,
    chassis: ChassisDep,
    page: PageQuery,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    """The ranking in pages of `limit`, in ranking order, as it stands now; with
    `version`, that recorded version whole (1 as selected, one more for each
    re-evaluation that changed an outcome; 404 for a version never recorded)."""
    if version is not None:
        async with chassis.engine.connect() as conn:
            return await ranking_versions.version_body(conn, chassis, str(call_id), version)
    after = page.after(tuple[bool, int, float, int])  # award_handlers.RankingKey
    async with chassis.engine.connect() as conn:
        stage, _version = await review_views.stage_of(conn, str(call_id))
        items = await award_handlers.ranking_items(conn, str(call_id))
    following = [i for i in items if after is None or award_handlers.ranking_key(i) > after]
    listed = page.page(following[: page.fetch], award_handlers.ranking_key)
    return {
        "call_id": str(call_id),
        "stage": stage,
        "items": listed.items,
        "next_cursor": listed.next_cursor,
    }


@router.post(
    "/calls/{call_id}/selection",
    responses={409: {"description": "`not_ranked`, `already_selected`"}},
)
async def selection(call_id: UUID, _: ProgrammeManager, command: CommandDep) -> Response:
    return await command.execute(lambda uow: award_handlers.select_call(uow, call_id))


@router.post(
    "/applications/{application_id}/sign",
    response_model=views.ApplicationView,
    responses={
        409: {
            "description": "`not_selected`, or `results_not_published`: a ranked call's "
            "agreements are signed once its results are published"
        }
    },
)
async def sign(application_id: UUID, _: Applicant, command: CommandDep) -> Response:
    return await command.execute(lambda uow: award_handlers.sign(uow, application_id))


@router.post(
    "/applications/{application_id}/decline",
    response_model=views.ApplicationView,
    responses={409: {"description": "`not_selected`"}},
)
async def decline(
    application_id: UUID, body: DeclineAward, _: Applicant, command: CommandDep
) -> Response:
    return await command.execute(lambda uow: award_handlers.decline(uow, application_id, body))
