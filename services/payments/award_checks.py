"""What already counts against an award, read under the locks that keep it true until
the award is decided: the beneficiary's single undertaking and its de minimis aid
(Cascade's state-resource shares and aid declared from elsewhere), and what the
beneficiary (or its undertaking) holds in the programme."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications.events import ApplicationContracted
from services.payments import register, undertakings, views
from services.payments.awarding import ProgrammeRules, Standing
from services.payments.call_books import CallBooks
from services.payments.de_minimis import counted_share, undertaking_name
from services.payments.events import DeMinimisFigures


async def standing(
    conn: AsyncConnection,
    e: ApplicationContracted,
    call: CallBooks,
    rules: ProgrammeRules,
    enterprise: str,
) -> Standing:
    """The award date is the contract's: it decides the de minimis window, whenever
    the event is handled. Locks the undertaking's members (undertakings.py)."""
    members = await undertakings.lock_single_undertaking(conn, enterprise)
    figures = None
    percent = call.state_resources_percent
    if percent > 0:
        window = register.Window.ending(e.contracted_at.date(), rules.de_minimis_window_years)
        awards = await register.cascade_aid(conn, members, window, bounded=False)
        entries = await register.declared_aid(conn, members, window)
        sources = register.sources(awards, entries)
        before = sum(s.counted_cents for s in sources)
        ceiling = rules.de_minimis_ceiling_cents
        figures = DeMinimisFigures(
            undertaking_id=undertaking_name(members),
            window_years=rules.de_minimis_window_years,
            window_start=window.start,
            ceiling_cents=ceiling,
            aid_before_cents=before,
            headroom_cents=max(ceiling - before, 0),
            members=tuple(sorted(members)),
            sources=tuple(sources),
            award_cents=e.amount_cents,
            counted_cents=counted_share(e.amount_cents, percent),
            state_resources_percent=percent,
        )
    organisation_id = e.organisation.organisation_id
    held = await views.committed_in_programme(conn, e.programme_id, {organisation_id})
    group = None
    if rules.cap_applies_to_undertaking and rules.per_beneficiary_cap_cents is not None:
        ids = {o.id for o in await undertakings.organisations_of(conn, members)}
        group = await views.committed_in_programme(conn, e.programme_id, ids | {organisation_id})
    return Standing(call.ledger, held, figures, group)
