"""Eligibility, rule by rule: pass or fail, with a reason a person can read."""

from __future__ import annotations

from datetime import date

from services.applications.eligibility import Candidate, Member, assess
from services.applications.events import OrganisationRef
from services.calls.events import (
    ApplicantCountryIn,
    ApplicantSizeIn,
    Consortium,
    OneAwardPerBeneficiaryInProgramme,
    RegisteredBefore,
    RequestedBetween,
    TrlBetween,
)


def member(
    name: str,
    country: str = "FR",
    size: str = "small",
    *tags: str,
    registered_on: date = date(2020, 1, 1),
) -> Member:
    ref = OrganisationRef.model_validate(
        {
            "organisation_id": f"id-{name}",
            "name": name,
            "country": country,
            "size": size,
            "pic": "123456789",
        }
    )
    return Member(ref, registered_on, frozenset(tags))


def candidate(
    *partners: Member,
    lead: Member | None = None,
    trl: int = 4,
    requested_cents: int = 5_000_000,
    awarded: frozenset[str] = frozenset(),
) -> Candidate:
    return Candidate(lead or member("Aero"), partners, trl, requested_cents, awarded)


def test_a_lead_from_a_listed_country_passes_and_another_fails_naming_its_country() -> None:
    rule = ApplicantCountryIn(countries=("FR", "DE"))
    [ok] = assess((rule,), candidate())
    [ko] = assess((rule,), candidate(lead=member("Nord", "NO")))
    assert ok.passed
    assert not ko.passed
    assert "NO" in ko.reason
    assert "FR, DE" in ko.reason
    assert ko.description == rule.describe()


def test_a_large_enterprise_fails_a_call_for_smes() -> None:
    rule = ApplicantSizeIn(sizes=("micro", "small", "medium"))
    assert assess((rule,), candidate())[0].passed
    [ko] = assess((rule,), candidate(lead=member("Big", size="large")))
    assert not ko.passed
    assert "large" in ko.reason


def test_the_trl_band_includes_both_ends() -> None:
    rule = TrlBetween(min=4, max=6)
    assert [assess((rule,), candidate(trl=t))[0].passed for t in (3, 4, 6, 7)] == [
        False,
        True,
        True,
        False,
    ]
    assert "outside the call's band of 4 to 6" in assess((rule,), candidate(trl=7))[0].reason


def test_the_requested_amount_must_lie_in_the_range_and_the_reason_shows_euros() -> None:
    rule = RequestedBetween(min_cents=1_000_000, max_cents=6_000_000)
    assert assess((rule,), candidate(requested_cents=6_000_000))[0].passed
    [ko] = assess((rule,), candidate(requested_cents=6_000_001))
    assert not ko.passed
    assert "60,000.01" in ko.reason


def test_a_consortium_needs_members_countries_and_a_defence_member() -> None:
    rule = Consortium(min_members=3, min_distinct_countries=3, required_tags=("defence",))
    good = candidate(member("B", "DE", "small", "defence"), member("C", "IT"))
    assert assess((rule,), good)[0].passed
    [ko] = assess((rule,), candidate(member("B", "FR")))
    assert not ko.passed
    assert "2 member(s), fewer than 3" in ko.reason
    assert "1 country, fewer than 3" in ko.reason
    assert "no member is tagged defence" in ko.reason


def test_an_organisation_already_awarded_in_the_programme_is_not_eligible_again() -> None:
    rule = OneAwardPerBeneficiaryInProgramme()
    assert assess((rule,), candidate())[0].passed
    [ko] = assess((rule,), candidate(awarded=frozenset({"id-Aero"})))
    assert not ko.passed
    assert "Aero" in ko.reason


def test_every_member_must_be_registered_before_the_date() -> None:
    rule = RegisteredBefore(date=date(2024, 1, 1))
    assert assess((rule,), candidate(member("Old", registered_on=date(2023, 12, 31))))[0].passed
    [ko] = assess((rule,), candidate(member("New", registered_on=date(2024, 1, 1))))
    assert not ko.passed
    assert "New was registered on 2024-01-01" in ko.reason


def test_every_rule_is_reported_in_the_call_order_even_when_the_first_fails() -> None:
    rules = (TrlBetween(min=1, max=2), ApplicantCountryIn(countries=("FR",)))
    outcomes = assess(rules, candidate())
    assert [(o.type, o.passed) for o in outcomes] == [
        ("trl_between", False),
        ("applicant_country_in", True),
    ]


def test_every_rule_type_a_call_can_hold_has_a_check() -> None:
    from services.applications.eligibility import _check
    from services.calls.events import RULE_TYPES

    assert set(RULE_TYPES.values()) <= set(_check.registry)
