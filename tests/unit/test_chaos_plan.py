"""The fault suite's plan, its seeded moments and its closing line, without a stack."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any, cast

from chaos.faults import SERVICES, Fault, Injection, plan
from chaos.invariants import BROKEN, DOUBLED, LOST, Findings
from chaos.runner import Totals, Trial


def test_the_plan_kills_each_service_in_turn_then_the_other_faults() -> None:
    faults = plan(kills=20, postgres=6, broker=4, pauses=12)
    assert len(faults) == 102
    assert [f.target for f in faults[:8]] == [*SERVICES, *SERVICES]
    kills = Counter(f.target for f in faults if f.kind == "kill")
    assert kills == dict.fromkeys(SERVICES, 20)
    assert [f.kind for f in faults[80:]] == ["postgres"] * 6 + ["pause"] * 12 + ["broker"] * 4
    assert {f.target for f in faults if f.kind == "postgres"} == {"fast", "immediate"}
    assert {f.target for f in faults if f.kind in ("pause", "broker")} == set(SERVICES)


def test_a_seed_gives_the_same_moments_again() -> None:
    def moments(seed: int) -> list[tuple[float, float]]:
        rng = random.Random(seed)
        stack = cast(Any, None)  # the moments are drawn before anything touches the stack
        drawn = [Injection(stack, Fault("kill", s), rng, 3.0) for s in SERVICES]
        return [(i.at, i.outage) for i in drawn]

    assert moments(7) == moments(7)
    assert moments(7) != moments(8)
    assert all(0.6 <= at <= 2.1 and 1.0 <= outage <= 2.5 for at, outage in moments(7))


def test_the_closing_line_counts_each_kind_of_finding() -> None:
    found = Findings()
    found.add(LOST, "an organisation")
    found.add(BROKEN, "committed differs")
    found.add(BROKEN, "audit verify not intact")
    trials = [Trial(1, Fault("kill", "calls")), Trial(2, Fault("postgres", "fast"), findings=found)]
    assert Totals.of(trials[:1]).line() == "1 trials, 0 lost, 0 doubled, 0 invariant breaks"
    totals = Totals.of(trials)
    assert totals.line() == "2 trials, 1 lost, 0 doubled, 2 invariant breaks"
    assert not totals.clean
    assert found.count(DOUBLED) == 0
