"""A call's application form, annexes and declarations as tests use them: a work
plan, a budget table, a team whose names are personal data, and the answers that
fill it in."""

from __future__ import annotations

from typing import Any

from tests.support.calls import EUR

FORM_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["work_plan", "budget", "team", "impact"],
    "properties": {
        "work_plan": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["title", "months"],
                "properties": {
                    "title": {"type": "string", "minLength": 3},
                    "months": {"type": "integer", "minimum": 1, "maximum": 24},
                },
                "additionalProperties": False,
            },
        },
        "budget": {
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/$defs/budget_line"},
        },
        "team": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "role"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "x-personal": True},
                    "role": {"type": "string", "enum": ["lead", "engineer", "other"]},
                },
            },
        },
        "contact_email": {"type": "string", "format": "email", "x-personal": True},
        "impact": {"type": "string", "minLength": 20, "maxLength": 5000},
    },
    "$defs": {
        "budget_line": {
            "type": "object",
            "required": ["category", "amount_cents"],
            "properties": {
                "category": {"enum": ["personnel", "equipment", "subcontracting", "other"]},
                "amount_cents": {"type": "integer", "minimum": 0},
            },
        }
    },
}

UI_SCHEMA: dict[str, Any] = {
    "ui:order": ["work_plan", "budget", "team", "contact_email", "impact"],
    "impact": {"ui:widget": "textarea", "ui:help": "Who benefits, and how you will know."},
}

FORM: dict[str, Any] = {
    "schema": FORM_SCHEMA,
    "ui_schema": UI_SCHEMA,
    "budget_table": {"property": "budget", "amount_property": "amount_cents"},
    "budget_total_must_equal_requested": True,
}

ANNEXES: list[dict[str, Any]] = [
    {
        "code": "budget_justification",
        "title": "Budget justification",
        "media_types": ["application/pdf"],
        "max_bytes": 5 * 1024 * 1024,
    },
    {
        "code": "signed_sme_declaration",
        "title": "Signed SME declaration",
        "media_types": ["application/pdf", "image/png"],
        "max_bytes": 2 * 1024 * 1024,
    },
]

DECLARATIONS = ["no_double_funding", "no_exclusion_situation", "sme_status"]

CALL_TERMS: dict[str, Any] = {
    "form": FORM,
    "required_annexes": ANNEXES,
    "required_declarations": DECLARATIONS,
}


def answers(requested_cents: int = 40_000 * EUR, **changes: Any) -> dict[str, Any]:
    """Complete, valid answers to FORM, the budget adding up to `requested_cents`."""
    return {
        "work_plan": [{"title": "Design the ribs", "months": 4}, {"title": "Test", "months": 2}],
        "budget": [
            {"category": "personnel", "amount_cents": requested_cents - 5_000 * EUR},
            {"category": "equipment", "amount_cents": 5_000 * EUR},
        ],
        "team": [
            {"name": "Ada Lovelace", "role": "lead"},
            {"name": "Tim Berners", "role": "other"},
        ],
        "contact_email": "ada@aerotech.example",
        "impact": "Lighter wings for regional aircraft, tested in a wind tunnel.",
        **changes,
    }


SME_FIGURES: dict[str, Any] = {
    "headcount": 120,
    "annual_turnover_cents": 8_000_000 * EUR,
    "balance_sheet_total_cents": 6_000_000 * EUR,
}
