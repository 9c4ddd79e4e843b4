"""What the demo's programme manager asks for: the programme and its two calls."""

from __future__ import annotations

from datetime import datetime

from cascade.demo.client import Json
from cascade.demo.population import OBJECTIVES
from cascade.demo.real_call import RANKED_CALL_TERMS, VOUCHER_CALL_TERMS

EUR = 100
VOUCHER_CENTS = 10_000 * EUR
VOUCHERS_FUNDED = 20
EU_ELIGIBLE = ["AT", "BE", "CZ", "DE", "ES", "FR", "GR", "IT", "NL", "PL", "PT", "SE"]


def programme_body(tag: str) -> Json:
    """METASTARS-like: the five objectives, a cap per SME, the default de minimis."""
    return {
        "code": f"METASTARS-{tag}",
        "currency": "EUR",
        "name": "METAcluster Support Towards a more resilient AeRospace and defence ecosystem",
        "budget_cents": 2_000_000 * EUR,
        "objectives": list(OBJECTIVES),
        "per_beneficiary_cap_cents": 60_000 * EUR,
        "de_minimis": {"ceiling_cents": 300_000 * EUR, "window_years": 3},
    }


def ranked_call_body(programme_id: str, tag: str, opens: datetime, closes: datetime) -> Json:
    """Innovation projects at low TRL, evaluated by two experts and ranked; 70/30."""
    return {
        **_common(programme_id, opens, closes),
        **RANKED_CALL_TERMS,
        "code": f"IP-LOW-{tag}",
        "kind": "innovation_voucher",
        "selection_mode": "ranked",
        "title": "Innovative projects at low technology readiness levels",
        "budget_cents": 400_000 * EUR,
        "max_grant_cents": 60_000 * EUR,
        "min_grant_cents": 20_000 * EUR,
        "planned_awards": 8,
        "objectives": ["innovate", "adopt", "go_international"],
        "eligibility": [
            *_eu_sme_rules(),
            {"type": "trl_between", "min": 3, "max": 5},
            {"type": "one_award_per_beneficiary_in_programme"},
        ],
        "criteria": [
            {
                "code": "excellence",
                "title": "Excellence",
                "weight": 4,
                "max_score": 5,
                "threshold": 2.5,
            },
            {"code": "impact", "title": "Impact", "weight": 3, "max_score": 5, "threshold": 2.5},
            {
                "code": "implementation",
                "title": "Quality of implementation",
                "weight": 3,
                "max_score": 5,
                "threshold": 2,
            },
        ],
        "pass_threshold": 3.2,
        "evaluators_per_application": 2,
        "instalments": [
            {"label": "Pre-financing on signature", "percent": 70, "trigger": "on_signature"},
            {
                "label": "Balance after the final report",
                "percent": 30,
                "trigger": "on_report_approved",
            },
        ],
    }


def voucher_call_body(programme_id: str, tag: str, opens: datetime, closes: datetime) -> Json:
    """Green vouchers, first come first served, paid in full on signature."""
    return {
        **_common(programme_id, opens, closes),
        **VOUCHER_CALL_TERMS,
        "code": f"GV-{tag}",
        "kind": "green_voucher",
        "selection_mode": "first_come_first_served",
        "title": "Green vouchers: adopt cleaner processes",
        "budget_cents": VOUCHERS_FUNDED * VOUCHER_CENTS,
        "max_grant_cents": VOUCHER_CENTS,
        "min_grant_cents": VOUCHER_CENTS,
        "planned_awards": VOUCHERS_FUNDED,
        "objectives": ["adopt"],
        "eligibility": _eu_sme_rules(),
        "criteria": [],
        "pass_threshold": 0,
        "evaluators_per_application": 1,
        "instalments": [
            {"label": "Voucher on signature", "percent": 100, "trigger": "on_signature"}
        ],
    }


def _eu_sme_rules() -> list[Json]:
    return [
        {"type": "applicant_country_in", "countries": EU_ELIGIBLE},
        {"type": "applicant_size_in", "sizes": ["micro", "small", "medium"]},
    ]


def _common(programme_id: str, opens: datetime, closes: datetime) -> Json:
    return {
        "programme_id": programme_id,
        "opens_at": opens.isoformat(),
        "closes_at": closes.isoformat(),
        "counts_as_de_minimis": True,
    }
