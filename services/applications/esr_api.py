"""Evaluation summary reports over HTTP: the programme manager consolidates the
evaluators' comments per criterion; the applicant reads the report once the
call's results are published, staff at any time."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response

from services.applications import esr, replica, results, views
from services.applications.commands import ConsolidateComments
from services.applications.domain import Application
from services.applications.errors import NotAMember
from shared.auth import CurrentUser, ProgrammeManager
from shared.commands import CommandDep, CommandResult, UnitOfWork
from shared.errors import RuleViolation
from shared.http import ChassisDep

router = APIRouter(prefix="/v1", tags=["evaluation"])
# Who reads a report at any time: they run, audit or review the evaluation.
READERS = frozenset({"programme_manager", "auditor", "reviewer"})


class ResultsNotPublished(RuleViolation):
    code = "results_not_published"


async def consolidate(
    uow: UnitOfWork, application_id: UUID, cmd: ConsolidateComments
) -> CommandResult:
    a = await uow.load(Application, str(application_id))
    call = await replica.find(uow.conn, a.call_id)
    a.record(esr.consolidation(a, call.terms.criteria, cmd.comments, uow.chassis.clock.now()))
    await uow.save(a)
    await views.save_application(uow.conn, a)
    report = esr.report(a, call.terms.criteria, call.terms.pass_threshold, for_staff=True)
    return uow.result(a, report)


@router.post(
    "/applications/{application_id}/esr/comments",
    responses={
        409: {"description": "`not_ranked`"},
        422: {"description": "`unknown_criterion`"},
    },
)
async def consolidate_comments(
    application_id: UUID, body: ConsolidateComments, _: ProgrammeManager, command: CommandDep
) -> Response:
    """Set the consolidated comment of criteria of a ranked application's report."""
    return await command.execute(lambda uow: consolidate(uow, application_id, body))


@router.get(
    "/applications/{application_id}/esr",
    responses={
        403: {"description": "`not_a_member`"},
        409: {"description": "`results_not_published`, `not_ranked`"},
    },
)
async def get_esr(application_id: UUID, user: CurrentUser, chassis: ChassisDep) -> dict[str, Any]:
    """The evaluation summary report: members of the application's organisations
    once the call's results are published; programme managers, auditors and
    reviewers at any time. No evaluator is named."""
    staff = user.has_any_role(READERS)
    async with chassis.engine.connect() as conn:
        row = await views.application_row(conn, str(application_id))
        if not staff:
            if not set(row.organisation_ids) & await views.member_of(conn, user.sub):
                raise NotAMember("only members of the application's organisations read its report")
            if await results.of_call(conn, row.call_id) is None:
                raise ResultsNotPublished(
                    "the report is readable once the call's results are published"
                )
        a = await chassis.repository.get(conn, Application, str(application_id))
        call = await replica.find(conn, a.call_id)
    return esr.report(a, call.terms.criteria, call.terms.pass_threshold, for_staff=staff)
