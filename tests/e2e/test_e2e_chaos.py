"""A few trials of the standing fault suite (`make chaos` runs all of them) on the
end-to-end stack: a service killed outright and a consumer paused under load,
each checked from outside; and the checks themselves shown to see a lost, a
doubled and a broken effect when there is one."""

from __future__ import annotations

import dataclasses

import pytest

from chaos.client import Client
from chaos.faults import Fault
from chaos.invariants import BROKEN, DOUBLED, LOST, effects_and_money, settled
from chaos.load import Load
from chaos.runner import Totals, details, run_trials
from chaos.stack import ChaosStack
from tests.support.stack import ServiceStack

SEED = 13


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_a_killed_service_and_a_paused_consumer_lose_and_double_nothing(
    stack: ServiceStack,
) -> None:
    faults = [Fault("kill", "payments"), Fault("pause", "payments")]
    trials = await run_trials(ChaosStack.borrowing(stack), faults, SEED, load_s=2.0)
    totals = Totals.of(trials)
    assert totals.clean, details(trials)
    assert totals.trials == 2
    assert all(t.grants > 0 for t in trials)  # money moved while the fault was on
    assert trials[0].moments[0].startswith("killed")
    assert [m.split()[0] for m in trials[1].moments] == ["paused", "resumed"]


@pytest.mark.slow
@pytest.mark.timeout(120)
async def test_the_checks_see_what_was_lost_doubled_or_broken(stack: ServiceStack) -> None:
    api = Client(stack.settings, stack.urls)
    try:
        load = Load(api, "selfcheck")
        await load.prepare()
        assert not await settled(api, load.ledger)
        ledger = load.ledger
        [application_id] = ledger.drafts
        forgotten = dataclasses.replace(
            ledger,
            # The test "acknowledged" an organisation that does not exist, and
            # forgets a draft that does: one lost effect, one doubled.
            organisations={**ledger.organisations, ledger.call_id: "sme-nobody"},
            drafts={},
            decisions={},
            signed=set(),
            disbursed={"4d0f3c1e-0000-4000-8000-000000000000": 1},
        )
        found = await effects_and_money(api, forgotten)
    finally:
        await api.aclose()
    kinds = {kind for kind, _ in found.items}
    assert kinds == {LOST, DOUBLED, BROKEN}, found.items
    assert any(application_id in what for _, what in found.items)
