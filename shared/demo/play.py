"""`cascade demo`: a programme played through the public APIs, as its people would.

A programme manager sets up a METASTARS-like programme with a ranked
innovation call and a first-come-first-served voucher call; SMEs register and
apply (some late, some ineligible, one withdrawing); evaluators with declared
conflicts score; the manager ranks and selects; one winner declines and a
reserve is promoted; the winners sign; finance officers pay the instalments
under the four-eyes rule (one payment fails and is ordered again); final
reports are approved; one recovery is ordered and received. Every step is an
HTTP command; the services agree with each other only through their events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from rich.progress import Progress

from shared.demo.client import Cascade, DemoError, Json, Person, until
from shared.demo.population import OBJECTIVES, Population, Proposal

T = TypeVar("T")
EUR = 100
MANAGER = Person("pm-ada", ("programme_manager",))
FINANCE = (Person("fo-bruno", ("finance_officer",)), Person("fo-chiara", ("finance_officer",)))
AUDITOR = Person("auditor-ines", ("auditor",))
EVALUATOR_NAMES = ("dana", "emil", "farah", "goran", "hana")
VOUCHER_CENTS = 10_000 * EUR
VOUCHERS_FUNDED = 20
EU_ELIGIBLE = ["AT", "BE", "CZ", "DE", "ES", "FR", "GR", "IT", "NL", "PL", "PT", "SE"]
CONCURRENCY = 8


@dataclass
class Played:
    """What the demo did and what the services answered: the ids, and the facts
    a report must agree with."""

    programme_id: str = ""
    ranked_call_id: str = ""
    voucher_call_id: str = ""
    organisations: list[str] = field(default_factory=list)
    ranked: dict[int, Json] = field(default_factory=dict)  # proposal index -> application
    vouchers: dict[int, Json] = field(default_factory=dict)
    late_refused: bool = False
    assignments_declined: int = 0
    declined: list[str] = field(default_factory=list)
    contracted: list[str] = field(default_factory=list)
    sign_traces: dict[str, str] = field(default_factory=dict)  # application -> trace id
    grants: list[Json] = field(default_factory=list)
    paid_cents: int = 0
    failed_payments: int = 0
    recovered_cents: int = 0
    timings: dict[str, float] = field(default_factory=dict)


class Player:
    def __init__(self, cascade: Cascade, population: Population, run: str,
                 progress: Progress | None = None):
        self.api = cascade
        self.people = population
        self.run = run  # tells this run's calls and evaluators from earlier runs'
        # The evaluators are the programme's standing pool: the same people in every run.
        self.evaluators = tuple(Person(f"ev-{name}", ("evaluator",)) for name in EVALUATOR_NAMES)
        self.played = Played()
        self._progress = progress
        self._limit = asyncio.Semaphore(CONCURRENCY)

    # --- the whole story ---------------------------------------------------------------

    async def play(self, after_phase: Callable[[str], Awaitable[None]] | None = None) -> Played:
        """Every phase in order; `after_phase(name)` runs after each (the end-to-end
        tests restart services there)."""
        phases: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            ("programme and calls", self.set_up_programme),
            ("organisations register", self.register_organisations),
            ("ranked call: applications", self.apply_to_ranked_call),
            ("voucher call: first come, first served", self.apply_for_vouchers),
            ("deadline", self.close_ranked_call),
            ("evaluation", self.evaluate),
            ("ranking and selection", self.rank_and_select),
            ("agreements", self.sign_agreements),
            ("instalments on signature", self.pay_due_instalments),
            ("final reports", self.approve_final_reports),
            ("final instalments", self.pay_due_instalments),
            ("a recovery", self.recover),
        ]
        task = self._progress.add_task("playing", total=len(phases)) if self._progress else None
        for name, phase in phases:
            if self._progress is not None and task is not None:
                self._progress.update(task, description=name)
            started = asyncio.get_running_loop().time()
            await phase()
            self.played.timings[name] = asyncio.get_running_loop().time() - started
            if after_phase is not None:
                await after_phase(name)
            if self._progress is not None and task is not None:
                self._progress.advance(task)
        return self.played

    # --- programme manager: the programme and its calls ---------------------------------

    async def set_up_programme(self) -> None:
        tag = self.run
        programme = await self.api.post("calls", MANAGER, "/v1/programmes", {
            "code": f"METASTARS-{tag}", "currency": "EUR",
            "name": "METAcluster Support Towards a more resilient AeRospace and defence ecosystem",
            "budget_cents": 2_000_000 * EUR, "objectives": list(OBJECTIVES),
            "per_beneficiary_cap_cents": 60_000 * EUR,
            "de_minimis": {"ceiling_cents": 300_000 * EUR, "window_years": 3}})
        self.played.programme_id = programme["id"]
        opens = datetime.now(UTC) + timedelta(seconds=2)
        closes = opens + timedelta(hours=2)  # the manager closes it early once all are in
        ranked = await self.api.post("calls", MANAGER, "/v1/calls", {
            **_call_common(programme["id"], opens, closes),
            "code": f"IP-LOW-{tag}", "kind": "innovation_voucher", "selection_mode": "ranked",
            "title": "Innovative projects at low technology readiness levels",
            "budget_cents": 400_000 * EUR, "max_grant_cents": 60_000 * EUR,
            "min_grant_cents": 20_000 * EUR, "planned_awards": 8,
            "objectives": ["innovate", "adopt", "go_international"],
            "eligibility": [*_eu_sme_rules(), {"type": "trl_between", "min": 3, "max": 5},
                            {"type": "one_award_per_beneficiary_in_programme"}],
            "criteria": [
                {"code": "excellence", "title": "Excellence", "weight": 4, "max_score": 5,
                 "threshold": 2.5},
                {"code": "impact", "title": "Impact", "weight": 3, "max_score": 5,
                 "threshold": 2.5},
                {"code": "implementation", "title": "Quality of implementation", "weight": 3,
                 "max_score": 5, "threshold": 2}],
            "pass_threshold": 3.2, "evaluators_per_application": 2,
            "instalments": [
                {"label": "Pre-financing on signature", "percent": 70, "trigger": "on_signature"},
                {"label": "Balance after the final report", "percent": 30,
                 "trigger": "on_report_approved"}]})
        vouchers = await self.api.post("calls", MANAGER, "/v1/calls", {
            **_call_common(programme["id"], opens, closes),
            "code": f"GV-{tag}", "kind": "green_voucher", "selection_mode": "first_come_first_served",
            "title": "Green vouchers: adopt cleaner processes",
            "budget_cents": VOUCHERS_FUNDED * VOUCHER_CENTS, "max_grant_cents": VOUCHER_CENTS,
            "min_grant_cents": VOUCHER_CENTS, "planned_awards": VOUCHERS_FUNDED,
            "objectives": ["adopt"], "eligibility": _eu_sme_rules(), "criteria": [],
            "pass_threshold": 0, "evaluators_per_application": 1,
            "instalments": [{"label": "Voucher on signature", "percent": 100,
                             "trigger": "on_signature"}]})
        self.played.ranked_call_id, self.played.voucher_call_id = ranked["id"], vouchers["id"]
        for call in (ranked, vouchers):
            await self.api.post("calls", MANAGER, f"/v1/calls/{call['id']}/publish")

        async def both_open() -> bool:
            states = [(await self.api.get("calls", MANAGER, f"/v1/calls/{c['id']}"))["status"]
                      for c in (ranked, vouchers)]
            return states == ["open", "open"]
        await until(both_open, "the calls to open")

    # --- SMEs: organisations and applications ----------------------------------------------

    async def register_organisations(self) -> None:
        async def register(n: int) -> str:
            sme = self.people.smes[n]
            created = await self.api.post("applications", _applicant(sme.sub), "/v1/organisations",
                                          sme.body())
            return str(created["id"])
        self.played.organisations = await self._each(register, range(len(self.people.smes)))

    async def apply_to_ranked_call(self) -> None:
        call_id = self.played.ranked_call_id
        on_time = [(n, p) for n, p in enumerate(self.people.ranked) if p.fate != "late"]

        async def apply(item: tuple[int, Proposal]) -> None:
            n, proposal = item
            draft = await self._draft(call_id, proposal)
            submitted = await self._submit(draft, proposal)
            if proposal.fate == "withdraw":
                submitted = await self.api.post(
                    "applications", self._lead(proposal),
                    f"/v1/applications/{draft['id']}/withdraw")
            self.played.ranked[n] = submitted
        await self._each(apply, on_time)

    async def apply_for_vouchers(self) -> None:
        call_id = self.played.voucher_call_id
        drafts = await self._each(lambda p: self._draft(call_id, p), self.people.vouchers)

        async def submit(item: tuple[int, Json]) -> None:
            n, draft = item
            proposal = self.people.vouchers[n]
            answer = await self.api.send(
                "applications", self._lead(proposal), "POST",
                f"/v1/applications/{draft['id']}/submit", {}, expect=(200, 409))
            body = answer.json()
            self.played.vouchers[n] = body.get("application", body) if answer.status_code == 409 \
                else body
        # All at once, as a voucher call's opening morning looks.
        await asyncio.gather(*(submit(item) for item in enumerate(drafts)))

    async def close_ranked_call(self) -> None:
        call_id = self.played.ranked_call_id
        await self.api.post("calls", MANAGER, f"/v1/calls/{call_id}/close",
                            {"reason": "all expected proposals are in"})
        [late] = [p for p in self.people.ranked if p.fate == "late"]
        draft = await self._draft(call_id, late, must_accept=False)
        if draft:
            answer = await self.api.send("applications", self._lead(late), "POST",
                                         f"/v1/applications/{draft['id']}/submit", {},
                                         expect=(200, 409))
            self.played.late_refused = answer.json().get("code") == "call_closed"

    # --- evaluation, ranking, selection -------------------------------------------------------

    async def evaluate(self) -> None:
        call_id = self.played.ranked_call_id
        conflicted = self.played.organisations[self.people.ranked[0].lead]
        for n, evaluator in enumerate(self.evaluators):
            conflicts = [conflicted] if n == 0 else []
            answer = await self.api.send("applications", MANAGER, "POST", "/v1/evaluators", {
                "sub": evaluator.sub, "name": f"Dr {EVALUATOR_NAMES[n].title()}",
                "conflicts": conflicts}, expect=(201, 409))
            if answer.status_code == 409:  # registered by an earlier run: declare anew
                if answer.json().get("code") != "evaluator_exists":
                    raise DemoError(f"evaluator refused: {answer.text[:300]}")
                for organisation_id in conflicts:
                    await self.api.post(
                        "applications", MANAGER,
                        f"/v1/evaluators/{answer.json()['evaluator_id']}/conflicts",
                        {"organisation_id": organisation_id})
        await until(lambda: self._assign(call_id), "the call's closing to reach applications")
        by_application = {a["id"]: n for n, a in self.played.ranked.items()}
        given: dict[str, int] = {}
        declined_one = False
        # Evaluators work through their lists; a decline assigns someone else, so
        # go round until nobody has an open assignment left.
        while True:
            progress = False
            for evaluator in self.evaluators:
                for item in await self.api.items("applications", evaluator, "/v1/me/assignments"):
                    # The pool also evaluates other calls (earlier runs' among them).
                    if item["state"] not in ("assigned", "accepted") or item["call_id"] != call_id:
                        continue
                    progress = True
                    if item["state"] == "assigned" and not declined_one and evaluator == self.evaluators[1]:
                        declined_one = True
                        self.played.assignments_declined += 1
                        await self.api.post("applications", evaluator,
                                            f"/v1/assignments/{item['id']}/decline",
                                            {"reason": "a former colleague leads the consortium"})
                        continue
                    if item["state"] == "assigned":
                        await self.api.post("applications", evaluator,
                                            f"/v1/assignments/{item['id']}/accept",
                                            {"no_conflict": True})
                    application_id = item["application_id"]
                    k = given.get(application_id, 0)
                    given[application_id] = k + 1
                    excellence, impact, implementation = \
                        self.people.scores[by_application[application_id]][k % 2]
                    await self.api.post("applications", evaluator,
                                        f"/v1/applications/{application_id}/evaluations",
                                        {"scores": {"excellence": excellence, "impact": impact,
                                                    "implementation": implementation},
                                         "comment": "Clear work plan; realistic budget."})
            if not progress:
                return

    async def rank_and_select(self) -> None:
        call_id = self.played.ranked_call_id
        await self.api.post("applications", MANAGER, f"/v1/calls/{call_id}/ranking")
        await self.api.post("applications", MANAGER, f"/v1/calls/{call_id}/selection")

    async def sign_agreements(self) -> None:
        """The first winner of the ranked call declines (a reserve is promoted);
        every other selected application is signed, the promoted ones too."""
        for call_id in (self.played.ranked_call_id, self.played.voucher_call_id):
            while selected := await self.api.items("applications", MANAGER, "/v1/applications",
                                                   call_id=call_id, status="selected"):
                for application in selected:
                    who = _applicant(self._sub_of_org(application["lead_organisation_id"]))
                    if call_id == self.played.ranked_call_id and not self.played.declined:
                        await self.api.post("applications", who,
                                            f"/v1/applications/{application['id']}/decline",
                                            {"reason": "we merged with another cluster member"})
                        self.played.declined.append(application["id"])
                        break
                    signed = await self.api.send("applications", who, "POST",
                                                 f"/v1/applications/{application['id']}/sign", {})
                    self.played.contracted.append(application["id"])
                    self.played.sign_traces[application["id"]] = \
                        signed.request.headers["traceparent"].split("-")[1]

    # --- finance: grants, four-eyes payments, reports, a recovery -------------------------

    async def grants(self) -> list[Json]:
        found: list[Json] = []
        for call_id in (self.played.ranked_call_id, self.played.voucher_call_id):
            found += await self.api.items("payments", FINANCE[0], "/v1/grants", call_id=call_id)
        return found

    async def pay_due_instalments(self) -> None:
        async def all_granted() -> bool:
            return len(await self.grants()) >= len(self.played.contracted)
        await until(all_granted, "every contracted application to become a grant", timeout=120)

        async def pay(instalment: Json) -> None:
            orderer, approver = FINANCE
            while True:
                order = await self.api.post("payments", orderer,
                                            f"/v1/instalments/{instalment['id']}/payment-orders")
                await self.api.post("payments", approver, f"/v1/payment-orders/{order['id']}/approve")
                if not self.played.failed_payments:
                    self.played.failed_payments += 1
                    await self.api.post("payments", orderer, f"/v1/payment-orders/{order['id']}/failed",
                                        {"reason": "beneficiary IBAN closed; new one on file"})
                    continue
                await self.api.post("payments", orderer, f"/v1/payment-orders/{order['id']}/disbursed",
                                    {"bank_reference": f"SEPA-{order['id'][-12:].upper()}"})
                self.played.paid_cents += instalment["amount_cents"]
                return

        due = [i for grant in await self.grants() for i in grant["instalments"]
               if i["status"] == "due"]
        await self._each(pay, due)
        self.played.grants = await self.grants()

    async def approve_final_reports(self) -> None:
        with_balance = [g for g in await self.grants()
                        if any(i["trigger"] == "on_report_approved" for i in g["instalments"])]

        async def report(grant: Json) -> None:
            who = _applicant(self._sub_of_org(grant["organisation_id"]))
            submitted = await self.api.post("payments", who, f"/v1/grants/{grant['id']}/reports",
                                            {"summary": "Prototype built and tested at TRL 5."})
            await self.api.post("payments", MANAGER,
                                f"/v1/grants/{grant['id']}/reports/{submitted['id']}/approve")
        await self._each(report, with_balance)

        async def balances_due() -> bool:
            return all(i["status"] != "scheduled" for g in await self.grants()
                       for i in g["instalments"] if g["id"] in {w["id"] for w in with_balance})
        await until(balances_due, "the final instalments to fall due")

    async def recover(self) -> None:
        amount = 5_000 * EUR
        # Preferably a project of the ranked call; any grant paid enough will do.
        grants = sorted(await self.grants(),
                        key=lambda g: g["call_id"] != self.played.ranked_call_id)
        grant = next(g for g in grants
                     if sum(i["amount_cents"] for i in g["instalments"]
                            if i["status"] == "paid") >= amount)
        recovery = await self.api.post("payments", FINANCE[0], f"/v1/grants/{grant['id']}/recoveries",
                                       {"amount_cents": amount,
                                        "reason": "travel costs outside the action's period"})
        await self.api.post("payments", FINANCE[1], f"/v1/recoveries/{recovery['id']}/received")
        self.played.recovered_cents += amount
        self.played.grants = await self.grants()

    # --- helpers --------------------------------------------------------------------------

    async def _each(self, act: Callable[[T], Awaitable[Any]], items: Iterable[T]) -> list[Any]:
        async def limited(item: T) -> Any:
            async with self._limit:
                return await act(item)
        return list(await asyncio.gather(*(limited(i) for i in items)))

    def _lead(self, proposal: Proposal) -> Person:
        return _applicant(self.people.smes[proposal.lead].sub)

    def _sub_of_org(self, organisation_id: str) -> str:
        return self.people.smes[self.played.organisations.index(organisation_id)].sub

    async def _draft(self, call_id: str, proposal: Proposal, *, must_accept: bool = True) -> Json:
        organisations = self.played.organisations
        answer = await self.api.send("applications", self._lead(proposal), "POST", "/v1/applications", {
            "call_id": call_id, "lead_organisation_id": organisations[proposal.lead],
            "partner_organisation_ids": [organisations[p] for p in proposal.partners],
            "title": proposal.title, "summary": "A cluster SME's project for the programme.",
            "requested_cents": proposal.requested_cents, "trl": proposal.trl,
            "objectives": list(proposal.objectives)}, expect=(201,) if must_accept else (201, 409))
        body: Json = answer.json()
        return body if answer.status_code == 201 else {}

    async def _submit(self, draft: Json, proposal: Proposal) -> Json:
        answer = await self.api.send("applications", self._lead(proposal), "POST",
                                     f"/v1/applications/{draft['id']}/submit", {})
        body: Json = answer.json()
        return body

    async def _assign(self, call_id: str) -> bool:
        """Assign the evaluators; False while applications has not yet heard that
        the call closed."""
        answer = await self.api.send("applications", MANAGER, "POST",
                                     f"/v1/calls/{call_id}/assignments", {},
                                     expect=(200, 201, 409))
        if answer.status_code == 409 and answer.json().get("code") != "call_not_closed":
            raise DemoError(f"assignments refused: {answer.text[:300]}")
        return answer.status_code != 409


def _applicant(sub: str) -> Person:
    return Person(sub, ("applicant",))


def _eu_sme_rules() -> list[Json]:
    return [{"type": "applicant_country_in", "countries": EU_ELIGIBLE},
            {"type": "applicant_size_in", "sizes": ["micro", "small", "medium"]}]


def _call_common(programme_id: str, opens: datetime, closes: datetime) -> Json:
    return {"programme_id": programme_id, "opens_at": opens.isoformat(),
            "closes_at": closes.isoformat(), "counts_as_de_minimis": True}


__all__ = ["DemoError", "Played", "Player"]
