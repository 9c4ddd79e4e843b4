"""Ranking and selection of a ranked call, the agreement (sign or decline), and
promotion from the reserve list when a selected application's budget is freed:
by a decline, or by payments refusing the grant (`payments.GrantRefused`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications import (
    budget_store,
    outcomes,
    ranking_versions,
    replica,
    review_views,
    views,
)
from services.applications.commands import DeclineAward
from services.applications.domain import Application, ReserveCode
from services.applications.errors import EvaluationsPending
from services.applications.handlers import _application, _save
from services.applications.review_handlers import save
from services.applications.scoring import Scored, rank
from services.applications.selection import Contender, reserve_ranks, select
from services.payments.events import GrantRefused
from shared.app import Chassis
from shared.commands import CommandResult, UnitOfWork
from shared.consumer import Handlers
from shared.errors import RuleViolation
from shared.events import Envelope
from shared.eventstore import CommandContext

RANKED = (
    "evaluated",
    "rejected",
    "selected",
    "reserve",
    "contracted",
    "declined",
    "award_refused",
    "withdrawn",
)


STAGES = ("open", "assigned", "ranked", "selected")


async def _stage(uow: UnitOfWork, call: replica.CallReplica, expected: str) -> int:
    """The stage's version; 409 `already_<stage>` past it, `not_<expected>` before."""
    stage, version = await review_views.stage_of(uow.conn, call.id)
    if stage != expected:
        code = (
            f"already_{stage}"
            if STAGES.index(stage) > STAGES.index(expected)
            else f"not_{expected}"
        )
        raise RuleViolation(
            f"the call's evaluation is {stage}, not {expected}", code=code, stage=stage
        )
    return version


async def rank_call(uow: UnitOfWork, call_id: UUID) -> CommandResult:
    call = await replica.find(uow.conn, str(call_id), lock=True)
    version = await _stage(uow, call, "assigned")
    rows = await views.of_call(uow.conn, call.id, ("under_evaluation",))
    applications = {
        row.id: await uow.chassis.repository.get(uow.conn, Application, row.id) for row in rows
    }
    pending = [a.id for a in applications.values() if a.panel.pending or not a.panel.evaluations]
    if pending:
        raise EvaluationsPending(
            f"{len(pending)} applications still await evaluations", application_ids=pending
        )
    now = uow.now()
    ranking = rank(
        call.terms.criteria,
        call.terms.pass_threshold,
        [
            Scored(a.id, a.receipt or 0, tuple(s.scores for s in a.panel.evaluations))
            for a in applications.values()
        ],
    )
    for ranked in ranking:
        applications[ranked.application_id].rank(ranked, now)
        await save(uow, applications[ranked.application_id])
    await review_views.set_stage(uow.conn, call.id, "ranked", version + 1)
    return CommandResult(
        200,
        {"call_id": call.id, "stage": "ranked", "items": await ranking_items(uow.conn, call.id)},
        version + 1,
        [e.id for e in uow.recorded],
    )


async def ranking_items(conn: AsyncConnection, call_id: str) -> list[dict[str, Any]]:
    """The call's ranked applications: passed by rank, then the rejected by score."""
    bodies = [
        row.body
        for row in await views.of_call(conn, call_id, RANKED)
        if row.body.get("score") is not None
    ]
    items = [
        {
            "application_id": b["id"],
            "receipt": b["receipt"],
            "rank": b["rank"],
            "score": b["score"],
            "criterion_scores": b["criterion_scores"],
            "reason": b["ranking_reason"],
            "status": b["status"],
            "reserve_rank": b["reserve_rank"],
            "requested_cents": b["requested_cents"],
            "amount_cents": b["amount_cents"],
            "lead_organisation_id": b["lead_organisation_id"],
        }
        for b in bodies
    ]
    return sorted(items, key=ranking_key)


RankingKey = tuple[bool, int, float, int]


def ranking_key(item: dict[str, Any]) -> RankingKey:
    """Ranking order: the passed by rank, then the rejected by falling score."""
    return (item["rank"] is None, item["rank"] or 0, -item["score"], item["receipt"])


async def select_call(uow: UnitOfWork, call_id: UUID) -> CommandResult:
    """Down the ranking within the budget; the others that passed form the reserve list."""
    call = await replica.find(uow.conn, str(call_id), lock=True)
    version = await _stage(uow, call, "ranked")
    rows = sorted(
        await views.of_call(uow.conn, call.id, ("evaluated",)), key=lambda row: row.body["rank"]
    )
    applications = {
        row.id: await uow.chassis.repository.get(uow.conn, Application, row.id) for row in rows
    }
    money = await budget_store.load(uow.conn, uow.chassis.repository, call)
    chosen = select([_contender(a) for a in applications.values()], money.budget())
    reserve = reserve_ranks(chosen)
    now = uow.now()
    for decision in chosen:
        a = applications[decision.application_id]
        if decision.selected:
            a.select(
                decision.amount_cents,
                money.commit(decision.amount_cents),
                f"ranked {a.ranked.rank if a.ranked else '?'}: {decision.reason}",
                now,
            )
        else:
            code: ReserveCode = (
                "beneficiary_limit"
                if decision.reason_code == "beneficiary_limit"
                else "below_budget_line"
            )
            a.reserve(code, decision.reason, reserve[a.id], now)
        await save(uow, a)
    await budget_store.save(uow.conn, uow.chassis.repository, money, uow.context)
    await review_views.set_stage(uow.conn, call.id, "selected", version + 1)
    items = await ranking_items(uow.conn, call.id)
    await ranking_versions.record_selection(uow, call.id, items, money.committed_cents)
    return CommandResult(
        200,
        {
            "call_id": call.id,
            "stage": "selected",
            "committed_cents": money.committed_cents,
            "ranking_version": 1,
            "items": items,
        },
        version + 1,
        [e.id for e in uow.recorded],
    )


def _contender(a: Application) -> Contender:
    return Contender(a.id, a.lead_organisation_id, a.requested_cents)


async def release_and_promote(
    conn: AsyncConnection,
    chassis: Chassis,
    context: CommandContext,
    call_id: str,
    freed_cents: int,
    freed_by: str,
    now: datetime,
) -> list[Envelope]:
    """Give `freed_cents` back to the call's money (the application that freed it
    already saved) and select from the reserve list, in order, what it now funds."""
    call = await replica.find(conn, call_id, lock=True)
    money = await budget_store.load(conn, chassis.repository, call)
    money.release(freed_cents)
    rows = sorted(
        await views.of_call(conn, call.id, ("reserve",)),
        key=lambda row: (
            row.body.get("reserve_rank") is None,
            row.body.get("reserve_rank") or 0,
            row.receipt,
        ),
    )
    reserves = {row.id: await chassis.repository.get(conn, Application, row.id) for row in rows}
    recorded: list[Envelope] = []
    for decision in select([_contender(a) for a in reserves.values()], money.budget()):
        if not decision.selected:
            continue
        a = reserves[decision.application_id]
        a.select(
            decision.amount_cents,
            money.commit(decision.amount_cents),
            f"promoted from reserve place {a.reserve_rank}: application "
            f"{freed_by} freed its budget, and {decision.reason}",
            now,
            freed_by=freed_by,
        )
        recorded.extend(await chassis.repository.save(conn, a, context))
        await views.save_application(conn, a)
    recorded.extend(await budget_store.save(conn, chassis.repository, money, context))
    return recorded


async def withdraw(uow: UnitOfWork, application_id: UUID) -> CommandResult:
    """Withdraw; a selected application's budget goes down the reserve list."""
    a = await _application(uow, application_id)
    now = uow.now()
    return await _release(uow, a, a.withdraw(now), now)


async def _release(
    uow: UnitOfWork, a: Application, freed_cents: int, now: datetime
) -> CommandResult:
    """Save the application that gave up `freed_cents` and promote the reserve list."""
    result = await _save(uow, a)
    if not freed_cents:
        return result
    uow.recorded.extend(
        await release_and_promote(
            uow.conn, uow.chassis, uow.context, a.call_id, freed_cents, a.id, now
        )
    )
    return CommandResult(result.status, result.body, result.version, [e.id for e in uow.recorded])


async def sign(uow: UnitOfWork, application_id: UUID) -> CommandResult:
    a = await _application(uow, application_id)
    await outcomes.require_published(uow.conn, a.call_id)
    a.sign(uow.now())
    return await _save(uow, a)


async def decline(uow: UnitOfWork, application_id: UUID, cmd: DeclineAward) -> CommandResult:
    a = await _application(uow, application_id)
    now = uow.now()
    return await _release(uow, a, a.decline(cmd.reason, now), now)


def on_grant_refused(chassis: Chassis, handlers: Handlers) -> None:
    """Payments refused a contracted application's grant: its budget is freed
    and the reserve list promoted, in the consumer's transaction."""

    @handlers.on(GrantRefused.event_type)
    async def refused(conn: AsyncConnection, envelope: Envelope, e: GrantRefused) -> None:
        a = await chassis.repository.find(conn, Application, e.application_id)
        if a is None:
            return
        now = chassis.clock.now()
        freed = a.refuse_award(e.reason_code, e.reason, now)
        if not freed:
            return
        context = CommandContext().caused_by(envelope)
        await chassis.repository.save(conn, a, context)
        await views.save_application(conn, a)
        await release_and_promote(conn, chassis, context, a.call_id, freed, a.id, now)
