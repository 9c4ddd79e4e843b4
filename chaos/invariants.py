"""What must hold after a trial, checked from outside through the public APIs
(and, for dead letters, what `cascade dlq list` reads): each finding is lost (an
acknowledged effect missing), doubled (an effect more than once) or an
invariant break (services disagreeing about money, a broken history, a dead
letter nobody explained)."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from chaos.client import Client, Json
from chaos.load import AUDITOR, FUNDED, MANAGER, ORDERER, Ledger
from shared.deadletter import list_dead_letters
from shared.settings import Settings

LOST, DOUBLED, BROKEN = "lost", "doubled", "invariant"
SETTLE_S = 90.0  # how long the services get to agree once the fault is over
UNRESOLVED = re.compile(r"^(\d+) unresolved")


@dataclass
class Findings:
    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, kind: str, what: str) -> None:
        self.items.append((kind, what))

    def count(self, kind: str) -> int:
        return sum(k == kind for k, _ in self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


async def settled(api: Client, ledger: Ledger) -> Findings:
    """The effects and the money, once they stop changing (or SETTLE_S passed)."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        findings = await effects_and_money(api, ledger)
        if not findings or time.monotonic() > deadline:
            return findings
        await asyncio.sleep(1.0)


async def effects_and_money(api: Client, ledger: Ledger) -> Findings:
    found = Findings()
    await _organisations(api, ledger, found)
    listed = await api.items("applications", MANAGER, "/v1/applications", call_id=ledger.call_id)
    _applications(ledger, listed, found)
    grants = await api.items("payments", ORDERER, "/v1/grants", call_id=ledger.call_id)
    _grants(ledger, grants, found)
    await _calls(api, ledger, found)
    await _money(api, ledger, grants, found)
    await _report(api, ledger, listed, grants, found)
    return found


async def _organisations(api: Client, ledger: Ledger, found: Findings) -> None:
    for organisation_id, sub in ledger.organisations.items():
        mine = await api.items("applications", (sub, "applicant"), "/v1/me/organisations")
        ids = [o["id"] for o in mine]
        if organisation_id not in ids:
            found.add(LOST, f"organisation {organisation_id} of {sub}")
        if len(ids) > 1:
            found.add(DOUBLED, f"{sub} registered once and has {len(ids)} organisations")


def _applications(ledger: Ledger, listed: list[Json], found: Findings) -> None:
    by_id = {a["id"]: a for a in listed}
    for application_id in ledger.drafts.keys() - by_id.keys():
        found.add(LOST, f"application {application_id} drafted and acknowledged")
    for application_id in by_id.keys() - ledger.drafts.keys():
        found.add(DOUBLED, f"application {application_id} nobody had drafted once more")
    for application_id, status in ledger.decisions.items():
        now = by_id.get(application_id, {}).get("status")
        expected = "contracted" if application_id in ledger.signed else status
        if now != expected:
            found.add(LOST, f"application {application_id} is {now}, acknowledged {expected}")
    receipts = Counter(a["receipt"] for a in listed if a["receipt"] is not None)
    for receipt, times in receipts.items():
        if times > 1:
            found.add(DOUBLED, f"receipt {receipt} given {times} times")
    funded = sum(a["status"] in ("selected", "contracted") for a in listed)
    if funded > FUNDED:
        found.add(BROKEN, f"{funded} applications funded, the budget pays {FUNDED}")


def _grants(ledger: Ledger, grants: list[Json], found: Findings) -> None:
    awarded = Counter(g["application_id"] for g in grants)
    for application_id in ledger.signed - awarded.keys():
        found.add(LOST, f"no grant for the signed application {application_id}")
    for application_id, times in awarded.items():
        if times > 1:
            found.add(DOUBLED, f"{times} grants for application {application_id}")
        elif application_id not in ledger.signed:
            found.add(DOUBLED, f"a grant for {application_id}, never signed")
    orders = Counter(o["instalment_id"] for g in grants for o in g["payment_orders"])
    for instalment_id, times in orders.items():
        if times > 1:  # each instalment is ordered once, and every order is disbursed
            found.add(DOUBLED, f"instalment {instalment_id} ordered {times} times")
    instalments = {i["id"]: i for g in grants for i in g["instalments"]}
    for instalment_id in ledger.disbursed:
        if instalments.get(instalment_id, {}).get("status") != "paid":
            found.add(LOST, f"instalment {instalment_id} disbursed and acknowledged, not paid")


async def _calls(api: Client, ledger: Ledger, found: Findings) -> None:
    listed = await api.items("calls", MANAGER, "/v1/calls", programme_id=ledger.programme_id)
    ids = Counter(c["id"] for c in listed)
    for call_id in ledger.calls - ids.keys():
        found.add(LOST, f"call {call_id} drafted and acknowledged")
    for call_id, times in ids.items():
        if call_id not in ledger.calls or times > 1:
            found.add(DOUBLED, f"call {call_id} listed {times} times, acknowledged once or never")


async def _money(api: Client, ledger: Ledger, grants: list[Json], found: Findings) -> None:
    """Calls' committed = the ledger's = reporting's = the grants'; nothing negative."""
    call = await api.read_ok("calls", MANAGER, f"/v1/calls/{ledger.call_id}")
    books = await api.read("payments", ORDERER, "/v1/ledger", call_id=ledger.call_id)
    report = await api.read("reporting", MANAGER, f"/v1/reports/calls/{ledger.call_id}")
    if call["committed_cents"] > call["budget_cents"]:
        found.add(BROKEN, f"calls: committed {call['committed_cents']} > budget")
    granted = sum(g["committed_cents"] for g in grants)
    paid = sum(ledger.disbursed.values())
    figures = {
        "calls": call["committed_cents"],
        "payments": books.body.get("committed_cents") if books.ok else None,
        "reporting": report.body.get("committed_cents") if report.ok else None,
        "grants": granted,
    }
    if len(set(figures.values())) > 1:
        found.add(BROKEN, f"committed differs: {figures}")
    for who, available in (
        ("calls", call["available_cents"]),
        ("payments", books.body.get("available_cents", 0)),
    ):
        if available < 0:
            found.add(BROKEN, f"{who} shows available {available} cents")
    if books.ok and books.body["paid_cents"] != paid:
        kind = DOUBLED if books.body["paid_cents"] > paid else LOST
        found.add(kind, f"ledger paid {books.body['paid_cents']}, acknowledged {paid}")
    if report.ok and report.body.get("paid_cents") != paid:
        found.add(BROKEN, f"reporting paid {report.body.get('paid_cents')}, acknowledged {paid}")


async def _report(
    api: Client, ledger: Ledger, listed: list[Json], grants: list[Json], found: Findings
) -> None:
    """Reporting counts what the services hold: submissions and grants."""
    report = await api.read("reporting", MANAGER, f"/v1/reports/calls/{ledger.call_id}")
    if not report.ok:
        found.add(BROKEN, f"reporting has no report of the call: {report.status}")
        return
    counted = {k: report.body.get(k) for k in ("applications_submitted", "grants")}
    held = {
        "applications_submitted": sum(a["status"] != "draft" for a in listed),
        "grants": len(grants),
    }
    if counted != held:
        found.add(BROKEN, f"reporting counts {counted}, the services hold {held}")


async def history_intact(api: Client, found: Findings, attempts: int = 5) -> None:
    """`/v1/audit/verify` intact (a source restarting a moment ago gets a retry)."""
    for attempt in range(attempts):
        verdict = await api.read_ok("reporting", AUDITOR, "/v1/audit/verify")
        if verdict["intact"]:
            return
        if attempt < attempts - 1:
            await asyncio.sleep(2.0)
    kinds = Counter(d["kind"] for d in verdict["differences"])
    found.add(BROKEN, f"audit verify not intact: {dict(kinds)}")


async def unresolved_dead_letters(api: Client) -> dict[str, int]:
    """Each consumer's unresolved dead letters, as its `/readyz` tells them."""
    counts: dict[str, int] = {}
    for service in api.services:
        answer = await api.read(service, AUDITOR, "/readyz")
        for name, check in answer.body.get("checks", {}).items():
            if name.startswith("dead_letters.") and (match := UNRESOLVED.match(str(check))):
                counts[name.removeprefix("dead_letters.")] = int(match.group(1))
    return counts


async def no_new_dead_letters(
    api: Client, settings: Settings, before: dict[str, int], found: Findings
) -> dict[str, int]:
    """A dead letter left unresolved by the trial is a finding, with its reason
    as `cascade dlq list` shows it."""
    after = await unresolved_dead_letters(api)
    for consumer, count in after.items():
        if count > before.get(consumer, 0):
            letters = await list_dead_letters(settings, consumer)
            reasons = Counter(f"{d.event_type}: {d.error_type}" for d in letters)
            found.add(BROKEN, f"{consumer}: {count} unresolved dead letter(s): {dict(reasons)}")
    return after
