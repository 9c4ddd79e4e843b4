"""Evaluators, the assignment of a closed call's applications to them, the
acceptance or refusal of an assignment, and the evaluations."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from services.applications import panel_api, replica, review_views, views
from services.applications.assignment import EvaluatorSlot, Need, choose, meets, plan
from services.applications.call_panels import CallPanel
from services.applications.commands import (
    AcceptAssignment,
    DeclareConflict,
    DeclineAssignment,
    RegisterEvaluator,
    SubmitEvaluation,
)
from services.applications.domain import Application, Cause
from services.applications.handlers import _organisation
from services.applications.organisations import Evaluator
from services.applications.panel import NotAssigned
from services.applications.scoring import check_scores, diverges, weighted
from shared.commands import CommandResult, UnitOfWork
from shared.errors import Forbidden, RuleViolation
from shared.ids import uuid7


async def register_evaluator(uow: UnitOfWork, cmd: RegisterEvaluator) -> CommandResult:
    conflicts = tuple(str(c) for c in cmd.conflicts)
    for organisation_id in conflicts:
        await _organisation(uow, organisation_id)
    evaluator = Evaluator(str(uuid7()))
    evaluator.register(cmd.sub, cmd.name, conflicts, uow.now(), cmd.nationality)
    await uow.save(evaluator)
    view = await review_views.save_evaluator(uow.conn, evaluator)
    return uow.result(evaluator, view, status=201, location=f"/v1/evaluators/{evaluator.id}")


async def declare_conflict(
    uow: UnitOfWork, evaluator_id: UUID, cmd: DeclareConflict
) -> CommandResult:
    evaluator = await uow.load(Evaluator, str(evaluator_id))
    if (
        not uow.principal.has_any_role(frozenset({"programme_manager"}))
        and evaluator.sub != uow.principal.sub
    ):
        raise Forbidden("only the evaluator or a programme manager may declare their conflicts")
    await _organisation(uow, str(cmd.organisation_id))
    evaluator.declare_conflict(str(cmd.organisation_id), uow.now())
    await uow.save(evaluator)
    return uow.result(evaluator, await review_views.save_evaluator(uow.conn, evaluator))


async def save(uow: UnitOfWork, application: Application) -> list[review_views.AssignmentView]:
    await uow.save(application)
    await views.save_application(uow.conn, application)
    return await review_views.save_panel(uow.conn, application)


def _need(a: Application, count: int, pool: list[EvaluatorSlot], panel: CallPanel | None) -> Need:
    nationality = {e.evaluator_id: e.nationality for e in pool}
    seated = {
        nationality.get(s.evaluator_id) for s in a.panel.seats.values() if s.state != "declined"
    }
    return Need(
        a.id,
        frozenset({a.lead_organisation_id, *a.partner_organisation_ids}),
        count,
        a.panel.ever,
        panel.min_distinct_nationalities if panel else 0,
        frozenset(n for n in seated if n is not None),
    )


async def _pool(uow: UnitOfWork, call_id: str) -> tuple[list[EvaluatorSlot], CallPanel | None]:
    """Who assignment draws from: the call's panel, or every evaluator without one."""
    panel = await panel_api.panel_of(uow.conn, uow.chassis, call_id)
    only = panel.evaluator_ids if panel is not None else None
    return await review_views.slots(uow.conn, only), panel


async def assign_call(uow: UnitOfWork, call_id: UUID) -> CommandResult:
    """`evaluators_per_application` evaluators for each eligible application."""
    now = uow.now()
    call = await replica.find(uow.conn, str(call_id), lock=True)
    # Closed at its deadline, or earlier by the programme manager (CallClosed).
    closed = call.status == "closed" or (call.status != "cancelled" and now >= call.terms.closes_at)
    if call.first_come_first_served or not closed:
        raise RuleViolation(
            "evaluators are assigned to a ranked call once it has closed",
            code="call_not_closed",
            closes_at=call.terms.closes_at.isoformat(),
        )
    stage, version = await review_views.stage_of(uow.conn, call.id)
    if stage != "open":
        raise RuleViolation(f"the call's evaluation is already {stage}", code="already_assigned")
    applications = [
        await uow.chassis.repository.get(uow.conn, Application, row.id)
        for row in await views.of_call(uow.conn, call.id, ("eligible",))
    ]
    pool, panel = await _pool(uow, call.id)
    chosen = plan(
        pool, [_need(a, call.terms.evaluators_per_application, pool, panel) for a in applications]
    )
    assigned: list[Any] = []
    for a in applications:
        for evaluator_id in chosen[a.id]:
            a.assign(str(uuid7()), evaluator_id, "initial", now)
        assigned.extend(s.model_dump() for s in await save(uow, a))
    await review_views.set_stage(uow.conn, call.id, "assigned", version + 1)
    return CommandResult(
        200,
        {"call_id": call.id, "stage": "assigned", "assignments": assigned},
        version + 1,
        [e.id for e in uow.recorded],
    )


async def _evaluator_id(uow: UnitOfWork) -> str:
    found = await review_views.evaluator_id_of(uow.conn, uow.principal.sub)
    if found is None:
        raise NotAssigned("you are not a registered evaluator")
    return found


async def _assignment(uow: UnitOfWork, assignment_id: UUID) -> tuple[str, Application]:
    evaluator_id = await _evaluator_id(uow)
    application_id = await review_views.application_of_assignment(uow.conn, str(assignment_id))
    return evaluator_id, await uow.load(Application, application_id)


def _seat_body(a: Application, assignment_id: str, **extra: Any) -> dict[str, Any]:
    seat = a.panel.seats[assignment_id]
    return {
        "id": assignment_id,
        "application_id": a.id,
        "call_id": a.call_id,
        "evaluator_id": seat.evaluator_id,
        "cause": seat.cause,
        "state": seat.state,
        **extra,
    }


async def accept_assignment(
    uow: UnitOfWork, assignment_id: UUID, _: AcceptAssignment
) -> CommandResult:
    evaluator_id, a = await _assignment(uow, assignment_id)
    a.accept_assignment(str(assignment_id), evaluator_id, uow.now())
    await save(uow, a)
    view = views.application_view(a).model_dump(mode="json")
    return uow.result(a, _seat_body(a, str(assignment_id), application=view))


async def decline_assignment(
    uow: UnitOfWork, assignment_id: UUID, cmd: DeclineAssignment
) -> CommandResult:
    """Decline, and a replacement evaluator is assigned when one is free."""
    evaluator_id, a = await _assignment(uow, assignment_id)
    now = uow.now()
    a.decline_assignment(str(assignment_id), evaluator_id, cmd.reason, now)
    again = a.panel.seats[str(assignment_id)].cause == "re_evaluation"
    replacement = await _one_more(uow, a, "re_evaluation" if again else "replacement", now)
    await save(uow, a)
    return uow.result(a, _seat_body(a, str(assignment_id), replacement=replacement))


async def _one_more(
    uow: UnitOfWork, a: Application, cause: Cause, now: datetime
) -> dict[str, Any] | None:
    """One more evaluator on the panel, if one free of conflict (and keeping the
    nationality minimum) is left."""
    pool, panel = await _pool(uow, a.call_id)
    need = _need(a, 1, pool, panel)
    picked = choose(pool, need)
    if not meets(pool, need, picked):
        return None
    assignment_id = str(uuid7())
    a.assign(assignment_id, picked[0], cause, now)
    return {"id": assignment_id, "evaluator_id": picked[0], "cause": cause}


async def submit_evaluation(
    uow: UnitOfWork, application_id: UUID, cmd: SubmitEvaluation
) -> CommandResult:
    evaluator_id = await _evaluator_id(uow)
    a = await uow.load(Application, str(application_id))
    a.panel.scoring_seat(evaluator_id)
    criteria = (await replica.find(uow.conn, a.call_id)).terms.criteria
    check_scores(criteria, cmd.scores)
    now = uow.now()
    total = weighted(criteria, cmd.scores)
    assignment_id = a.evaluate(evaluator_id, cmd.scores, total, cmd.comment, now)
    extra = None
    totals = [s.total for s in a.panel.evaluations if s.total is not None]
    # A re-evaluation after a review stands on its own scores: no divergence with the first.
    again = a.panel.seats[assignment_id].cause == "re_evaluation"
    if not again and not a.panel.had_divergence and diverges(criteria, totals):
        extra = await _one_more(uow, a, "divergence", now)
    await save(uow, a)
    return uow.result(
        a,
        {
            "application_id": a.id,
            "assignment_id": assignment_id,
            "total": total,
            "extra_evaluator": extra,
        },
        status=201,
    )
