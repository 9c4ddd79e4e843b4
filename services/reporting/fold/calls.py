"""Projecting the events of `calls.events`: programmes and calls."""

from __future__ import annotations

from services.calls import events as calls
from services.reporting.fold.dispatch import project
from services.reporting.records import CallFacts, ProgrammeFacts, StreamRecord
from shared.events import Envelope, Event


@project.register
def programme_created(
    event: calls.ProgrammeCreated, record: StreamRecord, envelope: Envelope
) -> None:
    record.programme = ProgrammeFacts(
        programme_id=event.programme_id,
        code=event.code,
        name=event.name,
        currency=event.currency,
        budget_cents=event.budget_cents,
        objectives=list(event.objectives),
    )


@project.register
def call_drafted(event: calls.CallDrafted, record: StreamRecord, envelope: Envelope) -> None:
    terms = event.terms
    record.call = CallFacts(
        call_id=event.call_id,
        programme_id=event.programme_id,
        code=terms.code,
        title=terms.title,
        kind=terms.kind,
        selection_mode=terms.selection_mode,
        status="draft",
        currency=event.currency,
        budget_cents=terms.budget_cents,
        planned_awards=terms.planned_awards,
        objectives=list(terms.objectives),
    )


@project.register
def call_updated(event: calls.CallUpdated, record: StreamRecord, envelope: Envelope) -> None:
    call, terms = _call(record), event.terms
    call.code, call.title, call.kind = terms.code, terms.title, terms.kind
    call.selection_mode, call.budget_cents = terms.selection_mode, terms.budget_cents
    call.planned_awards, call.objectives = terms.planned_awards, list(terms.objectives)


@project.register
def call_budget_amended(
    event: calls.CallBudgetAmended, record: StreamRecord, envelope: Envelope
) -> None:
    _call(record).budget_cents = event.budget_cents


CALL_STATUS_OF = {
    calls.CallPublished: "published",
    calls.CallOpened: "open",
    calls.CallClosed: "closed",
    calls.CallCancelled: "cancelled",
    calls.CallResultsPublished: "results_published",
}


@project.register(calls.CallPublished)
@project.register(calls.CallOpened)
@project.register(calls.CallClosed)
@project.register(calls.CallCancelled)
@project.register(calls.CallResultsPublished)
def call_status_moved(event: Event, record: StreamRecord, envelope: Envelope) -> None:
    _call(record).status = CALL_STATUS_OF[type(event)]


def _call(record: StreamRecord) -> CallFacts:
    if record.call is None:
        raise ValueError(f"stream {record.stream_id} has call events but no CallDrafted")
    return record.call
