"""Single undertakings and what of their aid counts, decided without I/O: links both
ways and transitively, state-resource shares, declared aid at its recorded rate and
its window, the organisation's file of links and declarations, refusals in numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.payments.awarding import ProgrammeRules, Standing, refusal
from services.payments.de_minimis import (
    counted_share,
    eur_cents,
    single_undertaking,
    undertaking_id,
    undertaking_name,
    why_not_counted,
)
from services.payments.enterprise_file import (
    AidFacts,
    Enterprise,
    EnterpriseFile,
    LinkAlreadyDeclared,
    ReasonRequired,
    SelfLink,
)
from services.payments.events import AidSource, DeMinimisFigures
from services.payments.ledger import CallLedger
from shared.errors import NotFound

EUR = 100
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
OWN = Enterprise("PIC:111111111", "111111111", "FR40303265045", True)
FACTS = AidFacts("Bpifrance", date(2025, 5, 1), 1_000_000, "CZK", Decimal("0.0401"), "ECB")


def test_links_hold_both_ways_transitively_and_cycles_add_nobody_twice() -> None:
    links = [("A", "B"), ("C", "B"), ("C", "A"), ("D", "E")]
    assert single_undertaking("A", links) == {"A", "B", "C"}
    assert single_undertaking("B", links) == single_undertaking("C", links)
    assert single_undertaking("Z", links) == {"Z"}
    assert undertaking_name({"PIC:2", "PIC:1", "VAT:FR1"}) == "PIC:1"


def test_an_enterprise_is_known_by_its_pic_else_its_vat_id_without_spaces() -> None:
    assert undertaking_id("o", "123456789", "FR1") == "PIC:123456789"
    assert undertaking_id("o", None, "fr 403 032") == "VAT:FR403032"
    assert undertaking_id("o", None, None) == "ORG:o"


@pytest.mark.parametrize(
    ("amount", "percent", "counted"),
    [(100_000 * EUR, 50, 50_000 * EUR), (3, 50, 2), (1, 1, 1), (99, 0, 0), (7, 100, 7)],
)
def test_the_state_resource_share_is_rounded_up_to_the_cent(
    amount: int, percent: int, counted: int
) -> None:
    assert counted_share(amount, percent) == counted


def test_other_currencies_convert_at_the_recorded_rate_half_up() -> None:
    assert eur_cents(1_000_000, Decimal("0.0401")) == 40_100
    assert eur_cents(1, Decimal("0.5")) == 1
    assert eur_cents(3, Decimal("0.1")) == 0


def test_declared_aid_counts_only_inside_the_window() -> None:
    start, end = date(2023, 3, 2), date(2026, 3, 2)
    assert why_not_counted(date(2026, 3, 2), start, end) is None
    assert why_not_counted(date(2023, 3, 3), start, end) is None
    assert why_not_counted(date(2023, 3, 2), start, end) == "granted_before_window"
    assert why_not_counted(date(2026, 3, 3), start, end) == "granted_after_window_end"


def test_a_file_refuses_a_link_to_itself_or_a_repeated_one() -> None:
    file = EnterpriseFile("state-aid-o")
    for itself in (
        Enterprise("PIC:111111111", "111111111", None, True),
        Enterprise("VAT:FR40303265045", None, "FR40303265045", False),
    ):
        with pytest.raises(SelfLink):
            file.declare_link("l", "o", OWN, itself, "controls", None, "u", "applicant", None, NOW)
    other = Enterprise("PIC:222222222", "222222222", None, False)
    with pytest.raises(LinkAlreadyDeclared):
        file.declare_link("l", "o", OWN, other, "controls", "earlier", "u", "applicant", None, NOW)
    assert file.pending == []
    file.declare_link("l", "o", OWN, other, "controlled_by", None, "u", "applicant", None, NOW)
    assert [e.linked_known for e in file.links.values()] == [False]


def test_aid_is_recorded_in_euros_and_corrected_only_with_an_existing_entry() -> None:
    file = EnterpriseFile("state-aid-o")
    with pytest.raises(ReasonRequired):
        file.declare_aid("e", "o", OWN.key, FACTS, "pm", "programme_manager", None, NOW)
    declared = file.declare_aid("e", "o", OWN.key, FACTS, "sme", "applicant", None, NOW)
    assert (declared.eur_cents, declared.rate_to_eur, declared.rate_source) == (
        40_100,
        Decimal("0.0401"),
        "ECB",
    )
    corrected = file.correct_aid(
        "e",
        AidFacts("Bpifrance", date(2025, 5, 1), 500, "EUR", Decimal(1), "EUR"),
        "pm",
        "extract",
        NOW,
    )
    assert (corrected.eur_cents, file.aid["e"].amount_cents) == (500, 500)
    with pytest.raises(NotFound):
        file.correct_aid("nope", FACTS, "pm", "extract", NOW)


def figures(before: int, counted: int, percent: int = 100) -> DeMinimisFigures:
    return DeMinimisFigures(
        undertaking_id="PIC:1",
        window_years=3,
        window_start=date(2023, 3, 2),
        ceiling_cents=300_000 * EUR,
        aid_before_cents=before,
        headroom_cents=300_000 * EUR - before,
        members=("PIC:1", "PIC:2"),
        sources=(
            AidSource(source="cascade", grantor="METASTARS", counted_cents=before - 1),
            AidSource(source="declared", grantor="Bpifrance", counted_cents=1),
        ),
        counted_cents=counted,
        state_resources_percent=percent,
    )


def test_the_ceiling_refuses_on_the_counted_share_and_says_why_in_numbers() -> None:
    rules = ProgrammeRules("EUR", None, 300_000 * EUR, 3)
    ledger = CallLedger(1_000_000 * EUR, 0)
    half = Standing(ledger, 0, figures(250_000 * EUR, 50_000 * EUR, 50))
    assert refusal(100_000 * EUR, "EUR", rules, half) is None
    over = Standing(ledger, 0, figures(250_000 * EUR, 50_000 * EUR + 1, 50))
    refused = refusal(100_000 * EUR + 2, "EUR", rules, over)
    assert refused is not None
    for text in (
        "PIC:1, PIC:2",
        "since 2023-03-02",
        "€249,999.99 from METASTARS",
        "€0.01 from Bpifrance (declared)",
        "counts €50,000.01",
        "50% from state resources of €100,000.02",
        "headroom €50,000.00",
    ):
        assert text in refused.reason, text


def test_the_cap_per_beneficiary_can_hold_for_the_whole_undertaking() -> None:
    rules = ProgrammeRules("EUR", 60_000 * EUR, 300_000 * EUR, 3, True)
    standing = Standing(CallLedger(1_000_000 * EUR, 0), 0, None, 50_000 * EUR)
    refused = refusal(20_000 * EUR, "EUR", rules, standing)
    assert refused is not None
    assert (refused.code, refused.used_cents) == ("per_undertaking_cap_exceeded", 50_000 * EUR)
