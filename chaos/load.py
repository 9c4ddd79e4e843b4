"""The steady load of a trial, through the public APIs only: SMEs registering,
drafting, submitting to a first-come-first-served call and signing; finance
officers paying what falls due under the four-eyes rule; a programme manager
drafting calls. Every definite answer is written down (`Ledger`) so that the
checks afterwards know what each service acknowledged."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from chaos.client import Client, Json, Unanswered

MANAGER = ("chaos-pm", "programme_manager")
ORDERER = ("chaos-fo-a", "finance_officer")
APPROVER = ("chaos-fo-b", "finance_officer")
AUDITOR = ("chaos-auditor", "auditor")
GRANT_CENTS = 10_000_00
FUNDED = 6  # vouchers a trial's call can pay: later submissions wait in reserve
DRAFT_CALL_CENTS = 1_000_00
APPLICANT_WORKERS = 3


@dataclass
class Ledger:
    """What the services acknowledged (2xx) during one trial, by effect."""

    programme_id: str = ""
    call_id: str = ""
    calls: set[str] = field(default_factory=set)  # the trial's call and the drafted ones
    organisations: dict[str, str] = field(default_factory=dict)  # id -> the applicant's sub
    drafts: dict[str, str] = field(default_factory=dict)  # application id -> lead sub
    decisions: dict[str, str] = field(default_factory=dict)  # application id -> status
    signed: set[str] = field(default_factory=set)
    disbursed: dict[str, int] = field(default_factory=dict)  # instalment id -> cents
    refused: list[str] = field(default_factory=list)  # answers the load did not expect


def call_body(programme_id: str, code: str, budget_cents: int) -> Json:
    # Opened on publishing (its opening instant has passed), closing hours later.
    now = datetime.now(UTC)
    return {
        "programme_id": programme_id,
        "code": code,
        "title": "Chaos vouchers",
        "kind": "green_voucher",
        "selection_mode": "first_come_first_served",
        "budget_cents": budget_cents,
        "max_grant_cents": GRANT_CENTS,
        "min_grant_cents": GRANT_CENTS,
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(hours=6)).isoformat(),
        "objectives": ["adopt"],
        "instalments": [{"label": "All", "percent": 100, "trigger": "on_signature"}],
    }


class Load:
    """One trial's programme, call and workers."""

    def __init__(self, client: Client, trial: str) -> None:
        self.api, self.trial = client, trial
        self.ledger = Ledger()
        self._journeys = 0
        self._paying: set[str] = set()

    async def prepare(self) -> None:
        """The trial's programme and open call, known to applications (a first
        draft accepted) before the load and the fault begin."""
        programme = await self._must(
            "calls",
            MANAGER,
            "/v1/programmes",
            {
                "code": f"CHAOS-{self.trial}",
                "name": f"Chaos trial {self.trial}",
                "currency": "EUR",
                "budget_cents": 1_000_000_000_00,
                "objectives": ["adopt"],
            },
        )
        self.ledger.programme_id = programme["id"]
        call = await self._must(
            "calls",
            MANAGER,
            "/v1/calls",
            call_body(programme["id"], f"V-{self.trial}", FUNDED * GRANT_CENTS),
        )
        self.ledger.call_id = call["id"]
        self.ledger.calls.add(call["id"])
        await self._must("calls", MANAGER, f"/v1/calls/{call['id']}/publish")
        await self._journey(0, patient=True)

    async def run(self, stop: asyncio.Event) -> None:
        """Every worker until `stop` is set; each finishes what it had started."""
        await asyncio.gather(
            *(self._applicant(w, stop) for w in range(APPLICANT_WORKERS)),
            self._finance(stop),
            self._manager(stop),
        )

    async def pay_remaining(self) -> None:
        """Pay what fell due after the load stopped, so the books can be compared."""
        await self._pay_due()

    # --- workers --------------------------------------------------------------------

    async def _applicant(self, worker: int, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._journey(worker)
            except Unanswered as exc:
                self.ledger.refused.append(str(exc))

    async def _journey(self, worker: int, *, patient: bool = False) -> None:
        """One SME: an organisation, a draft, a submission, a signature if selected."""
        self._journeys += 1
        sub = f"sme-{self.trial}-{worker}-{self._journeys}"
        who = (sub, "applicant")
        organisation = await self._ok(
            "applications",
            who,
            "/v1/organisations",
            {
                "name": f"SME {sub}",
                "country": "IT",
                "size": "small",
                "pic": f"{uuid.uuid4().int % 10**9:09d}",
                "registered_on": "2020-01-15",
                "tags": [],
            },
        )
        if organisation is None:
            return
        self.ledger.organisations[organisation["id"]] = sub
        draft_body = {
            "call_id": self.ledger.call_id,
            "lead_organisation_id": organisation["id"],
            "partner_organisation_ids": [],
            "title": "Cleaner painting line",
            "summary": "Water-based paints",
            "requested_cents": GRANT_CENTS,
            "trl": 6,
            "objectives": ["adopt"],
        }
        draft = await self._draft(who, draft_body, patient)
        if draft is None:
            return
        self.ledger.drafts[draft["id"]] = sub
        submitted = await self.api.command(
            "applications", who, f"/v1/applications/{draft['id']}/submit"
        )
        decided = submitted.body.get("application", submitted.body)
        if submitted.status not in (200, 409) or "status" not in decided:
            self.ledger.refused.append(f"submit {submitted.status} {submitted.body}")
            return
        self.ledger.decisions[draft["id"]] = decided["status"]
        if decided["status"] == "selected":
            signed = await self._ok("applications", who, f"/v1/applications/{draft['id']}/sign")
            if signed is not None:
                self.ledger.signed.add(draft["id"])

    async def _draft(self, who: tuple[str, str], body: Json, patient: bool) -> Json | None:
        """A draft; the first of a trial waits for the call to reach applications."""
        for _ in range(300 if patient else 1):
            answer = await self.api.command("applications", who, "/v1/applications", body)
            if answer.ok:
                return answer.body
            await asyncio.sleep(0.2)
        self.ledger.refused.append(f"draft {answer.status} {answer.body}")
        return None

    async def _finance(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._pay_due()
            except (Unanswered, RuntimeError) as exc:
                self.ledger.refused.append(str(exc))
            await asyncio.sleep(0.3)

    async def _pay_due(self) -> None:
        grants = await self.api.items(
            "payments", ORDERER, "/v1/grants", call_id=self.ledger.call_id
        )
        due = [
            i
            for grant in grants
            for i in grant["instalments"]
            if i["status"] == "due" and i["id"] not in self._paying
        ]
        for instalment in due:
            self._paying.add(instalment["id"])
            await self._pay(instalment)

    async def _pay(self, instalment: Json) -> None:
        order = await self._ok(
            "payments", ORDERER, f"/v1/instalments/{instalment['id']}/payment-orders"
        )
        if order is None:
            return
        if await self._ok("payments", APPROVER, f"/v1/payment-orders/{order['id']}/approve"):
            reference = {"bank_reference": f"SEPA-{order['id'][-12:].upper()}"}
            done = await self._ok(
                "payments", ORDERER, f"/v1/payment-orders/{order['id']}/disbursed", reference
            )
            if done is not None:
                self.ledger.disbursed[instalment["id"]] = instalment["amount_cents"]

    async def _manager(self, stop: asyncio.Event) -> None:
        drafted = 0
        while not stop.is_set():
            drafted += 1
            body = call_body(
                self.ledger.programme_id, f"D-{self.trial}-{drafted}", DRAFT_CALL_CENTS
            )
            call = await self._ok("calls", MANAGER, "/v1/calls", body)
            if call is not None:
                self.ledger.calls.add(call["id"])
            await asyncio.sleep(0.5)

    async def _must(
        self, service: str, who: tuple[str, str], path: str, body: Json | None = None
    ) -> Json:
        answer = await self.api.command(service, who, path, body)
        if not answer.ok:
            raise RuntimeError(f"setting up the trial: {path}: {answer.status} {answer.body}")
        return answer.body

    async def _ok(
        self, service: str, who: tuple[str, str], path: str, body: Json | None = None
    ) -> Json | None:
        """The command's body when acknowledged; a refusal is noted, not raised."""
        try:
            answer = await self.api.command(service, who, path, body)
        except Unanswered as exc:
            self.ledger.refused.append(str(exc))
            return None
        if not answer.ok:
            self.ledger.refused.append(f"{path}: {answer.status} {answer.body.get('code')}")
            return None
        return answer.body
