"""Selection down a ranking, and promotion from the reserve list. Pure.

Down the list in order: an application is selected when its amount
(`min(requested, max_grant)`) fits the budget left, its lead organisation holds
no other award in the call (one award per beneficiary), and the organisation's
awards in the programme stay within the programme's per-beneficiary cap. One
that does not fit is kept in reserve and the walk goes on, so a smaller one
further down may still be funded. Promotion is the same walk over the reserve
list, in reserve order, with the budget a decline or a refusal freed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Contender:
    application_id: str
    organisation_id: str
    requested_cents: int


@dataclass
class Budget:
    """What limits the awards: `awarded` is each organisation's awarded total in
    the programme, `holders` the organisations with an award in this call."""

    available_cents: int
    max_grant_cents: int
    cap_cents: int | None = None
    awarded: dict[str, int] = field(default_factory=dict)
    holders: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Decision:
    application_id: str
    selected: bool
    amount_cents: int
    reason_code: str  # "selected", "below_budget_line" or "beneficiary_limit"
    reason: str


def select(contenders: Sequence[Contender], budget: Budget) -> list[Decision]:
    """A decision for each contender, in order; `budget` is spent as it goes."""
    return [decide(c, budget) for c in contenders]


def decide(c: Contender, budget: Budget) -> Decision:
    """One contender against what is left of `budget`, spending it when selected."""
    amount = min(c.requested_cents, budget.max_grant_cents)
    awarded = budget.awarded.get(c.organisation_id, 0)
    if c.organisation_id in budget.holders:
        return Decision(
            c.application_id,
            False,
            amount,
            "beneficiary_limit",
            "the lead organisation already holds an award in this call",
        )
    if budget.cap_cents is not None and awarded + amount > budget.cap_cents:
        return Decision(
            c.application_id,
            False,
            amount,
            "beneficiary_limit",
            f"{_eur(amount)} would take the lead organisation's awards in the "
            f"programme to {_eur(awarded + amount)}, above the cap of "
            f"{_eur(budget.cap_cents)}",
        )
    if amount > budget.available_cents:
        return Decision(
            c.application_id,
            False,
            amount,
            "below_budget_line",
            f"{_eur(amount)} does not fit the {_eur(budget.available_cents)} "
            f"left in the call's budget",
        )
    budget.available_cents -= amount
    budget.awarded[c.organisation_id] = awarded + amount
    budget.holders.add(c.organisation_id)
    return Decision(
        c.application_id,
        True,
        amount,
        "selected",
        f"{_eur(amount)} fits the call's budget ({_eur(budget.available_cents)} left after it)",
    )


def reserve_ranks(decisions: Sequence[Decision]) -> Mapping[str, int]:
    """The reserve list: the contenders not selected, numbered 1, 2, ... in order."""
    reserved = [d.application_id for d in decisions if not d.selected]
    return {application_id: n for n, application_id in enumerate(reserved, start=1)}


def _eur(cents: int) -> str:
    return f"EUR {cents / 100:,.2f}"
