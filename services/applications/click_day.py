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
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4
from weakref import WeakKeyDictionary

from fastapi import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.applications import (
    access,
    annexes,
    answers,
    batch_io,
    budget_store,
    declarations,
    replica,
    views,
)
from services.applications import partners as partners_of
from services.applications.call_money import CallMoney
from services.applications.domain import Application
from services.applications.eligibility import Candidate, assess
from services.applications.errors import AlreadySubmitted
from services.applications.events import Arrival, OrganisationRef, RuleOutcome
from services.applications.handlers import (
    _member,
    _organisation,
    record_first_come,
)
from shared.app import Chassis
from shared.commands import CommandRequest, CommandResult, UnitOfWork
from shared.errors import CascadeError
from shared.eventstore import CommandContext
from shared.idempotency import REPLAYED_HEADER, IdempotentRequest
from shared.tables import idempotency_keys

log = logging.getLogger("cascade.applications.click_day")
PROCESS = f"{socket.gethostname()}:{os.getpid()}"


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
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class ClickDay:
    """The submission queues of one service instance, one per call."""

    def __init__(self, chassis: Chassis) -> None:
        self.chassis = chassis
        self._sequence = itertools.count(1)
        self._checking: set[int] = set()  # arrivals still being checked
        self._changed = asyncio.Event()
        # Checks take at most the pool's own connections, in arrival order: its
        # overflow stays free for the batches, which must never queue behind them.
        self._checks = asyncio.Semaphore(max(1, chassis.settings.database_pool_size))
        # One process may hold several instances (tests): each names itself apart.
        self.instance = f"{PROCESS}:{uuid4().hex[:8]}"
        self._queues: dict[str, list[Waiting]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}

    def arrive(self) -> Arrival:
        """Taken first, before any await: the order of arrival at this instance."""
        arrival = Arrival(
            instance=self.instance,
            sequence=next(self._sequence),
            arrived_at=self.chassis.clock.now(),
        )
        self._checking.add(arrival.sequence)
        return arrival

    async def submit(self, command: CommandRequest, application_id: UUID) -> Response:
        arrival = self.arrive()
        try:
            async with self._checks:
                replayed = await _replay(self.chassis.engine, command.idempotent)
                if replayed is not None:
                    return replayed
                waiting = await self._checked(command, application_id, arrival)
        finally:
            # No later arrival is decided before this one is queued or refused.
            self._checking.discard(arrival.sequence)
            self._changed.set()
        call_id = waiting.application.call_id
        self._queues.setdefault(call_id, []).append(waiting)
        if call_id not in self._workers:
            self._workers[call_id] = asyncio.create_task(
                self._work(call_id), name=f"click day {call_id}"
            )
        return await waiting.answer

    async def _checked(
        self, command: CommandRequest, application_id: UUID, arrival: Arrival
    ) -> Waiting:
        """Everything that needs no budget, outside any lock; refusals raise here."""
        chassis = self.chassis
        async with chassis.engine.connect() as conn:
            uow = UnitOfWork(
                conn,
                chassis,
                command.principal,
                CommandContext(actor=command.principal.actor),
                command.expected_version,
            )
            application = await uow.load(Application, str(application_id))
            await access.require_lead_member(conn, uow.principal.sub, application)
            application.require_draft("submit")
            await partners_of.require_consent(conn, application)
            call = await replica.find(conn, application.call_id)
            call.refuse_unless_open(chassis.clock.now())
            answers.require_complete(
                call.terms.form, application.answers, application.requested_cents
            )
            declarations.require_declared(
                call.terms.required_declarations, application.declarations
            )
            annexes.require_complete(call.terms.required_annexes, application.annexes)
            lead = await _organisation(uow, application.lead_organisation_id)
            partners = [await _organisation(uow, p) for p in application.partner_organisation_ids]
            awarded = await views.awarded_in_programme(
                conn, call.programme_id, [lead.id, *(p.id for p in partners)]
            )
        candidate = Candidate(
            _member(lead),
            tuple(_member(p) for p in partners),
            application.trl,
            application.requested_cents,
            awarded,
        )
        return Waiting(
            arrival,
            application,
            lead.ref,
            tuple(p.ref for p in partners),
            assess(call.terms.eligibility, candidate),
            uow.context,
            command.idempotent,
        )

    async def _ready(self, call_id: str) -> list[Waiting]:
        """The call's queued submissions that no earlier arrival still being
        checked could precede, in arrival order (none when the queue is empty)."""
        while queue := self._queues.get(call_id):
            horizon = min(self._checking, default=None)
            ready = [w for w in queue if horizon is None or w.arrival.sequence < horizon]
            if ready:
                self._queues[call_id] = [w for w in queue if w not in ready]
                return sorted(ready, key=lambda w: w.arrival.sequence)
            self._changed.clear()
            await self._changed.wait()
        self._queues.pop(call_id, None)
        return []

    async def _work(self, call_id: str) -> None:
        try:
            while batch := await self._ready(call_id):
                try:
                    await self._decide(call_id, batch)
                except Exception:
                    log.warning(
                        "batch of %d failed; deciding one at a time", len(batch), exc_info=True
                    )
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
        answers: list[tuple[Waiting, Response | CascadeError]] = []
        followers: list[tuple[Waiting, tuple[str, str]]] = []
        by_key: dict[tuple[str, str], Response | CascadeError] = {}
        async with chassis.engine.begin() as conn:
            call = await replica.find(conn, call_id, lock=True)
            money = await budget_store.load(conn, chassis.repository, call)
            now = chassis.clock.now()
            keyed = [w.idempotent for w in batch if w.idempotent is not None]
            claimed = dict(zip(map(id, keyed), await batch_io.claim(conn, keyed), strict=True))
            seen: set[str] = set()
            saved: list[Application] = []
            remember: list[tuple[IdempotentRequest, Response]] = []
            release: list[IdempotentRequest] = []
            for waiting in batch:
                request = waiting.idempotent
                if request is not None:
                    found = claimed[id(request)]
                    if found is batch_io.FOLLOWER:
                        followers.append((waiting, (request.principal, request.key)))
                        continue
                    if isinstance(found, Response | CascadeError):
                        answers.append((waiting, found))
                        continue
                a = waiting.application
                if reload:
                    a = await chassis.repository.get(conn, Application, a.id)
                if a.id in seen or a.status != "draft":
                    # Submitted since it was checked: twice in one batch, or elsewhere.
                    refused = AlreadySubmitted(
                        "cannot submit a submitted application", application_status="submitted"
                    )
                    answers.append((waiting, refused))
                    if request is not None:
                        release.append(request)
                        by_key[(request.principal, request.key)] = refused
                    continue
                seen.add(a.id)
                result, recorded_application = await self._one(conn, money, call, a, waiting, now)
                if recorded_application:
                    saved.append(a)
                response: Response = result.response()
                if request is not None:
                    remember.append((request, response))
                    by_key[(request.principal, request.key)] = response
                answers.append((waiting, response))
            await batch_io.save_views(conn, saved)
            await batch_io.remember(conn, remember)
            await batch_io.release(conn, release)
            await budget_store.save(conn, chassis.repository, money, batch[0].context)
        answers += [(w, by_key[k]) for w, k in followers if k in by_key]
        for waiting, answer in answers:
            if waiting.answer.done():
                continue
            if isinstance(answer, CascadeError):
                waiting.answer.set_exception(answer)
            else:
                waiting.answer.set_result(answer)

    async def _one(
        self,
        conn: AsyncConnection,
        money: CallMoney,
        call: replica.CallReplica,
        a: Application,
        waiting: Waiting,
        now: datetime,
    ) -> tuple[CommandResult, bool]:
        """One submission's decision in the batch's transaction: its answer, and
        whether the application recorded events (its view is then written)."""
        repository = self.chassis.repository
        decided = None
        if all(o.passed for o in waiting.outcomes) and call.first_come_first_served:
            decided = money.first_come(a.lead_organisation_id, a.requested_cents, now)
        recorded = []
        if money.pending:  # a milestone this submission reached (budget exhausted, list full)
            recorded = await repository.save(conn, money, waiting.context)
        if decided is not None and decided.outcome == "refused":
            return CommandResult(
                409,
                views.application_view(a),
                a.version,
                [e.id for e in recorded],
                refusal=decided.problem,
                refused_with="application",
            ), False
        a.submit(
            waiting.lead,
            waiting.partners,
            money.receive(),
            waiting.outcomes,
            call.rules_version,
            now,
            arrival=waiting.arrival,
        )
        if decided is not None:
            record_first_come(a, decided, now)
        recorded = [*recorded, *await repository.save(conn, a, waiting.context)]
        result = CommandResult(
            200,
            views.application_view(a),
            a.version,
            [e.id for e in recorded],
            refusal=decided.problem if decided else None,
            refused_with="application",
        )
        return result, True


async def _replay(engine: AsyncEngine, idempotent: IdempotentRequest | None) -> Response | None:
    """The stored answer of a submission already decided under this key."""
    if idempotent is None:
        return None
    async with engine.connect() as conn:
        stored = (
            await conn.execute(
                select(
                    idempotency_keys.c.request_hash,
                    idempotency_keys.c.status,
                    idempotency_keys.c.headers,
                    idempotency_keys.c.body,
                ).where(
                    idempotency_keys.c.principal == idempotent.principal,
                    idempotency_keys.c.key == idempotent.key,
                    idempotency_keys.c.status != 0,
                )
            )
        ).first()
    if stored is None or stored.request_hash != idempotent.request_hash:
        return None  # none yet, or another request's key: the batch's claim says so
    return Response(stored.body, stored.status, headers={**stored.headers, REPLAYED_HEADER: "true"})


_INSTANCES: WeakKeyDictionary[AsyncEngine, ClickDay] = WeakKeyDictionary()


def of(chassis: Chassis) -> ClickDay:
    """This service instance's click day (one per engine)."""
    found = _INSTANCES.get(chassis.engine)
    if found is None:
        found = _INSTANCES[chassis.engine] = ClickDay(chassis)
    return found
