"""Projecting the events of `applications.events`: organisations and applications."""

from __future__ import annotations

from datetime import datetime

from services.applications import events as applications
from services.reporting.fold.dispatch import project
from services.reporting.records import ApplicationFacts, OrganisationFacts, StreamRecord
from shared.events import Envelope, Event


@project.register
def organisation_registered(
    event: applications.OrganisationRegistered, record: StreamRecord, envelope: Envelope
) -> None:
    record.organisation = OrganisationFacts(
        organisation_id=event.organisation_id,
        name=event.name,
        country=event.country,
        size=event.size,
        pic=event.pic,
        vat_id=event.vat_id,
    )


@project.register
def application_drafted(
    event: applications.ApplicationDrafted, record: StreamRecord, envelope: Envelope
) -> None:
    record.application = ApplicationFacts(
        application_id=event.application_id,
        call_id=event.call_id,
        programme_id=event.programme_id,
        organisation_id=event.lead_organisation_id,
        objectives=list(event.objectives),
        requested_cents=event.requested_cents,
    )


@project.register
def application_edited(
    event: applications.ApplicationEdited, record: StreamRecord, envelope: Envelope
) -> None:
    application = _application(record)
    application.objectives = list(event.objectives)
    application.requested_cents = event.requested_cents


@project.register
def application_submitted(
    event: applications.ApplicationSubmitted, record: StreamRecord, envelope: Envelope
) -> None:
    application = _application(record)
    lead = event.lead
    application.status, application.submitted_at = "submitted", event.submitted_at
    application.organisation = OrganisationFacts(
        organisation_id=lead.organisation_id,
        name=lead.name,
        country=lead.country,
        size=lead.size,
        pic=lead.pic,
        vat_id=lead.vat_id,
    )
    application.objectives = list(event.objectives)
    application.requested_cents = event.requested_cents


@project.register
def eligibility_assessed(
    event: applications.EligibilityAssessed, record: StreamRecord, envelope: Envelope
) -> None:
    application = _application(record)
    application.status = "eligible" if event.eligible else "ineligible"
    application.failed_rules = [o.type for o in event.outcomes if not o.passed]
    if not event.eligible:
        _decided(application, event.assessed_at)


@project.register
def evaluator_assigned(
    event: applications.EvaluatorAssigned, record: StreamRecord, envelope: Envelope
) -> None:
    # A re-evaluation after an upheld review leaves the outcome standing.
    if event.cause != "re_evaluation":
        _application(record).status = "under_evaluation"


@project.register
def application_ranked(
    event: applications.ApplicationRanked, record: StreamRecord, envelope: Envelope
) -> None:
    application = _application(record)
    application.status, application.score = "evaluated", event.score


@project.register
def application_selected(
    event: applications.ApplicationSelected, record: StreamRecord, envelope: Envelope
) -> None:
    application = _application(record)
    application.status, application.ever_selected = "selected", True
    application.amount_cents = event.award.amount_cents
    _decided(application, event.selected_at)


@project.register
def application_reserved(
    event: applications.ApplicationReserved, record: StreamRecord, envelope: Envelope
) -> None:
    application = _application(record)
    application.status = "reserve"
    _decided(application, event.reserved_at)


@project.register
def application_rejected(
    event: applications.ApplicationRejected, record: StreamRecord, envelope: Envelope
) -> None:
    application = _application(record)
    application.status = "rejected"
    _decided(application, event.rejected_at)


@project.register
def application_contracted(
    event: applications.ApplicationContracted, record: StreamRecord, envelope: Envelope
) -> None:
    application = _application(record)
    application.status, application.contracted_at = "contracted", event.contracted_at
    application.amount_cents = event.amount_cents


APPLICATION_STATUS_OF = {
    applications.ApplicationDeclined: "declined",
    applications.ApplicationWithdrawn: "withdrawn",
    applications.ApplicationAwardRefused: "award_refused",
}


@project.register(applications.ApplicationDeclined)
@project.register(applications.ApplicationWithdrawn)
@project.register(applications.ApplicationAwardRefused)
def application_ended_by_status(event: Event, record: StreamRecord, envelope: Envelope) -> None:
    _application(record).status = APPLICATION_STATUS_OF[type(event)]  # type: ignore[assignment]


def _application(record: StreamRecord) -> ApplicationFacts:
    if record.application is None:
        raise ValueError(f"stream {record.stream_id} has application events but no draft")
    return record.application


def _decided(application: ApplicationFacts, at: datetime) -> None:
    if application.decided_at is None:
        application.decided_at = at
