"""Checks on a call's terms that catch real mistakes: each one names its field and
has a stable `type`, and all of them are reported at once as a 422."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from services.calls import application_terms
from services.calls.events import CallTerms, Consortium, RequestedBetween
from shared.errors import InvalidInput

FieldError = dict[str, str]


def error(field: str, message: str, type_: str) -> FieldError:
    return {"field": field, "message": message, "type": type_}


class CallInvalid(InvalidInput):
    """A call's terms that cannot work: every mistake found, one per field."""

    code = "invalid_call"
    title = "Invalid call"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(
            "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=list(errors)
        )


@dataclass(frozen=True)
class ProgrammeLimits:
    """What a call's terms are checked against in its programme."""

    objectives: Collection[str]
    per_beneficiary_cap_cents: int | None


def check_terms(terms: CallTerms, programme: ProgrammeLimits) -> list[FieldError]:
    """Every mistake in `terms`, or none."""
    return [
        *_money(terms, programme),
        *_dates(terms),
        *_instalments(terms),
        *_criteria(terms),
        *_objectives(terms, programme),
        *_rules(terms),
        *_funding(terms),
        *application_terms.check(terms),
    ]


def _money(terms: CallTerms, programme: ProgrammeLimits) -> list[FieldError]:
    found = []
    if terms.min_grant_cents > terms.max_grant_cents:
        found.append(
            error("min_grant_cents", "the minimum grant exceeds the maximum grant", "grant_range")
        )
    if terms.max_grant_cents > terms.budget_cents:
        found.append(
            error(
                "max_grant_cents",
                "the maximum grant exceeds the call's budget",
                "max_grant_above_budget",
            )
        )
    if terms.max_grant_cents == 0:
        found.append(
            error("max_grant_cents", "the maximum grant must be positive", "max_grant_zero")
        )
    planned = terms.planned_awards
    if planned is not None and planned * terms.min_grant_cents > terms.budget_cents:
        found.append(
            error(
                "planned_awards",
                f"{planned} awards of at least {terms.min_grant_cents} cents need "
                f"{planned * terms.min_grant_cents} cents, more than the budget of "
                f"{terms.budget_cents}",
                "planned_awards_above_budget",
            )
        )
    cap = programme.per_beneficiary_cap_cents
    if cap is not None and terms.max_grant_cents > cap:
        found.append(
            error(
                "max_grant_cents",
                f"the maximum grant exceeds the programme's per-beneficiary cap of {cap} cents",
                "max_grant_above_cap",
            )
        )
    return found


def _dates(terms: CallTerms) -> list[FieldError]:
    if terms.opens_at >= terms.closes_at:
        return [error("closes_at", "the call must close after it opens", "dates_order")]
    return []


def _instalments(terms: CallTerms) -> list[FieldError]:
    found = [
        error(f"instalments.{i}.percent", "a percent is between 1 and 100", "instalment_percent")
        for i, instalment in enumerate(terms.instalments)
        if not 1 <= instalment.percent <= 100
    ]
    total = sum(instalment.percent for instalment in terms.instalments)
    if total != 100:
        found.append(
            error(
                "instalments",
                f"the instalments add up to {total}%, not 100%",
                "instalments_not_100",
            )
        )
    return found


def _criteria(terms: CallTerms) -> list[FieldError]:
    found = []
    codes = [c.code for c in terms.criteria]
    for i, criterion in enumerate(terms.criteria):
        if criterion.weight <= 0:
            found.append(
                error(f"criteria.{i}.weight", "a weight must be positive", "criterion_weight")
            )
        if criterion.max_score <= 0:
            found.append(
                error(
                    f"criteria.{i}.max_score",
                    "a maximum score must be positive",
                    "criterion_max_score",
                )
            )
        if not 0 <= criterion.threshold <= criterion.max_score:
            found.append(
                error(
                    f"criteria.{i}.threshold",
                    f"a threshold lies between 0 and the maximum score {criterion.max_score}",
                    "criterion_threshold",
                )
            )
        if codes.index(criterion.code) != i:
            found.append(
                error(
                    f"criteria.{i}.code",
                    f"criterion {criterion.code!r} repeats",
                    "criterion_duplicate",
                )
            )
    if terms.selection_mode == "ranked" and not terms.criteria:
        found.append(
            error("criteria", "a ranked call needs evaluation criteria", "criteria_required")
        )
    top = max((c.max_score for c in terms.criteria), default=None)
    if top is not None and not 0 <= terms.pass_threshold <= top:
        found.append(
            error(
                "pass_threshold", f"the pass threshold lies between 0 and {top}", "pass_threshold"
            )
        )
    return found


def _objectives(terms: CallTerms, programme: ProgrammeLimits) -> list[FieldError]:
    return [
        error(
            f"objectives.{i}",
            f"{objective!r} is not an objective of the programme",
            "objective_not_in_programme",
        )
        for i, objective in enumerate(terms.objectives)
        if objective not in programme.objectives
    ]


def _rules(terms: CallTerms) -> list[FieldError]:
    found = []
    for i, rule in enumerate(terms.eligibility):
        if isinstance(rule, RequestedBetween) and rule.max_cents > terms.max_grant_cents:
            found.append(
                error(
                    f"eligibility.{i}.max_cents",
                    f"{rule.type}: above the call's maximum grant",
                    "rule_above_max_grant",
                )
            )
        if isinstance(rule, Consortium) and rule.min_members > 1 and terms.kind == "prize":
            found.append(
                error(
                    f"eligibility.{i}.min_members",
                    f"{rule.type}: a prize goes to one organisation",
                    "rule_not_for_kind",
                )
            )
    return found


def _funding(terms: CallTerms) -> list[FieldError]:
    sources = terms.funding_sources
    if not sources:
        return []
    found = []
    total = sum(s.share_percent for s in sources)
    if total != 100:
        found.append(
            error(
                "funding_sources",
                f"the funding sources' shares add up to {total}%, not 100%",
                "funding_shares_not_100",
            )
        )
    names = [s.name for s in sources]
    found.extend(
        error(f"funding_sources.{i}.name", f"source {name!r} repeats", "funding_source_duplicate")
        for i, name in enumerate(names)
        if names.index(name) != i
    )
    return found


def parse_terms(raw: Mapping[str, Any]) -> CallTerms:
    """A call's terms from a request's fields; CallInvalid naming each bad one."""
    try:
        return CallTerms.model_validate(raw)
    except ValidationError as exc:
        raise CallInvalid(
            [
                error(".".join(str(p) for p in e["loc"]) or "body", e["msg"], e["type"])
                for e in exc.errors()
            ]
        ) from None


def check_publishable(terms: CallTerms, now: datetime) -> list[FieldError]:
    if terms.closes_at <= now:
        return [error("closes_at", "the deadline has passed", "closes_at_in_past")]
    return []
