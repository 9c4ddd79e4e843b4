"""Any sequence of awards, links and declarations of aid, through the broker and the
HTTP API: each award is decided exactly as a plain model of the regulation says, and
as the register stood when it was made, no award ever took its single undertaking
over the ceiling. (Only facts learnt later, a link or declared aid, can show the
undertaking above it today; the register then says so with `exceeds_ceiling`.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from services.applications.events import OrganisationRef
from services.payments.de_minimis import counted_share, single_undertaking, window_start
from tests.support.calls import EUR, T0, iso
from tests.support.payments import Payments

CEILING = 300_000 * EUR
HALF = [
    {"name": "Digital Europe Programme", "share_percent": 50, "state_resources": False},
    {"name": "Region", "share_percent": 50, "state_resources": True},
]

award = st.tuples(
    st.just("award"),
    st.integers(0, 2),
    st.sampled_from([100_000 * EUR, 150_000 * EUR + 1, 200_000 * EUR]),
    st.booleans(),
)
link = st.tuples(st.just("link"), st.integers(0, 2), st.integers(0, 2))
declare = st.tuples(
    st.just("declare"),
    st.integers(0, 2),
    st.sampled_from([50_000 * EUR, 120_000 * EUR]),
    st.sampled_from([-30, 100, 1200]),
)  # days ago: future, in, before window
steps = st.lists(st.one_of(award, award, link, link, declare), min_size=4, max_size=10)


@dataclass
class Model:
    """What the regulation counts, kept by hand: links, Cascade's aid and declared aid."""

    links: set[tuple[str, str]] = field(default_factory=set)
    cascade: list[tuple[str, int]] = field(default_factory=list)  # (enterprise, counted)
    declared: list[tuple[str, int, date]] = field(default_factory=list)

    def counted(self, key: str, day: date) -> int:
        members = single_undertaking(key, self.links)
        start = window_start(day, 3)
        return sum(c for k, c in self.cascade if k in members) + sum(
            c for k, c, on in self.declared if k in members and start < on <= day
        )


async def play(
    payments: Payments,
    model: Model,
    orgs: list[OrganisationRef],
    calls: dict[bool, str],
    programme: str,
    step: tuple[object, ...],
    now: datetime,
) -> tuple[str, str] | None:
    """Run one step; for an award granted, its grant id and its organisation."""
    up, keys = payments.upstream, [f"PIC:{o.pic}" for o in orgs]
    match step:
        case ("link", int(a), int(b)):
            answer = await payments.link(orgs[a].organisation_id, payments.manager, pic=orgs[b].pic)
            pair = tuple(sorted((keys[a], keys[b])))
            expected = 422 if a == b else 409 if pair in model.links else 201
            assert answer.status_code == expected, answer.text
            if expected == 201:
                model.links.add((pair[0], pair[1]))
        case ("declare", int(i), int(amount), int(days_ago)):
            granted = now.date() - timedelta(days=days_ago)
            answer = await payments.declare_aid(
                orgs[i].organisation_id,
                payments.manager,
                grantor="Elsewhere",
                amount_cents=amount,
                granted_on=granted.isoformat(),
                reason="extract",
            )
            assert answer.status_code == 201, answer.text
            model.declared.append((keys[i], amount, granted))
        case ("award", int(i), int(amount), bool(half)):
            counted = counted_share(amount, 50 if half else 100)
            fits = model.counted(keys[i], now.date()) + counted <= CEILING
            application = await up.contract(calls[half], programme, orgs[i], amount, at=now)
            outcome = (await payments.decisions([application]))[application]
            assert outcome == ("awarded" if fits else "de_minimis_exceeded")
            event("an award refused" if not fits else "an award granted")
            if len(single_undertaking(keys[i], model.links)) > 1:
                event(f"an award to a linked enterprise {'granted' if fits else 'refused'}")
            if fits:
                model.cascade.append((keys[i], counted))
                grant_id = await payments.scalar(
                    "SELECT id FROM grants WHERE application_id = :a", a=application
                )
                return str(grant_id), orgs[i].organisation_id
    return None


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
async def test_no_award_ever_takes_an_undertaking_over_the_ceiling(
    payments: Payments,
    sequence: list[tuple[object, ...]],
) -> None:
    up = payments.upstream
    programme = await up.programme(budget_cents=100_000_000 * EUR, ceiling_cents=CEILING)
    calls = {
        False: await up.call(programme, budget_cents=10_000_000 * EUR),
        True: await up.call(programme, budget_cents=10_000_000 * EUR, funding_sources=HALF),
    }
    orgs = [await payments.organisation(f"sme-p{i}") for i in range(3)]
    model, granted = Model(), []
    for number, step in enumerate(sequence):
        now = T0 + timedelta(minutes=number)
        payments.clock.set(now)
        outcome = await play(payments, model, orgs, calls, programme, step, now)
        if outcome is not None:
            granted.append((now, *outcome))
    for when, _, organisation_id in granted:
        then = await payments.de_minimis(organisation_id, as_of=iso(when), programme_id=programme)
        assert then["aid_cents"] <= CEILING, then
        assert not then["exceeds_ceiling"]
    for org in orgs:
        today = await payments.de_minimis(org.organisation_id, programme_id=programme)
        assert today["exceeds_ceiling"] == (today["aid_cents"] > CEILING)
        assert today["aid_cents"] == model.counted(
            f"PIC:{org.pic}", date.fromisoformat(today["on"])
        )
    payments.clock.set(T0)
