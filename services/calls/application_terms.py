"""Checks on what a call asks applicants to hand in: its form (a JSON Schema the
`shared.forms` rules accept, a budget table where it says), its annexes. Each
problem names its field, and the form's also the place in the schema."""

from __future__ import annotations

from services.calls.events import CallTerms
from shared import forms

FieldError = dict[str, str]


def _error(field: str, message: str, type_: str) -> FieldError:
    return {"field": field, "message": message, "type": type_}


def check(terms: CallTerms) -> list[FieldError]:
    return [*_annexes(terms), *_form(terms)]


def _annexes(terms: CallTerms) -> list[FieldError]:
    codes = [annex.code for annex in terms.required_annexes]
    return [
        _error(f"required_annexes.{i}.code", f"annex {code!r} repeats", "annex_duplicate")
        for i, code in enumerate(codes)
        if codes.index(code) != i
    ]


def _form(terms: CallTerms) -> list[FieldError]:
    """The form's schema problems, each with its JSON pointer into the schema."""
    form = terms.form
    if form is None:
        return []
    found = [
        {**_error("form.schema", p.message, f"form_schema_{p.kind}"), "pointer": p.pointer}
        for p in forms.check_schema(form.json_schema)
    ]
    if found:
        return found
    table = form.budget_table
    if table is None:
        if form.budget_total_must_equal_requested:
            found.append(
                _error(
                    "form.budget_table",
                    "the rule needs the form's budget table",
                    "form_budget_table",
                )
            )
        return found
    schema = form.json_schema
    rows = forms.followed(schema, schema.get("properties", {}).get(table.property))
    line = forms.followed(schema, rows.get("items")) if isinstance(rows, dict) else None
    if not isinstance(rows, dict) or rows.get("type") != "array":
        found.append(
            {
                **_error(
                    "form.budget_table.property",
                    f"the schema has no array property {table.property!r} for the budget table",
                    "form_budget_table",
                ),
                "pointer": forms.pointer_of(["properties", table.property]),
            }
        )
    elif not isinstance(line, dict) or table.amount_property not in line.get("properties", {}):
        found.append(
            {
                **_error(
                    "form.budget_table.amount_property",
                    f"the budget table's rows have no {table.amount_property!r}",
                    "form_budget_table",
                ),
                "pointer": forms.pointer_of(["properties", table.property, "items"]),
            }
        )
    return found
