"""Eligibility: a call's typed rules evaluated against an application, each to
pass or fail with a reason a person can read. No I/O."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from services.applications.events import OrganisationRef, RuleOutcome
from services.calls.events import (
    AnyRule,
    ApplicantCountryIn,
    ApplicantSizeIn,
    Consortium,
    OneAwardPerBeneficiaryInProgramme,
    RegisteredBefore,
    RequestedBetween,
    TrlBetween,
)


@dataclass(frozen=True)
class Member:
    """An organisation of the application, with what the rules look at."""

    ref: OrganisationRef
    registered_on: date
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidate:
    """What eligibility is decided on: the organisations and the request."""

    lead: Member
    partners: tuple[Member, ...]
    trl: int
    requested_cents: int
    awarded_in_programme: frozenset[str] = frozenset()  # organisation ids with an award

    @property
    def members(self) -> tuple[Member, ...]:
        return (self.lead, *self.partners)


def assess(rules: tuple[AnyRule, ...], candidate: Candidate) -> tuple[RuleOutcome, ...]:
    """Every rule with its outcome, in the call's order."""
    return tuple(_outcome(rule, *_check(rule, candidate)) for rule in rules)


def _outcome(rule: AnyRule, passed: bool, reason: str) -> RuleOutcome:
    return RuleOutcome(type=rule.type, description=rule.describe(), passed=passed, reason=reason)


def _euros(cents: int) -> str:
    return f"{cents / 100:,.2f}"


@functools.singledispatch
def _check(rule: AnyRule, candidate: Candidate) -> tuple[bool, str]:
    # Every rule type of the calls contract registers its check below (a unit
    # test holds that); a new rule type without one must fail loudly, not pass.
    raise TypeError(f"no check for the rule {rule.type}")


@_check.register
def _country(rule: ApplicantCountryIn, candidate: Candidate) -> tuple[bool, str]:
    country = candidate.lead.ref.country
    if country in rule.countries:
        return True, f"{candidate.lead.ref.name} is established in {country}, an eligible country."
    return False, (
        f"{candidate.lead.ref.name} is established in {country}, which is not one "
        f"of {', '.join(rule.countries)}."
    )


@_check.register
def _size(rule: ApplicantSizeIn, candidate: Candidate) -> tuple[bool, str]:
    size = candidate.lead.ref.size
    if size in rule.sizes:
        return True, f"{candidate.lead.ref.name} is a {size} enterprise, an eligible size."
    return False, (
        f"{candidate.lead.ref.name} is a {size} enterprise; the call is for "
        f"{' or '.join(rule.sizes)} enterprises."
    )


@_check.register
def _trl(rule: TrlBetween, candidate: Candidate) -> tuple[bool, str]:
    if rule.min <= candidate.trl <= rule.max:
        return True, f"TRL {candidate.trl} is within {rule.min} to {rule.max}."
    return False, f"TRL {candidate.trl} is outside the call's band of {rule.min} to {rule.max}."


@_check.register
def _requested(rule: RequestedBetween, candidate: Candidate) -> tuple[bool, str]:
    amount = candidate.requested_cents
    band = f"{_euros(rule.min_cents)} to {_euros(rule.max_cents)}"
    if rule.min_cents <= amount <= rule.max_cents:
        return True, f"The amount requested, {_euros(amount)}, is within {band}."
    return False, f"The amount requested, {_euros(amount)}, is outside {band}."


@_check.register
def _consortium(rule: Consortium, candidate: Candidate) -> tuple[bool, str]:
    members = candidate.members
    countries = {m.ref.country for m in members}
    failures = []
    if len(members) < rule.min_members:
        failures.append(f"it has {len(members)} member(s), fewer than {rule.min_members}")
    if len(countries) < rule.min_distinct_countries:
        failures.append(
            f"its members come from {len(countries)} countr"
            f"{'y' if len(countries) == 1 else 'ies'}, fewer than "
            f"{rule.min_distinct_countries}"
        )
    for tag in rule.required_tags:
        if not any(tag in m.tags for m in members):
            failures.append(f"no member is tagged {tag}")
    if failures:
        return False, f"The consortium is not eligible: {'; '.join(failures)}."
    return True, (
        f"The consortium has {len(members)} members from {len(countries)} countries"
        + (f", with {', '.join(rule.required_tags)}" if rule.required_tags else "")
        + "."
    )


@_check.register
def _one_award(rule: OneAwardPerBeneficiaryInProgramme, candidate: Candidate) -> tuple[bool, str]:
    awarded = [
        m.ref.name
        for m in candidate.members
        if m.ref.organisation_id in candidate.awarded_in_programme
    ]
    if awarded:
        return False, f"Already awarded in this programme: {', '.join(awarded)}."
    return True, "No member has an award in this programme yet."


@_check.register
def _registered(rule: RegisteredBefore, candidate: Candidate) -> tuple[bool, str]:
    late = [m for m in candidate.members if m.registered_on >= rule.date]
    if late:
        return False, "; ".join(
            f"{m.ref.name} was registered on {m.registered_on.isoformat()}, "
            f"not before {rule.date.isoformat()}"
            for m in late
        ) + "."
    return True, f"Every member was registered before {rule.date.isoformat()}."
