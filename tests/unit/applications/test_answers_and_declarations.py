"""The answers checked at submission (the budget table included) and the
declarations on honour, decided without I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.applications import answers, declarations
from services.applications.events import SmeFigures
from services.calls.events import ApplicationForm
from shared.errors import CascadeError
from tests.support.calls import EUR
from tests.support.forms import FORM
from tests.support.forms import answers as sample_answers

NOW = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
MILLION = 1_000_000 * EUR
FORM_MODEL = ApplicationForm.model_validate(FORM)


def refusal(exc: pytest.ExceptionInfo[CascadeError]) -> tuple[str, list[str]]:
    return exc.value.code, [e["pointer"] for e in getattr(exc.value, "errors", [])]


def test_complete_answers_whose_budget_adds_up_pass() -> None:
    answers.require_complete(FORM_MODEL, sample_answers(40_000 * EUR), 40_000 * EUR)


def test_a_budget_that_does_not_add_up_is_named_by_the_tables_pointer() -> None:
    with pytest.raises(CascadeError) as refused:
        answers.require_complete(FORM_MODEL, sample_answers(30_000 * EUR), 40_000 * EUR)
    assert refusal(refused) == ("invalid_answers", ["/budget"])


def test_the_budget_is_only_summed_once_the_rows_are_valid() -> None:
    given = sample_answers(40_000 * EUR)
    given["budget"][0]["amount_cents"] = "lots"
    with pytest.raises(CascadeError) as refused:
        answers.require_complete(FORM_MODEL, given, 40_000 * EUR)
    assert refusal(refused) == ("invalid_answers", ["/budget/0/amount_cents"])


def test_a_call_without_a_form_takes_no_answers_and_checks_none() -> None:
    answers.require_complete(None, {}, 1)
    assert answers.for_events(None, {}) == ({}, {})
    with pytest.raises(CascadeError) as refused:
        answers.for_events(None, {"a": 1})
    assert refused.value.code == "call_has_no_form"


@pytest.mark.parametrize(
    ("headcount", "turnover", "balance", "category"),
    [
        (9, 2 * MILLION, None, "micro"),
        (9, 3 * MILLION, 2 * MILLION, "micro"),  # the balance sheet suffices
        (10, 1 * MILLION, 1 * MILLION, "small"),
        (49, None, 10 * MILLION, "small"),
        (249, 50 * MILLION, 99 * MILLION, "medium"),
        (249, 51 * MILLION, 43 * MILLION, "medium"),
        (249, 51 * MILLION, 44 * MILLION, None),
        (250, 1 * MILLION, 1 * MILLION, None),
    ],
)
def test_the_sme_category_follows_the_recommendations_ceilings(
    headcount: int, turnover: int | None, balance: int | None, category: str | None
) -> None:
    figures = SmeFigures(
        headcount=headcount, annual_turnover_cents=turnover, balance_sheet_total_cents=balance
    )
    assert declarations.sme_category(figures) == category


def test_a_declaration_the_call_does_not_ask_for_is_refused() -> None:
    with pytest.raises(CascadeError) as refused:
        declarations.declaration(
            "d", "a", "c", "o", ("sme_status",), "no_double_funding", None, "sub", NOW
        )
    assert refused.value.code == "declaration_not_required"


def test_submission_names_each_missing_declaration_in_the_calls_order() -> None:
    declarations.require_declared(("sme_status",), {"sme_status", "no_double_funding"})
    with pytest.raises(CascadeError) as refused:
        declarations.require_declared(
            ("no_double_funding", "no_exclusion_situation", "sme_status"), {"no_double_funding"}
        )
    assert refused.value.code == "declarations_missing"
    assert refused.value.extra["missing"] == ["no_exclusion_situation", "sme_status"]
