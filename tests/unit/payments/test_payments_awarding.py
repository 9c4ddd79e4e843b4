"""The limits an award must fit, decided without I/O: call budget, cap per
beneficiary, de minimis ceiling in a rolling window; undertakings by PIC or VAT id."""

from __future__ import annotations

from datetime import date

import pytest

from services.payments.awarding import ProgrammeRules, Standing, de_minimis_figures, refusal
from services.payments.de_minimis import Headroom, undertaking_id, window_start
from services.payments.ledger import CallLedger

EUR = 100
RULES = ProgrammeRules("EUR", 60_000 * EUR, 300_000 * EUR, 3)


def standing(committed: int = 0, held: int = 0, aid: int | None = None) -> Standing:
    figures = (
        None
        if aid is None
        else de_minimis_figures("PIC:912345678", 3, date(2023, 3, 2), Headroom(300_000 * EUR, aid))
    )
    return Standing(CallLedger(100_000 * EUR, committed), held, figures)


def test_an_award_within_every_limit_is_not_refused() -> None:
    assert refusal(50_000 * EUR, "EUR", RULES, standing(committed=50_000 * EUR, aid=0)) is None


def test_the_call_budget_comes_first_and_names_what_is_left() -> None:
    refused = refusal(60_000 * EUR, "EUR", RULES, standing(committed=50_000 * EUR, aid=0))
    assert refused is not None
    assert refused.code == "call_budget_exceeded"
    assert "€50,000.00 of €100,000.00" in refused.reason


def test_the_cap_per_beneficiary_counts_what_the_organisation_holds() -> None:
    refused = refusal(20_000 * EUR, "EUR", RULES, standing(held=45_000 * EUR))
    assert refused is not None
    assert (refused.code, refused.limit_cents, refused.used_cents) == (
        "per_beneficiary_cap_exceeded",
        60_000 * EUR,
        45_000 * EUR,
    )


def test_the_de_minimis_ceiling_is_reached_exactly_but_not_passed() -> None:
    rules = ProgrammeRules("EUR", None, 300_000 * EUR, 3)
    assert refusal(50_000 * EUR, "EUR", rules, standing(aid=250_000 * EUR)) is None
    refused = refusal(50_000 * EUR + 1, "EUR", rules, standing(aid=250_000 * EUR))
    assert refused is not None
    assert refused.code == "de_minimis_exceeded"
    assert "250,000.00" in refused.reason
    assert "headroom €50,000.00" in refused.reason


def test_a_call_outside_de_minimis_is_not_held_to_the_ceiling() -> None:
    rules = ProgrammeRules("EUR", None, 300_000 * EUR, 3)
    assert refusal(90_000 * EUR, "EUR", rules, standing(aid=None)) is None


@pytest.mark.parametrize(
    ("award", "years", "start"),
    [
        (date(2026, 3, 2), 3, date(2023, 3, 2)),
        (date(2028, 2, 29), 3, date(2025, 2, 28)),
        (date(2026, 12, 31), 1, date(2025, 12, 31)),
    ],
)
def test_the_window_ends_on_the_award_date(award: date, years: int, start: date) -> None:
    assert window_start(award, years) == start


def test_an_undertaking_is_its_pic_else_its_vat_id() -> None:
    assert undertaking_id("org-1", "912345678", "FR40303265045") == "PIC:912345678"
    assert undertaking_id("org-1", None, "fr40303265045") == "VAT:FR40303265045"
    assert undertaking_id("org-1", None, None) == "ORG:org-1"


def test_a_window_reaching_before_the_calendar_starts_at_its_first_day() -> None:
    assert window_start(date(2, 1, 1), 3) == date.min


def test_a_refusal_writes_its_amounts_in_the_programmes_currency() -> None:
    refused = refusal(60_000 * EUR, "CHF", RULES, standing(committed=50_000 * EUR, aid=0))
    assert refused is not None
    assert (
        "CHF 60,000.00 exceeds what is left of the call's budget: CHF 50,000.00 of CHF 100,000.00"
    ) in refused.reason
