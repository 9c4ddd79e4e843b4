"""Programmes and calls deciding on their own, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from services.calls.domain import Call, Programme
from services.calls.events import (
    OBJECTIVES,
    RULE_TYPES,
    CallClosed,
    CallOpened,
    CallTerms,
    DeMinimis,
    EligibilityRule,
)
from services.calls.validation import CallInvalid, ProgrammeLimits, check_terms
from shared.errors import RuleViolation

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
RULES = TypeAdapter(EligibilityRule)


def terms(**changes: Any) -> CallTerms:
    return CallTerms.model_validate(
        {
            "code": "IP-LOW",
            "title": "Innovation",
            "kind": "innovation_voucher",
            "selection_mode": "ranked",
            "budget_cents": 600_000_00,
            "max_grant_cents": 60_000_00,
            "min_grant_cents": 10_000_00,
            "planned_awards": 10,
            "opens_at": T0 + DAY,
            "closes_at": T0 + 30 * DAY,
            "objectives": ["innovate"],
            "criteria": [
                {
                    "code": "excellence",
                    "title": "Excellence",
                    "weight": 1,
                    "max_score": 5,
                    "threshold": 3,
                }
            ],
            "instalments": [{"label": "All", "percent": 100, "trigger": "on_signature"}],
            **changes,
        }
    )


def programme(budget_cents: int = 1_000_000_00) -> Programme:
    p = Programme("p-1")
    p.create("METASTARS", "METASTARS", "EUR", budget_cents, OBJECTIVES, None, DeMinimis(), T0)
    return p


def drafted(p: Programme | None = None, **changes: Any) -> Call:
    call = Call("c-1")
    call.draft(p or programme(), terms(**changes), T0)
    return call


def test_every_rule_type_describes_itself_for_a_frontend() -> None:
    examples = {
        "applicant_country_in": {"countries": ["FR", "IT"]},
        "applicant_size_in": {"sizes": ["micro", "small"]},
        "trl_between": {"min": 4, "max": 6},
        "requested_between": {"min_cents": 500_000, "max_cents": 6_000_000},
        "consortium": {"min_members": 3, "min_distinct_countries": 3, "required_tags": ["defence"]},
        "one_award_per_beneficiary_in_programme": {},
        "registered_before": {"date": "2024-01-01"},
    }
    assert set(examples) == set(RULE_TYPES)
    descriptions = [RULES.validate_python({"type": t, **p}).describe() for t, p in examples.items()]
    assert descriptions[3] == "The amount requested is between 5,000.00 and 60,000.00."
    assert descriptions[6] == "The applicant was registered before 2024-01-01."
    assert all(d.endswith(".") for d in descriptions)


def test_rule_parameters_that_cannot_work_are_refused() -> None:
    for bad in (
        {"type": "trl_between", "min": 0, "max": 4},
        {"type": "consortium", "min_members": 1, "min_distinct_countries": 2},
        {"type": "applicant_country_in", "countries": []},
        {"type": "one_award_per_beneficiary_in_programme", "per": "call"},
    ):
        with pytest.raises(ValidationError):
            RULES.validate_python(bad)


def test_a_twelve_award_call_of_six_million_fits_but_one_cent_less_does_not() -> None:
    limits = ProgrammeLimits(OBJECTIVES, None)
    fits = terms(
        budget_cents=6_000_000_00,
        max_grant_cents=500_000_00,
        min_grant_cents=500_000_00,
        planned_awards=12,
    )
    assert check_terms(fits, limits) == []
    short = fits.model_copy(update={"budget_cents": 6_000_000_00 - 1})
    assert [e["type"] for e in check_terms(short, limits)] == ["planned_awards_above_budget"]


def test_instants_with_any_offset_are_kept_in_utc() -> None:
    offset = terms(closes_at="2026-04-01T11:00:00+02:00")
    assert offset.closes_at == T0 + 30 * DAY
    assert offset.closes_at.tzinfo == UTC


def test_a_programme_refuses_a_call_beyond_its_remaining_budget() -> None:
    p = programme(1_000_000_00)
    drafted(p, budget_cents=600_000_00)
    with pytest.raises(RuleViolation) as refused:
        Call("c-2").draft(p, terms(budget_cents=400_000_01), T0)
    assert refused.value.code == "programme_budget_exceeded"
    assert p.remaining_cents == 400_000_00


def test_a_call_down_across_both_instants_opens_and_closes_at_once() -> None:
    call = drafted()
    call.publish(T0)
    call.advance(T0 + 40 * DAY)
    assert call.status == "closed"
    assert [type(e) for e in call.pending[-2:]] == [CallOpened, CallClosed]
    call.advance(T0 + 41 * DAY)
    assert len(call.pending) == 4  # drafted, published, opened, closed: nothing twice


def test_an_open_call_keeps_its_rules_and_criteria() -> None:
    p = programme()
    call = drafted(p)
    call.publish(T0 + 2 * DAY)
    with pytest.raises(RuleViolation) as refused:
        call.edit(p, terms(eligibility=[{"type": "trl_between", "min": 1, "max": 3}]), T0)
    assert refused.value.code == "rules_frozen"


def test_a_grant_reported_twice_is_committed_once() -> None:
    call = drafted()
    call.record_commitment("g-1", "a-1", 50_000_00)
    call.record_commitment("g-1", "a-1", 50_000_00)
    call.record_commitment("g-2", "a-2", 10_000_00)
    assert call.committed_cents == 60_000_00
    with pytest.raises(RuleViolation) as refused:
        call.amend_budget(programme(), 59_999_99, "cut", "r-1")
    assert refused.value.code == "budget_below_committed"


def test_only_an_open_first_come_first_served_call_closes_on_exhaustion() -> None:
    ranked = drafted()
    ranked.publish(T0 + 2 * DAY)
    ranked.close_exhausted(T0 + 3 * DAY)
    assert ranked.status == "open"
    fcfs = drafted(selection_mode="first_come_first_served", criteria=[])
    fcfs.close_exhausted(T0)
    assert fcfs.status == "draft"
    fcfs.publish(T0 + 2 * DAY)
    fcfs.close_exhausted(T0 + 3 * DAY)
    assert (fcfs.status, fcfs.closed_cause) == ("closed", "budget_exhausted")


def test_publishing_after_the_deadline_is_refused() -> None:
    call = drafted()
    with pytest.raises(CallInvalid) as refused:
        call.publish(T0 + 30 * DAY)
    assert refused.value.errors[0]["type"] == "closes_at_in_past"
