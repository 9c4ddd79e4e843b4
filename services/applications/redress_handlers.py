"""Redress: requesting a review, deciding it, and concluding the re-evaluation
an upheld review sends the application to (when its last re-evaluator scores)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from services.applications import (
    access,
    award_handlers,
    budget_store,
    ranking_versions,
    redress_views,
    replica,
    results,
    review_handlers,
    review_views,
    views,
)
from services.applications.assignment import Need, plan
from services.applications.commands import DecideReview, RequestReview, SubmitEvaluation
from services.applications.domain import Application, ReserveCode
from services.applications.events import ApplicationStatus, ReEvaluationCompleted
from services.applications.re_evaluation import Standing, entries, new_rank, reserve_place
from services.applications.redress import REVIEWABLE, ReviewRequest
from services.applications.review_handlers import _pool, save
from services.applications.scoring import Ranked, Scored, rank
from services.applications.selection import Contender, decide
from shared.commands import CommandResult, UnitOfWork
from shared.ids import uuid7


async def request_review(
    uow: UnitOfWork, application_id: UUID, cmd: RequestReview
) -> CommandResult:
    a = await uow.chassis.repository.get(uow.conn, Application, str(application_id))
    await access.require_lead_member(uow.conn, uow.principal.sub, a)
    published = await results.of_call(uow.conn, a.call_id)
    ranking = await ranking_versions.load(uow.conn, uow.chassis, a.call_id)
    review = ReviewRequest(str(uuid7()))
    review.request(
        a,
        published.review_requests_until if published else None,
        await redress_views.of_application(uow.conn, a.id) is not None,
        ranking.current,
        cmd.grounds,
        uow.principal.sub,
        uow.chassis.clock.now(),
    )
    await uow.save(review)
    view = await redress_views.save(uow.conn, review)
    return uow.result(review, view, status=201, location=f"/v1/review-requests/{review.id}")


async def decide_review(
    uow: UnitOfWork, review_request_id: UUID, cmd: DecideReview
) -> CommandResult:
    """Dismiss, or uphold and assign the re-evaluation to evaluators of the call's
    panel who have not been on the application's panel (409 naming the
    constraint when too few are left; nothing is recorded then)."""
    review = await uow.load(ReviewRequest, str(review_request_id))
    a = await uow.chassis.repository.get(uow.conn, Application, review.application_id)
    now = uow.chassis.clock.now()
    evaluator_subs = await redress_views.subs_of(uow.conn, a.panel.ever)
    chosen: list[str] = []
    if cmd.outcome == "upheld" and review.state == "requested":
        call = await replica.find(uow.conn, a.call_id, lock=True)
        pool, panel = await _pool(uow, call.id)
        reviewer = await review_views.evaluator_id_of(uow.conn, uow.principal.sub)
        need = Need(
            a.id,
            frozenset({a.lead_organisation_id, *a.partner_organisation_ids}),
            call.terms.evaluators_per_application,
            a.panel.ever | ({reviewer} if reviewer else set()),
            panel.min_distinct_nationalities if panel else 0,
        )
        if uow.principal.sub not in evaluator_subs:
            chosen = plan(pool, [need])[a.id]
    review.decide(cmd.outcome, cmd.reasons, uow.principal.sub, evaluator_subs, len(chosen), now)
    for evaluator_id in chosen:
        a.assign(str(uuid7()), evaluator_id, "re_evaluation", now)
    if chosen:
        await save(uow, a)
    await uow.save(review)
    return uow.result(review, await redress_views.save(uow.conn, review))


async def submit_evaluation(
    uow: UnitOfWork, application_id: UUID, cmd: SubmitEvaluation
) -> CommandResult:
    """An evaluation; the last one of a re-evaluation concludes it."""
    result = await review_handlers.submit_evaluation(uow, application_id, cmd)
    a = await uow.chassis.repository.get(uow.conn, Application, str(application_id))
    body = dict(result.body) if isinstance(result.body, dict) else {}
    if a.panel.seats[body["assignment_id"]].cause != "re_evaluation" or a.panel.re_evaluating:
        return result
    review = await conclude(uow, a, uow.chassis.clock.now())
    return CommandResult(
        result.status,
        {**body, "review_request": review.model_dump(mode="json")},
        a.version,
        [e.id for e in uow.recorded],
    )


async def conclude(
    uow: UnitOfWork, a: Application, now: datetime
) -> redress_views.ReviewRequestView:
    """The re-evaluation is scored: rank the application again on the
    re-evaluators' scores alone, decide its outcome by the reserve rules
    (selected if the budget allows, else on the reserve list at its new place,
    or rejected), and record a new ranking version if the outcome changed."""
    found = await redress_views.of_application(uow.conn, a.id)
    review = await uow.chassis.repository.get(uow.conn, ReviewRequest, found.id)
    call = await replica.find(uow.conn, a.call_id, lock=True)
    receipt = a.receipt or 0
    [judged] = rank(
        call.terms.criteria,
        call.terms.pass_threshold,
        [Scored(a.id, receipt, tuple(s.scores for s in a.panel.scoring))],
    )
    previous = (a.status, a.reserve_rank)
    if a.status not in REVIEWABLE:
        # Promoted from the reserve list or withdrawn while re-evaluated: the
        # re-evaluation is recorded, and decides nothing any more.
        return await _completed(uow, review, a, judged.score, judged.passed, previous[0], None, now)
    others = [
        Standing(
            i["application_id"],
            i["score"],
            i["receipt"],
            i["rank"] is not None,
            i["status"],
            i["reserve_rank"],
        )
        for i in await award_handlers.ranking_items(uow.conn, call.id)
        if i["application_id"] != a.id
    ]
    place = new_rank(others, judged.score, receipt) if judged.passed else None
    a.rank(
        Ranked(
            a.id,
            receipt,
            place,
            judged.score,
            judged.criterion_scores,
            judged.passed,
            f"re-evaluated after review {review.id}: {judged.reason}",
        ),
        now,
    )
    if judged.passed:
        await _decide_outcome(uow, a, call, others, judged.score, review.id, now)
    await save(uow, a)
    changed = (a.status, a.reserve_rank) != previous
    version = None
    if changed:
        ranking = await ranking_versions.load(uow.conn, uow.chassis, call.id)
        items = await award_handlers.ranking_items(uow.conn, call.id)
        version = ranking.record_version(entries(items), now, review.id)
        await uow.save(ranking)
    return await _completed(uow, review, a, judged.score, judged.passed, previous[0], version, now)


async def _completed(
    uow: UnitOfWork,
    review: ReviewRequest,
    a: Application,
    score: float,
    passed: bool,
    previous_status: ApplicationStatus,
    version: int | None,
    now: datetime,
) -> redress_views.ReviewRequestView:
    """Record the re-evaluation's end; `version` is the ranking version its
    changed outcome produced (None: the outcome did not change)."""
    review.record(
        ReEvaluationCompleted(
            review_request_id=review.id,
            application_id=a.id,
            call_id=a.call_id,
            score=score,
            passed=passed,
            previous_status=previous_status,
            status=a.status,
            reserve_rank=a.reserve_rank if a.status == "reserve" else None,
            outcome_changed=version is not None,
            ranking_version=version,
            completed_at=now,
        )
    )
    await uow.save(review)
    return await redress_views.save(uow.conn, review)


async def _decide_outcome(
    uow: UnitOfWork,
    a: Application,
    call: replica.CallReplica,
    others: list[Standing],
    score: float,
    review_id: str,
    now: datetime,
) -> None:
    money = await budget_store.load(uow.conn, uow.chassis.repository, call)
    decision = decide(Contender(a.id, a.lead_organisation_id, a.requested_cents), money.budget())
    if decision.selected:
        a.select(
            decision.amount_cents,
            money.commit(decision.amount_cents),
            f"re-evaluated after review {review_id}: {decision.reason}",
            now,
            re_evaluated=True,
        )
        await budget_store.save(uow.conn, uow.chassis.repository, money, uow.context)
        return
    place, moved = reserve_place(others, score, a.receipt or 0)
    code: ReserveCode = (
        "beneficiary_limit" if decision.reason_code == "beneficiary_limit" else "below_budget_line"
    )
    a.reserve(code, f"re-evaluated after review {review_id}: {decision.reason}", place, now)
    for application_id, new_place in moved.items():
        other = await uow.chassis.repository.get(uow.conn, Application, application_id)
        kept: ReserveCode = (
            "beneficiary_limit" if other.reason_code == "beneficiary_limit" else "below_budget_line"
        )
        other.reserve(
            kept,
            f"moved to reserve place {new_place}: application {a.id} was placed before it "
            f"after its re-evaluation (review {review_id})",
            new_place,
            now,
        )
        await uow.save(other)
        await views.save_application(uow.conn, other)
