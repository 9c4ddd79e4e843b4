"""What makes the demo's calls real ones (issue 15): each publishes an application
form (the ranked call's with a work plan, a budget table adding up to the amount
asked and a team whose names are personal data), requires annexes and
declarations on honour; the applicants answer, upload and declare."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from cascade.demo.client import Cascade, Json, Person

EUR = 100
WORK_PLAN_ANNEX = "work_plan_gantt"
# A small file whose first bytes are a real PDF's: the call accepts PDFs only.
ANNEX_PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"%" * 2000
ANNEX_SHA256 = hashlib.sha256(ANNEX_PDF).hexdigest()

RANKED_DECLARATIONS = ["no_double_funding", "no_exclusion_situation"]
VOUCHER_DECLARATIONS = ["no_double_funding"]

RANKED_FORM: Json = {
    "schema": {
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
                },
            },
            "budget": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["category", "amount_cents"],
                    "properties": {
                        "category": {"enum": ["personnel", "equipment", "subcontracting"]},
                        "amount_cents": {"type": "integer", "minimum": 0},
                    },
                },
            },
            "team": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "role"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1, "x-personal": True},
                        "role": {"enum": ["lead", "engineer", "other"]},
                    },
                },
            },
            "impact": {"type": "string", "minLength": 20, "maxLength": 3000},
        },
    },
    "ui_schema": {
        "ui:order": ["work_plan", "budget", "team", "impact"],
        "impact": {"ui:widget": "textarea", "ui:help": "Who benefits, and how you will know."},
    },
    "budget_table": {"property": "budget", "amount_property": "amount_cents"},
    "budget_total_must_equal_requested": True,
}

VOUCHER_FORM: Json = {
    "schema": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["green_measure"],
        "properties": {"green_measure": {"type": "string", "minLength": 10}},
    }
}

RANKED_CALL_TERMS: Json = {
    "form": RANKED_FORM,
    "required_annexes": [
        {
            "code": WORK_PLAN_ANNEX,
            "title": "Work plan (Gantt chart)",
            "media_types": ["application/pdf"],
            "max_bytes": 1024 * 1024,
        }
    ],
    "required_declarations": RANKED_DECLARATIONS,
}

VOUCHER_CALL_TERMS: Json = {
    "form": VOUCHER_FORM,
    "required_declarations": VOUCHER_DECLARATIONS,
}


def ranked_answers(requested_cents: int, lead_name: str, **changes: Any) -> Json:
    """Complete answers to the ranked call's form, the budget adding up."""
    equipment = min(5_000 * EUR, requested_cents // 4)
    return {
        "work_plan": [
            {"title": "Prototype the part", "months": 6},
            {"title": "Qualify it with the integrator", "months": 4},
        ],
        "budget": [
            {"category": "personnel", "amount_cents": requested_cents - equipment},
            {"category": "equipment", "amount_cents": equipment},
        ],
        "team": [{"name": lead_name, "role": "lead"}],
        "impact": "A lighter bracket for regional aircraft, qualified with a tier-one.",
        **changes,
    }


def voucher_answers() -> Json:
    return {"green_measure": "Replace solvent degreasing with an aqueous line."}


async def declare(api: Cascade, who: Person, application_id: str, codes: list[str]) -> None:
    for code in codes:
        await api.post(
            "applications",
            who,
            f"/v1/applications/{application_id}/declarations",
            {"code": code, "accepted": True},
        )


async def upload_annex(api: Cascade, who: Person, application_id: str) -> Json:
    """The work plan as the raw body of the upload, with its media type."""
    answer = await api.send(
        "applications",
        who,
        "POST",
        f"/v1/applications/{application_id}/annexes",
        params={"code": WORK_PLAN_ANNEX, "name": "work-plan.pdf"},
        headers={"Content-Type": "application/pdf"},
        content=ANNEX_PDF,
    )
    body: Json = answer.json()
    return body


async def submit(
    api: Cascade, who: Person, application_id: str, expect: tuple[int, ...] = (200,)
) -> httpx.Response:
    return await api.send(
        "applications", who, "POST", f"/v1/applications/{application_id}/submit", {}, expect=expect
    )


async def correct_answers(api: Cascade, who: Person, draft: Json, answers: Json) -> Json:
    """PATCH the draft's answers, conditional on the version the applicant read."""
    answer = await api.send(
        "applications",
        who,
        "PATCH",
        f"/v1/applications/{draft['id']}",
        {
            "title": draft["title"],
            "summary": draft["summary"],
            "requested_cents": draft["requested_cents"],
            "trl": draft["trl"],
            "objectives": draft["objectives"],
            "answers": answers,
        },
        headers={"If-Match": f'"{draft["version"]}"'},
    )
    body: Json = answer.json()
    return body
