"""A small demo programme played through the public APIs of four service
processes, each restarted in the middle of the flow (three of them killed
outright), then checked from the outside: nothing lost or doubled, the
reporting figures against expectations computed from what the test sent and
was answered, the whole story of one grant in both the services and the audit
trail, and one trace followed from a command in applications into payments."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from cascade.demo.cast import AUDITOR, FINANCE, MANAGER, Played
from cascade.demo.client import Cascade, Json
from cascade.demo.play import Player
from cascade.demo.population import Population, generate
from cascade.demo.report import EVENT_OWNERS, caught_up, feed, feed_size
from tests.support.stack import ServiceStack

SMES = 30
# After which phase which service goes down, and how.
RESTARTS = {
    "programme and calls": ("calls", signal.SIGTERM),  # across the calls' opening instant
    "organisations register": ("applications", signal.SIGKILL),
    "agreements": ("payments", signal.SIGKILL),  # while grants are being awarded
    "instalments on signature": ("reporting", signal.SIGKILL),
}


@dataclass
class Programme:
    api: Cascade
    population: Population
    played: Played
    restarted: list[str]

    async def applications(self) -> list[Json]:
        found: list[Json] = []
        for call_id in (self.played.ranked_call_id, self.played.voucher_call_id):
            found += await self.api.items(
                "applications", MANAGER, "/v1/applications", call_id=call_id
            )
        return found

    async def grants(self) -> list[Json]:
        found: list[Json] = []
        for call_id in (self.played.ranked_call_id, self.played.voucher_call_id):
            found += await self.api.items("payments", FINANCE[0], "/v1/grants", call_id=call_id)
        return found


@pytest.fixture(scope="module")
async def programme(stack: ServiceStack) -> AsyncIterator[Programme]:
    api = Cascade(stack.settings, stack.urls)
    population = generate(SMES, seed=11, run="e2e")
    restarted: list[str] = []

    async def restart_after(phase: str) -> None:
        if phase in RESTARTS:
            service, how = RESTARTS[phase]
            await asyncio.to_thread(stack.restart, service, how)
            restarted.append(service)

    played = await Player(api, population, "e2e").play(restart_after)
    await caught_up(api, api.event_ids)
    yield Programme(api, population, played, restarted)
    await api.aclose()


async def test_restarting_every_service_mid_flow_loses_and_doubles_nothing(
    programme: Programme,
) -> None:
    played = programme.played
    assert programme.restarted == ["calls", "applications", "payments", "reporting"]
    grants = await programme.grants()
    # One grant per contracted application: none missing, none awarded twice.
    assert sorted(g["application_id"] for g in grants) == sorted(played.contracted)
    assert {i["status"] for g in grants for i in g["instalments"]} == {"paid"}
    assert sum(i["amount_cents"] for g in grants for i in g["instalments"]) == played.paid_cents
    # Reporting applied each source's events exactly once: its count equals the feed's.
    sources = (await programme.api.get("reporting", AUDITOR, "/v1/watermarks"))["sources"]
    for service in EVENT_OWNERS:
        assert sources[service]["events_applied"] == await feed_size(programme.api, service)


async def test_reporting_figures_agree_with_what_was_sent_and_answered(
    programme: Programme,
) -> None:
    played, population = programme.played, programme.population
    report = await programme.api.get(
        "reporting", MANAGER, f"/v1/reports/programmes/{played.programme_id}"
    )
    applications = await programme.applications()
    contracted = [a for a in applications if a["status"] == "contracted"]
    assert sorted(a["id"] for a in contracted) == sorted(played.contracted)
    lead_country = {played.organisations[n]: sme.country for n, sme in enumerate(population.smes)}

    assert {s: n for s, n in report["applications"].items() if n} == Counter(
        a["status"] for a in applications
    )
    assert report["applications_submitted"] == sum(a["status"] != "draft" for a in applications)
    assert report["smes_supported"] == len({a["lead_organisation_id"] for a in contracted})
    assert report["support_actions"] == len(contracted)
    assert report["committed_cents"] == sum(a["amount_cents"] for a in contracted)
    assert report["paid_cents"] == played.paid_cents
    assert report["recovered_cents"] == played.recovered_cents == 5_000_00
    by_country = Counter(lead_country[a["lead_organisation_id"]] for a in contracted)
    assert {
        c: line["contracted"] for c, line in report["by_country"].items() if line["contracted"]
    } == by_country
    by_kind = Counter(
        "green_voucher" if a["call_id"] == played.voucher_call_id else "innovation_voucher"
        for a in contracted
    )
    assert {
        k: line["contracted"] for k, line in report["by_call_kind"].items() if line["contracted"]
    } == by_kind
    # The voucher call: first come, first served, one voucher each.
    vouchers = [a for a in contracted if a["call_id"] == played.voucher_call_id]
    assert {a["amount_cents"] for a in vouchers} == {10_000_00}


STORY = [
    "applications.ApplicationDrafted",
    "applications.ApplicationSubmitted",
    "applications.EligibilityAssessed",
    "applications.EvaluatorAssigned",
    "applications.EvaluationSubmitted",
    "applications.ApplicationRanked",
    "applications.ApplicationSelected",
    "applications.ApplicationContracted",
    "payments.GrantAwarded",
    "payments.InstalmentDue",
    "payments.PaymentOrdered",
    "payments.PaymentApproved",
    "payments.PaymentDisbursed",
    "payments.ReportSubmitted",
    "payments.ReportApproved",
    "payments.InstalmentDue",
    "payments.PaymentOrdered",
    "payments.PaymentApproved",
    "payments.PaymentDisbursed",
]


async def test_the_story_of_one_grant_from_call_to_final_payment(programme: Programme) -> None:
    played, api = programme.played, programme.api
    [grant, *_] = [g for g in await programme.grants() if g["call_id"] == played.ranked_call_id]
    application = await api.get(
        "applications", MANAGER, f"/v1/applications/{grant['application_id']}"
    )
    assert application["status"] == "contracted"
    assert [(i["trigger"], i["status"]) for i in grant["instalments"]] == [
        ("on_signature", "paid"),
        ("on_report_approved", "paid"),
    ]
    assert sum(i["amount_cents"] for i in grant["instalments"]) == grant["amount_cents"]

    trail = (
        await api.get(
            "reporting", AUDITOR, f"/v1/audit/trail/applications/{grant['application_id']}"
        )
    )["items"]
    types = [e["type"] for e in trail]
    assert _in_order(STORY, types), types
    assert {
        e["payload"].get("application_id") for e in trail if e["type"].startswith("payments.")
    } == {grant["application_id"]}
    disbursed = [e for e in trail if e["type"] == "payments.PaymentDisbursed"]
    assert sum(_amount(e) for e in disbursed) == grant["amount_cents"]


async def test_one_trace_runs_from_signing_in_applications_to_the_payments_handler(
    programme: Programme,
    stack: ServiceStack,
) -> None:
    application_id, trace_id = next(iter(programme.played.sign_traces.items()))
    handled = [
        e
        for e in stack.log_entries("payments")
        if e.get("event_type") == "applications.ApplicationContracted"
        and e.get("trace_id") == trace_id
    ]
    assert len(handled) == 1, f"payments never logged trace {trace_id} handling the contract"
    awarded = [
        e
        for e in await feed(programme.api, "payments")
        if e["type"] == "payments.GrantAwarded" and e["payload"]["application_id"] == application_id
    ]
    assert len(awarded) == 1
    assert awarded[0]["traceparent"].split("-")[1] == trace_id


def _in_order(expected: list[str], seen: list[str]) -> bool:
    """`expected` is a subsequence of `seen`."""
    remaining = iter(seen)
    return all(any(t == s for s in remaining) for t in expected)


def _amount(envelope: dict[str, Any]) -> int:
    return int(envelope["payload"]["amount_cents"])
