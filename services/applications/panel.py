"""An application's evaluation panel: its assignments, each assigned, accepted,
declined or evaluated, and the evaluations. State and checks only; the
Application aggregate records the events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from services.applications.events import (
    AssignmentAccepted,
    AssignmentDeclined,
    EvaluationSubmitted,
    EvaluatorAssigned,
)
from shared.errors import Forbidden, RuleViolation

SeatState = Literal["assigned", "accepted", "declined", "evaluated"]
PanelEvent = EvaluatorAssigned | AssignmentAccepted | AssignmentDeclined | EvaluationSubmitted


class NotAssigned(Forbidden):
    code = "not_assigned"


@dataclass
class Seat:
    assignment_id: str
    evaluator_id: str
    cause: str
    state: SeatState = "assigned"
    scores: dict[str, float] = field(default_factory=dict)
    total: float | None = None
    comment: str = ""


@dataclass
class Panel:
    seats: dict[str, Seat] = field(default_factory=dict)

    def apply(self, event: PanelEvent) -> None:
        if isinstance(event, EvaluatorAssigned):
            self.seats[event.assignment_id] = Seat(
                event.assignment_id, event.evaluator_id, event.cause
            )
            return
        seat = self.seats[event.assignment_id]
        if isinstance(event, AssignmentAccepted):
            seat.state = "accepted"
        elif isinstance(event, AssignmentDeclined):
            seat.state = "declined"
        else:
            seat.state, seat.scores, seat.total = "evaluated", dict(event.scores), event.total
            seat.comment = event.comment

    # --- questions ---------------------------------------------------------------

    @property
    def ever(self) -> frozenset[str]:
        """Every evaluator who has sat on the panel, declined ones included."""
        return frozenset(s.evaluator_id for s in self.seats.values())

    @property
    def pending(self) -> list[Seat]:
        return [s for s in self.seats.values() if s.state in ("assigned", "accepted")]

    @property
    def evaluations(self) -> list[Seat]:
        return [s for s in self.seats.values() if s.state == "evaluated"]

    @property
    def re_evaluating(self) -> bool:
        """A re-evaluation after an upheld review awaits scores."""
        return any(s.cause == "re_evaluation" for s in self.pending)

    @property
    def scoring(self) -> list[Seat]:
        """The evaluations the score stands on: the re-evaluation's once there is one."""
        again = [s for s in self.evaluations if s.cause == "re_evaluation"]
        return again or self.evaluations

    @property
    def had_divergence(self) -> bool:
        return any(s.cause == "divergence" for s in self.seats.values())

    def seat_of(self, evaluator_id: str) -> Seat:
        """The evaluator's current seat (403 `not_assigned` if none)."""
        for seat in self.seats.values():
            if seat.evaluator_id == evaluator_id and seat.state != "declined":
                return seat
        raise NotAssigned("you are not assigned to evaluate this application")

    def may_read(self, evaluator_id: str) -> bool:
        return any(
            s.evaluator_id == evaluator_id and s.state in ("accepted", "evaluated")
            for s in self.seats.values()
        )

    # --- checks before an event ---------------------------------------------------

    def seat(self, assignment_id: str, evaluator_id: str) -> Seat:
        seat = self.seats.get(assignment_id)
        if seat is None or seat.evaluator_id != evaluator_id:
            raise NotAssigned("this assignment is not yours")
        return seat

    def accepted(
        self, assignment_id: str, application_id: str, evaluator_id: str, now: datetime
    ) -> AssignmentAccepted:
        seat = self.seat(assignment_id, evaluator_id)
        if seat.state != "assigned":
            raise RuleViolation(f"the assignment is {seat.state}", code=f"already_{seat.state}")
        return AssignmentAccepted(
            assignment_id=assignment_id,
            application_id=application_id,
            evaluator_id=evaluator_id,
            accepted_at=now,
        )

    def declined(
        self, assignment_id: str, application_id: str, evaluator_id: str, reason: str, now: datetime
    ) -> AssignmentDeclined:
        seat = self.seat(assignment_id, evaluator_id)
        if seat.state not in ("assigned", "accepted"):
            raise RuleViolation(f"the assignment is {seat.state}", code=f"already_{seat.state}")
        return AssignmentDeclined(
            assignment_id=assignment_id,
            application_id=application_id,
            evaluator_id=evaluator_id,
            reason=reason,
            declined_at=now,
        )

    def scoring_seat(self, evaluator_id: str) -> Seat:
        """The seat an evaluation goes to: assigned to the caller and accepted."""
        seat = self.seat_of(evaluator_id)
        if seat.state == "assigned":
            raise RuleViolation(
                "accept the assignment (declaring no conflict of interest) before scoring",
                code="assignment_not_accepted",
            )
        if seat.state == "evaluated":
            raise RuleViolation(
                "you have already evaluated this application", code="already_evaluated"
            )
        return seat
