"""Declarations on honour: which a call requires, whether an SME self-assessment
holds, and which are still missing at submission. No I/O."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from services.applications.events import DeclarationCode, DeclarationMade, SmeCategory, SmeFigures
from shared.errors import InvalidInput, RuleViolation

EUR_MILLION = 100_000_000  # cents
# Commission Recommendation 2003/361/EC: fewer staff than the headcount, and a
# turnover or a balance sheet total at most the ceiling (either one suffices).
CEILINGS: tuple[tuple[SmeCategory, int, int, int], ...] = (
    ("micro", 10, 2 * EUR_MILLION, 2 * EUR_MILLION),
    ("small", 50, 10 * EUR_MILLION, 10 * EUR_MILLION),
    ("medium", 250, 50 * EUR_MILLION, 43 * EUR_MILLION),
)


class DeclarationNotRequired(RuleViolation):
    code = "declaration_not_required"


class DeclarationsMissing(RuleViolation):
    """Submission without every declaration the call requires; `missing` names them."""

    code = "declarations_missing"


class InvalidFigures(InvalidInput):
    code = "invalid_figures"
    title = "Invalid SME figures"


def sme_category(figures: SmeFigures) -> SmeCategory | None:
    """The smallest category the figures fit, or None: not an SME."""
    for category, staff, turnover, balance in CEILINGS:
        money_fits = (
            figures.annual_turnover_cents is not None and figures.annual_turnover_cents <= turnover
        ) or (
            figures.balance_sheet_total_cents is not None
            and figures.balance_sheet_total_cents <= balance
        )
        if figures.headcount < staff and money_fits:
            return category
    return None


def declaration(
    declaration_id: str,
    application_id: str,
    call_id: str,
    organisation_id: str,
    required: Collection[DeclarationCode],
    code: DeclarationCode,
    figures: SmeFigures | None,
    declared_by: str,
    now: datetime,
) -> DeclarationMade:
    """The declaration, if the call asks for it and its figures hold."""
    if code not in required:
        raise DeclarationNotRequired(
            f"the call does not ask for the declaration {code!r}",
            required=sorted(required),
        )
    category = None
    if code == "sme_status":
        category = _sme_category(figures)
    elif figures is not None:
        raise InvalidFigures(
            "only an sme_status declaration carries figures",
            errors=[{"field": "figures", "message": "not for this code", "type": "extra"}],
        )
    return DeclarationMade(
        declaration_id=declaration_id,
        application_id=application_id,
        call_id=call_id,
        organisation_id=organisation_id,
        code=code,
        figures=figures,
        sme_category=category,
        declared_by=declared_by,
        declared_at=now,
    )


def _sme_category(figures: SmeFigures | None) -> SmeCategory:
    if figures is None or (
        figures.annual_turnover_cents is None and figures.balance_sheet_total_cents is None
    ):
        raise InvalidFigures(
            "an SME declaration gives the headcount and the turnover or the balance sheet total",
            errors=[{"field": "figures", "message": "missing", "type": "missing"}],
        )
    category = sme_category(figures)
    if category is None:
        raise InvalidFigures(
            "by these figures the organisation is not an SME (250 staff or more, or both "
            "turnover above 50 million and balance sheet above 43 million euro)",
            errors=[{"field": "figures", "message": "not an SME", "type": "not_an_sme"}],
        )
    return category


def require_declared(
    required: Collection[DeclarationCode], made: Collection[DeclarationCode]
) -> None:
    missing = [code for code in required if code not in made]
    if missing:
        raise DeclarationsMissing(
            f"the call requires the declarations {', '.join(missing)}", missing=missing
        )
