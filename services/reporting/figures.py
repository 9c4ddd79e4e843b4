"""The figures of a report, computed from stream records. No I/O.

The same function serves the live projection and point-in-time reports, so the
two can only differ by the records they are given.

Definitions (docs/REPORTING.md says the same for readers of the reports):
- applications by status: every application in scope, drafts included;
- submitted: applications that reached `submitted` (withdrawn ones included);
- support actions: contracted applications (agreements signed and not refused);
- SMEs supported: distinct lead organisations of those;
- a decision: the first of ineligible, selected, reserve or rejected;
- success rate: applications ever selected / applications submitted;
- committed: awarded grants less what a cancellation released; paid: disbursed;
  recovered: recoveries received;
- review requests: every request made, those upheld (re-evaluated or not yet),
  those dismissed, and the re-evaluations that changed the outcome;
- objective totals count an application under each of its objectives, so they
  may add up to more than the whole.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, get_args

from services.applications.events import ApplicationStatus
from services.reporting.records import (
    ApplicationFacts,
    CallFacts,
    GrantFacts,
    ProgrammeFacts,
    RefusalFacts,
    ReviewFacts,
    StreamRecord,
)

STATUSES: tuple[str, ...] = get_args(ApplicationStatus)
DAY_S = 86_400
UNKNOWN_COUNTRY = "unknown"


@dataclass
class Scope:
    """The records of one programme or call, by what they describe."""

    programmes: dict[str, ProgrammeFacts] = field(default_factory=dict)
    calls: dict[str, CallFacts] = field(default_factory=dict)
    applications: dict[str, ApplicationFacts] = field(default_factory=dict)
    grants: dict[str, GrantFacts] = field(default_factory=dict)
    refusals: list[RefusalFacts] = field(default_factory=list)
    reviews: dict[str, ReviewFacts] = field(default_factory=dict)

    @classmethod
    def of(cls, records: Iterable[StreamRecord]) -> Scope:
        scope = cls()
        for record in records:
            if record.programme:
                scope.programmes[record.programme.programme_id] = record.programme
            if record.call:
                scope.calls[record.call.call_id] = record.call
            if record.application:
                scope.applications[record.application.application_id] = record.application
            if record.grant:
                scope.grants[record.grant.grant_id] = record.grant
            scope.refusals.extend(record.refusals)
            if record.review:
                scope.reviews[record.review.review_request_id] = record.review
        return scope

    def only_call(self, call_id: str) -> Scope:
        return Scope(
            programmes=self.programmes,
            calls={k: v for k, v in self.calls.items() if k == call_id},
            applications={k: v for k, v in self.applications.items() if v.call_id == call_id},
            grants={k: v for k, v in self.grants.items() if v.call_id == call_id},
            refusals=[r for r in self.refusals if r.call_id == call_id],
            reviews={k: v for k, v in self.reviews.items() if v.call_id == call_id},
        )


@dataclass
class Breakdown:
    """The columns of a by-country, by-objective or by-call-kind line."""

    applications: int = 0
    contracted: int = 0
    committed_cents: int = 0
    paid_cents: int = 0

    def as_json(self) -> dict[str, int]:
        return {
            "applications": self.applications,
            "contracted": self.contracted,
            "committed_cents": self.committed_cents,
            "paid_cents": self.paid_cents,
        }


def figures(scope: Scope) -> dict[str, Any]:
    """Every figure of a programme or call report but its identity and instant."""
    applications = list(scope.applications.values())
    grants = list(scope.grants.values())
    submitted = [a for a in applications if a.submitted_at is not None]
    contracted = [a for a in applications if a.status == "contracted"]
    by_status = dict.fromkeys(STATUSES, 0)
    failures: dict[str, int] = defaultdict(int)
    for application in applications:
        by_status[application.status] += 1
        for rule in application.failed_rules:
            failures[rule] += 1
    scores = [a.score for a in applications if a.score is not None]
    selected = sum(1 for a in submitted if a.ever_selected)
    return {
        "calls": [
            _call_line(call, scope) for call in sorted(scope.calls.values(), key=lambda c: c.code)
        ],
        "applications": by_status,
        "applications_submitted": len(submitted),
        "eligibility_failures": dict(sorted(failures.items())),
        "smes_supported": len({a.organisation_id for a in contracted}),
        "support_actions": len(contracted),
        "by_country": _breakdown(
            scope, lambda a: [_country(a)], lambda g: [_grant_country(g, scope)]
        ),
        "by_objective": _breakdown(
            scope, lambda a: a.objectives, lambda g: _grant_objectives(g, scope)
        ),
        "by_call_kind": _breakdown(
            scope, lambda a: _kind(scope, a.call_id), lambda g: _kind(scope, g.call_id)
        ),
        "committed_cents": sum(g.committed_cents for g in grants),
        "paid_cents": sum(g.paid_cents for g in grants),
        "recovered_cents": sum(g.recovered_cents for g in grants),
        "grants": len(grants),
        "grants_refused": len(scope.refusals),
        "mean_score": round(statistics.fmean(scores), 4) if scores else None,
        "success_rate": round(selected / len(submitted), 4) if submitted else None,
        "median_days_to_decision": _median_days(
            (a.submitted_at, a.decided_at) for a in applications
        ),
        "median_days_to_first_payment": _median_days(
            (_contracted_at(g, scope), g.first_paid_at) for g in grants
        ),
        "review_requests": review_counts(scope.reviews.values()),
    }


def review_counts(reviews: Iterable[ReviewFacts]) -> dict[str, int]:
    """Redress: review requests, how many were upheld or dismissed (the rest await
    a decision), and how many re-evaluations changed the outcome."""
    found = list(reviews)
    return {
        "requested": len(found),
        "upheld": sum(r.upheld for r in found),
        "dismissed": sum(r.state == "dismissed" for r in found),
        "outcome_changed": sum(r.outcome_changed for r in found),
    }


def programme_figures(programme_id: str, records: Iterable[StreamRecord]) -> dict[str, Any]:
    """A programme report but its instant: what the dossier's check recomputes."""
    scope = Scope.of(records)
    programme = scope.programmes.get(programme_id)
    return {
        "programme_id": programme_id,
        "programme": programme.model_dump(mode="json", exclude={"programme_id"})
        if programme
        else None,
        "currency": programme.currency if programme else None,
        **figures(scope),
    }


def _call_line(call: CallFacts, scope: Scope) -> dict[str, Any]:
    grants = [g for g in scope.grants.values() if g.call_id == call.call_id]
    return {
        "call_id": call.call_id,
        "code": call.code,
        "title": call.title,
        "kind": call.kind,
        "selection_mode": call.selection_mode,
        "status": call.status,
        "budget_cents": call.budget_cents,
        "planned_awards": call.planned_awards,
        "support_actions": sum(
            1
            for a in scope.applications.values()
            if a.call_id == call.call_id and a.status == "contracted"
        ),
        "committed_cents": sum(g.committed_cents for g in grants),
        "paid_cents": sum(g.paid_cents for g in grants),
    }


def _breakdown(
    scope: Scope,
    application_keys: Callable[[ApplicationFacts], list[str]],
    grant_keys: Callable[[GrantFacts], list[str]],
) -> dict[str, Any]:
    lines: dict[str, Breakdown] = defaultdict(Breakdown)
    for application in scope.applications.values():
        if application.submitted_at is None:
            continue
        for key in application_keys(application):
            lines[key].applications += 1
            lines[key].contracted += application.status == "contracted"
    for grant in scope.grants.values():
        for key in grant_keys(grant):
            lines[key].committed_cents += grant.committed_cents
            lines[key].paid_cents += grant.paid_cents
    return {key: lines[key].as_json() for key in sorted(lines)}


def _country(application: ApplicationFacts) -> str:
    return application.organisation.country if application.organisation else UNKNOWN_COUNTRY


def _grant_country(grant: GrantFacts, scope: Scope) -> str:
    if grant.country:
        return grant.country
    application = scope.applications.get(grant.application_id)
    return _country(application) if application else UNKNOWN_COUNTRY


def _grant_objectives(grant: GrantFacts, scope: Scope) -> list[str]:
    application = scope.applications.get(grant.application_id)
    return application.objectives if application else []


def _kind(scope: Scope, call_id: str) -> list[str]:
    call = scope.calls.get(call_id)
    return [call.kind if call else "unknown"]


def _contracted_at(grant: GrantFacts, scope: Scope) -> datetime:
    application = scope.applications.get(grant.application_id)
    if application is not None and application.contracted_at is not None:
        return application.contracted_at
    return grant.awarded_at


def _median_days(spans: Iterable[tuple[datetime | None, datetime | None]]) -> float | None:
    days = [
        (end - start).total_seconds() / DAY_S
        for start, end in spans
        if start is not None and end is not None
    ]
    return round(statistics.median(days), 3) if days else None
