"""Whether a contracted application may become a grant: the call's budget, the
programme's per-beneficiary cap, and the de minimis ceiling. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.payments.de_minimis import Headroom
from services.payments.events import DeMinimisFigures, RefusalCode
from services.payments.ledger import CallLedger
from shared.values import format_money


@dataclass(frozen=True)
class ProgrammeRules:
    currency: str
    per_beneficiary_cap_cents: int | None
    de_minimis_ceiling_cents: int
    de_minimis_window_years: int
    cap_applies_to_undertaking: bool = False


@dataclass(frozen=True)
class Refusal:
    code: RefusalCode
    reason: str
    limit_cents: int
    used_cents: int


@dataclass(frozen=True)
class Standing:
    """What already counts against the award: in the call, in the programme for
    this beneficiary, and in the de minimis register for its undertaking."""

    ledger: CallLedger
    beneficiary_committed_cents: int
    de_minimis: DeMinimisFigures | None  # None when the call does not count as de minimis
    # What the beneficiary's single undertaking holds in the programme, when the
    # programme holds its cap per beneficiary against the undertaking too.
    undertaking_committed_cents: int | None = None


def de_minimis_figures(
    undertaking: str, window_years: int, start: date, headroom: Headroom
) -> DeMinimisFigures:
    return DeMinimisFigures(
        undertaking_id=undertaking,
        window_years=window_years,
        window_start=start,
        ceiling_cents=headroom.ceiling_cents,
        aid_before_cents=headroom.aid_cents,
        headroom_cents=headroom.headroom_cents,
    )


def ceiling_reason(
    figures: DeMinimisFigures, currency: str, amount_cents: int, counted_cents: int
) -> str:
    """The refusal for the ceiling in numbers: the undertaking and its members, the
    window, the aid counted per source, what this award adds, and the headroom."""
    members = ", ".join(figures.members) or figures.undertaking_id
    per_source = "; ".join(
        f"{format_money(s.counted_cents, 'EUR')} from {s.grantor}"
        f"{' (declared)' if s.source == 'declared' else ''}"
        for s in figures.sources
    )
    share = (
        ""
        if counted_cents == amount_cents
        else f" ({figures.state_resources_percent}% from state resources of "
        f"{format_money(amount_cents, currency)})"
    )
    return (
        f"single undertaking {figures.undertaking_id} (members: {members}) received "
        f"{format_money(figures.aid_before_cents, 'EUR')} of de minimis aid since "
        f"{figures.window_start.isoformat()} ({figures.window_years} years)"
        f"{': ' + per_source if per_source else ''}; this award counts "
        f"{format_money(counted_cents, 'EUR')}{share}, which would exceed the ceiling of "
        f"{format_money(figures.ceiling_cents, 'EUR')} (headroom {format_money(figures.headroom_cents, 'EUR')})"
    )


def refusal(
    amount_cents: int, currency: str, rules: ProgrammeRules, standing: Standing
) -> Refusal | None:
    """The first limit the award would breach, with the amounts in the reason; None
    when it fits them all."""
    ledger = standing.ledger
    if amount_cents > ledger.available_cents:
        return Refusal(
            "call_budget_exceeded",
            f"the grant of {format_money(amount_cents, currency)} exceeds what is left of "
            f"the call's budget: {format_money(ledger.available_cents, currency)} of "
            f"{format_money(ledger.budget_cents, currency)}",
            ledger.budget_cents,
            ledger.committed_cents,
        )
    cap, held = rules.per_beneficiary_cap_cents, standing.beneficiary_committed_cents
    if cap is not None and held + amount_cents > cap:
        return Refusal(
            "per_beneficiary_cap_exceeded",
            f"the beneficiary already holds {format_money(held, currency)} in the "
            f"programme; {format_money(amount_cents, currency)} more would exceed its cap "
            f"of {format_money(cap, currency)} per beneficiary",
            cap,
            held,
        )
    group = standing.undertaking_committed_cents
    if cap is not None and group is not None and group + amount_cents > cap:
        return Refusal(
            "per_undertaking_cap_exceeded",
            f"the beneficiary's single undertaking already holds "
            f"{format_money(group, currency)} in the programme; {format_money(amount_cents, currency)} "
            f"more would exceed its cap of {format_money(cap, currency)} per beneficiary",
            cap,
            group,
        )
    figures = standing.de_minimis
    counted = (
        amount_cents if figures is None or figures.counted_cents is None else figures.counted_cents
    )
    if figures is not None and figures.aid_before_cents + counted > figures.ceiling_cents:
        return Refusal(
            "de_minimis_exceeded",
            ceiling_reason(figures, currency, amount_cents, counted),
            figures.ceiling_cents,
            figures.aid_before_cents,
        )
    return None
