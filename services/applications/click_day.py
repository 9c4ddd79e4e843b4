"""Submissions decided in batches (group commit), so that a click day costs the
call's serialisation point a few microseconds per submission.

A submission takes its arrival (`events.Arrival`: this instance, a sequence
number, the instant) before it waits for anything. Everything that needs no
budget is checked outside any lock, in its own read: the caller's membership,
the draft, the call open, eligibility. Refusals (closed, not a draft, not a
member) answer at once. The rest wait in the call's queue; one task per call
and instance takes every waiting submission at once, in arrival order, and
decides them in one short transaction holding the call's replica row: receipt
numbers, the first-come decision of the call's money (`call_money`), the events,
the views and each request's Idempotency-Key response. Each request is then
answered with its own decision. The row lock is the serialisation point across
instances (docs/CALL_MONEY.md says what "first" means there).

A batch that fails is decided again one submission at a time, so one bad
submission fails alone; a process killed mid-batch commits nothing, and a retry
under the same Idempotency-Key is decided afresh or replayed."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import socket
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from fastapi import Response
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.applications import budget_store, replica, views
from services.applications.domain import Application
from services.applications.eligibility import Candidate, assess
from services.applications.errors import AlreadySubmitted
from services.applications.events import Arrival, OrganisationRef, RuleOutcome
from services.applications.handlers import (
    _member,
    _organisation,
    _require_member,
    record_first_come,
)
from shared.app import Chassis
from shared.commands import CommandRequest, CommandResult, UnitOfWork
from shared.eventstore import CommandContext
from shared.idempotency import REPLAYED_HEADER, IdempotentRequest
from shared.problems import from_error
from shared.tables import idempotency_keys

log = logging.getLogger("cascade.applications.click_day")
INSTANCE = f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Waiting:
    """A submission checked and assessed, waiting for its call's next batch."""

    arrival: Arrival
    application: Application
    lead: OrganisationRef
    partners: tuple[OrganisationRef, ...]
    outcomes: tuple[RuleOutcome, ...]
    context: CommandContext
    idempotent: IdempotentRequest | None
    answer: asyncio.Future[Response] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())


class ClickDay:
    """The submission queues of one service instance, one per call."""

    def __init__(self, chassis: Chassis) -> None:
        self.chassis = chassis
        self._sequence = itertools.count(1)
        self._queues: dict[str, list[Waiting]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}

    def arrive(self) -> Arrival:
        """Taken first, before any await: the order of arrival at this instance."""
        return Arrival(instance=INSTANCE, sequence=next(self._sequence),
                       arrived_at=self.chassis.clock.now())

    async def submit(self, command: CommandRequest, application_id: UUID,
                     arrival: Arrival) -> Response:
        replayed = await _replay(self.chassis.engine, command.idempotent)
        if replayed is not None:
            return replayed
        waiting = await self._checked(command, application_id, arrival)
        call_id = waiting.application.call_id
        self._queues.setdefault(call_id, []).append(waiting)
        if call_id not in self._workers:
            self._workers[call_id] = asyncio.create_task(self._work(call_id),
                                                         name=f"click day {call_id}")
        return await waiting.answer

    async def _checked(self, command: CommandRequest, application_id: UUID,
                       arrival: Arrival) -> Waiting:
        """Everything that needs no budget, outside any lock; refusals raise here."""
        chassis = self.chassis
        async with chassis.engine.connect() as conn:
            uow = UnitOfWork(conn, chassis, command.principal,
                             CommandContext(actor=command.principal.actor),
                             command.expected_version)
            application = await uow.load(Application, str(application_id))
            await _require_member(uow, [application.lead_organisation_id,
                                        *application.partner_organisation_ids])
            application.require_draft("submit")
            call = await replica.find(conn, application.call_id)
            call.refuse_unless_open(chassis.clock.now())
            lead = await _organisation(uow, application.lead_organisation_id)
            partners = [await _organisation(uow, p)
                        for p in application.partner_organisation_ids]
            awarded = await views.awarded_in_programme(
                conn, call.programme_id, [lead.id, *(p.id for p in partners)])
        candidate = Candidate(_member(lead), tuple(_member(p) for p in partners),
                              application.trl, application.requested_cents, awarded)
        return Waiting(arrival, application, lead.ref, tuple(p.ref for p in partners),
                       assess(call.terms.eligibility, candidate), uow.context,
                       command.idempotent)

    async def _work(self, call_id: str) -> None:
        try:
            while batch := self._queues.pop(call_id, []):
                batch.sort(key=lambda w: w.arrival.sequence)
                try:
                    await self._decide(call_id, batch)
                except Exception:
                    log.warning("batch of %d failed; deciding one at a time", len(batch),
                                exc_info=True)
                    for waiting in batch:
                        try:
                            await self._decide(call_id, [waiting], reload=True)
                        except Exception as exc:  # noqa: BLE001 - that request's answer
                            if not waiting.answer.done():
                                waiting.answer.set_exception(exc)
        finally:
            del self._workers[call_id]

    async def _decide(self, call_id: str, batch: list[Waiting], *, reload: bool = False) -> None:
        chassis = self.chassis
        answers: list[tuple[Waiting, Response]] = []
        async with chassis.engine.begin() as conn:
            call = await replica.find(conn, call_id, lock=True)
            money = await budget_store.load(conn, chassis.repository, call)
            now = chassis.clock.now()
            seen: set[str] = set()
            for waiting in batch:
                if waiting.idempotent is not None:
                    stored = await waiting.idempotent.claim(conn)
                    if stored is not None:
                        answers.append((waiting, stored))
                        continue
                a = waiting.application
                if reload:
                    a = await chassis.repository.get(conn, Application, a.id)
                if a.id in seen or a.status != "draft":
                    answers.append((waiting, await _already_submitted(conn, waiting)))
                    continue
                seen.add(a.id)
                result = await self._one(conn, money, call, a, waiting, now)
                response: Response = result.response()
                if waiting.idempotent is not None:
                    await waiting.idempotent.remember(conn, response)
                answers.append((waiting, response))
            await budget_store.save(conn, chassis.repository, money, batch[0].context)
        for waiting, answer in answers:
            if not waiting.answer.done():
                waiting.answer.set_result(answer)

    async def _one(self, conn: AsyncConnection, money: Any, call: replica.CallReplica,
                   a: Application, waiting: Waiting, now: Any) -> CommandResult:
        """One submission's decision in the batch's transaction."""
        repository = self.chassis.repository
        decided = None
        if all(o.passed for o in waiting.outcomes) and call.first_come_first_served:
            decided = money.first_come(a.lead_organisation_id, a.requested_cents, now)
        recorded = []
        if decided is not None and decided.outcome == "refused":
            recorded = await repository.save(conn, money, waiting.context) if money.pending \
                else []
            return CommandResult(409, views.application_view(a), a.version,
                                 [e.id for e in recorded], refusal=decided.problem,
                                 refused_with="application")
        a.submit(waiting.lead, waiting.partners, money.receive(), waiting.outcomes,
                 call.rules_version, now, arrival=waiting.arrival)
        if decided is not None:
            record_first_come(a, decided, now)
        if money.pending:  # a milestone this submission reached (budget exhausted)
            recorded = await repository.save(conn, money, waiting.context)
        recorded = [*recorded, *await repository.save(conn, a, waiting.context)]
        view = await views.save_application(conn, a)
        result = CommandResult(200, view, a.version, [e.id for e in recorded])
        return replace(result, refusal=decided.problem if decided else None,
                       refused_with="application")


async def _already_submitted(conn: AsyncConnection, waiting: Waiting) -> Response:
    """The application was submitted since it was checked (twice in one batch, or
    by another instance): refused, and its key given back, as any refusal."""
    if waiting.idempotent is not None:
        await conn.execute(delete(idempotency_keys).where(
            idempotency_keys.c.principal == waiting.idempotent.principal,
            idempotency_keys.c.key == waiting.idempotent.key))
    return from_error(AlreadySubmitted("cannot submit a submitted application",
                                       application_status="submitted"))


async def _replay(engine: AsyncEngine, idempotent: IdempotentRequest | None) -> Response | None:
    """The stored answer of a submission already decided under this key."""
    if idempotent is None:
        return None
    async with engine.connect() as conn:
        stored = (await conn.execute(
            select(idempotency_keys.c.request_hash, idempotency_keys.c.status,
                   idempotency_keys.c.headers, idempotency_keys.c.body)
            .where(idempotency_keys.c.principal == idempotent.principal,
                   idempotency_keys.c.key == idempotent.key,
                   idempotency_keys.c.status != 0))).first()
    if stored is None or stored.request_hash != idempotent.request_hash:
        return None  # none yet, or another request's key: the batch's claim says so
    return Response(stored.body, stored.status,
                    headers={**stored.headers, REPLAYED_HEADER: "true"})


_INSTANCES: WeakKeyDictionary[AsyncEngine, ClickDay] = WeakKeyDictionary()


def of(chassis: Chassis) -> ClickDay:
    """This service instance's click day (one per engine)."""
    found = _INSTANCES.get(chassis.engine)
    if found is None:
        found = _INSTANCES[chassis.engine] = ClickDay(chassis)
    return found
