"""An application's answers to its call's form: stored partially while drafted,
split into their personal and other parts for the events, and checked whole at
submission, the budget table included. No I/O."""

from __future__ import annotations

from typing import Any

from services.calls.events import ApplicationForm
from shared import forms
from shared.errors import InvalidInput


class InvalidAnswers(InvalidInput):
    """The answers do not satisfy the form: `errors` lists each by JSON pointer."""

    code = "invalid_answers"
    title = "Invalid answers"


class CallHasNoForm(InvalidInput):
    code = "call_has_no_form"
    title = "The call has no form"


def for_events(
    form: ApplicationForm | None, answers: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answers as the events carry them: the others, and the personal ones by
    pointer. A draft's answers may be incomplete or wrong: submission decides."""
    if not answers:
        return {}, {}
    if form is None:
        raise CallHasNoForm("the call has no application form: send no answers")
    return forms.split_personal(form.json_schema, answers)


def require_complete(
    form: ApplicationForm | None, answers: dict[str, Any], requested_cents: int
) -> None:
    """422 `invalid_answers` listing every failing answer, unless all are valid."""
    if form is None:
        return
    problems = forms.answer_problems(form.json_schema, answers)
    if not problems:
        problems = _budget(form, answers, requested_cents)
    if problems:
        raise InvalidAnswers(
            f"{len(problems)} answers fail the call's form: "
            + ", ".join(p.pointer or "/" for p in problems),
            errors=[
                {"field": "answers", "pointer": p.pointer, "message": p.message, "type": p.kind}
                for p in problems
            ],
        )


def budget_total(form: ApplicationForm, answers: dict[str, Any]) -> int | None:
    """The sum of the budget table's amounts (None: the form has no table)."""
    table = form.budget_table
    if table is None:
        return None
    rows = answers.get(table.property)
    if not isinstance(rows, list):
        return 0
    return sum(
        amount
        for row in rows
        if isinstance(row, dict)
        and isinstance(amount := row.get(table.amount_property), int)
        and not isinstance(amount, bool)
    )


def _budget(
    form: ApplicationForm, answers: dict[str, Any], requested_cents: int
) -> list[forms.Problem]:
    total = budget_total(form, answers)
    if not form.budget_total_must_equal_requested or total is None or total == requested_cents:
        return []
    assert form.budget_table is not None
    return [
        forms.Problem(
            forms.pointer_of([form.budget_table.property]),
            f"the budget table adds up to {total} cents, not the {requested_cents} requested",
            "budget_total",
        )
    ]
