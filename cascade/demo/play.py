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
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from rich.progress import Progress

from cascade.demo import real_call
from cascade.demo.cast import EVALUATORS, MANAGER, Played, applicant
from cascade.demo.client import Cascade, DemoError, Json, Person, until
from cascade.demo.finance import Finance
from cascade.demo.population import Population, Proposal
from cascade.demo.redress import Redress
from cascade.demo.terms import programme_body, ranked_call_body, voucher_call_body

T = TypeVar("T")
CONCURRENCY = 8


class Player:
    def __init__(
        self, cascade: Cascade, population: Population, run: str, progress: Progress | None = None
    ):
        self.api = cascade
        self.people = population
        self.run = run  # tells this run's calls and evaluators from earlier runs'
        self.played = Played()
        self._progress = progress
        self._limit = asyncio.Semaphore(CONCURRENCY)
        self.finance = Finance(cascade, self.played, self._each, self._sub_of_org)

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
            ("results published", self.publish_results),
            ("review requests", self.review_requests),
            ("agreements", self.sign_agreements),
            ("instalments on signature", self.finance.pay_due_instalments),
            ("final reports", self.finance.approve_final_reports),
            ("final instalments", self.finance.pay_due_instalments),
            ("a recovery", self.finance.recover),
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
        programme = await self.api.post(
            "calls", MANAGER, "/v1/programmes", programme_body(self.run)
        )
        self.played.programme_id, self.played.currency = programme["id"], programme["currency"]
        opens = datetime.now(UTC) + timedelta(seconds=2)
        closes = opens + timedelta(hours=2)  # the manager closes it early once all are in
        ranked = await self.api.post(
            "calls",
            MANAGER,
            "/v1/calls",
            ranked_call_body(programme["id"], self.run, opens, closes),
        )
        vouchers = await self.api.post(
            "calls",
            MANAGER,
            "/v1/calls",
            voucher_call_body(programme["id"], self.run, opens, closes),
        )
        self.played.ranked_call_id, self.played.voucher_call_id = ranked["id"], vouchers["id"]
        for call in (ranked, vouchers):
            await self.api.post("calls", MANAGER, f"/v1/calls/{call['id']}/publish")

        async def both_open() -> bool:
            states = [
                (await self.api.get("calls", MANAGER, f"/v1/calls/{c['id']}"))["status"]
                for c in (ranked, vouchers)
            ]
            return states == ["open", "open"]

        await until(both_open, "the calls to open")

    # --- SMEs: organisations and applications ----------------------------------------------

    async def register_organisations(self) -> None:
        async def register(n: int) -> str:
            sme = self.people.smes[n]
            created = await self.api.post(
                "applications", applicant(sme.sub), "/v1/organisations", sme.body()
            )
            return str(created["id"])

        self.played.organisations = await self._each(register, range(len(self.people.smes)))

    async def apply_to_ranked_call(self) -> None:
        call_id = self.played.ranked_call_id
        on_time = [(n, p) for n, p in enumerate(self.people.ranked) if p.fate != "late"]

        async def apply(item: tuple[int, Proposal]) -> None:
            n, proposal = item
            draft = await self._draft(call_id, proposal)
            if n == on_time[0][0]:
                submitted = await self._refused_for_a_missing_annex(draft, proposal)
            elif n == on_time[2][0]:
                submitted = await self._refused_for_an_invalid_answer(draft, proposal)
            else:
                submitted = await self._submit(draft, proposal)
            if proposal.fate == "withdraw":
                submitted = await self.api.post(
                    "applications", self._lead(proposal), f"/v1/applications/{draft['id']}/withdraw"
                )
            self.played.ranked[n] = submitted

        await self._each(apply, on_time)

    async def apply_for_vouchers(self) -> None:
        call_id = self.played.voucher_call_id
        drafts = await self._each(lambda p: self._draft(call_id, p), self.people.vouchers)
        await self._each(
            lambda item: real_call.declare(
                self.api,
                self._lead(self.people.vouchers[item[0]]),
                item[1]["id"],
                real_call.VOUCHER_DECLARATIONS,
            ),
            enumerate(drafts),
        )

        async def submit(item: tuple[int, Json]) -> None:
            n, draft = item
            proposal = self.people.vouchers[n]
            answer = await self.api.send(
                "applications",
                self._lead(proposal),
                "POST",
                f"/v1/applications/{draft['id']}/submit",
                {},
                expect=(200, 409),
            )
            body = answer.json()
            self.played.vouchers[n] = (
                body.get("application", body) if answer.status_code == 409 else body
            )

        # All at once, as a voucher call's opening morning looks.
        await asyncio.gather(*(submit(item) for item in enumerate(drafts)))

    async def close_ranked_call(self) -> None:
        call_id = self.played.ranked_call_id
        await self.api.post(
            "calls",
            MANAGER,
            f"/v1/calls/{call_id}/close",
            {"reason": "all expected proposals are in"},
        )
        [late] = [p for p in self.people.ranked if p.fate == "late"]
        draft = await self._draft(call_id, late, must_accept=False)
        if draft:
            await self._prepare(draft, late)
            answer = await self.api.send(
                "applications",
                self._lead(late),
                "POST",
                f"/v1/applications/{draft['id']}/submit",
                {},
                expect=(200, 409),
            )
            self.played.late_refused = answer.json().get("code") == "call_closed"
            if answer.status_code == 200:
                # Applications had not yet heard of the early closing (it arrives as an
                # event): the proposal became an application of the call like the
                # others, so it is evaluated with them.
                self.played.ranked[self.people.ranked.index(late)] = answer.json()

    # --- evaluation, ranking, selection -------------------------------------------------------

    async def evaluate(self) -> None:
        call_id = self.played.ranked_call_id
        conflicted = self.played.organisations[self.people.ranked[0].lead]
        panel: list[str] = []
        for n, evaluator in enumerate(EVALUATORS):
            conflicts = [conflicted] if n == 0 else []
            answer = await self.api.send(
                "applications",
                MANAGER,
                "POST",
                "/v1/evaluators",
                {
                    "sub": evaluator.sub,
                    "name": f"Dr {evaluator.sub[3:].title()}",
                    "conflicts": conflicts,
                },
                expect=(201, 409),
            )
            panel.append(answer.json()["evaluator_id" if answer.status_code == 409 else "id"])
            if answer.status_code == 409:  # registered by an earlier run: declare anew
                if answer.json().get("code") != "evaluator_exists":
                    raise DemoError(f"evaluator refused: {answer.text[:300]}")
                for organisation_id in conflicts:
                    await self.api.post(
                        "applications",
                        MANAGER,
                        f"/v1/evaluators/{answer.json()['evaluator_id']}/conflicts",
                        {"organisation_id": organisation_id},
                    )
        # The call's panel: assignment, and re-evaluation after an upheld review,
        # draw only from it.
        await self.api.post(
            "applications", MANAGER, f"/v1/calls/{call_id}/panel", {"evaluator_ids": panel}
        )
        await until(lambda: self._assign(call_id), "the call's closing to reach applications")
        by_application = {a["id"]: n for n, a in self.played.ranked.items()}
        given: dict[str, int] = {}
        declined_one = False
        # Evaluators work through their lists; a decline assigns someone else, so
        # go round until nobody has an open assignment left.
        while True:
            progress = False
            for evaluator in EVALUATORS:
                for item in await self.api.items("applications", evaluator, "/v1/me/assignments"):
                    # The pool also evaluates other calls (earlier runs' among them).
                    if item["state"] not in ("assigned", "accepted") or item["call_id"] != call_id:
                        continue
                    progress = True
                    if (
                        item["state"] == "assigned"
                        and not declined_one
                        and evaluator == EVALUATORS[1]
                    ):
                        declined_one = True
                        self.played.assignments_declined += 1
                        await self.api.post(
                            "applications",
                            evaluator,
                            f"/v1/assignments/{item['id']}/decline",
                            {"reason": "a former colleague leads the consortium"},
                        )
                        continue
                    if item["state"] == "assigned":
                        await self.api.post(
                            "applications",
                            evaluator,
                            f"/v1/assignments/{item['id']}/accept",
                            {"no_conflict": True},
                        )
                    application_id = item["application_id"]
                    k = given.get(application_id, 0)
                    given[application_id] = k + 1
                    excellence, impact, implementation = self.people.scores[
                        by_application[application_id]
                    ][k % 2]
                    await self.api.post(
                        "applications",
                        evaluator,
                        f"/v1/applications/{application_id}/evaluations",
                        {
                            "scores": {
                                "excellence": excellence,
                                "impact": impact,
                                "implementation": implementation,
                            },
                            "comment": "Clear work plan; realistic budget.",
                        },
                    )
            if not progress:
                return

    async def rank_and_select(self) -> None:
        call_id = self.played.ranked_call_id
        await self.api.post("applications", MANAGER, f"/v1/calls/{call_id}/ranking")
        await self.api.post("applications", MANAGER, f"/v1/calls/{call_id}/selection")

    async def publish_results(self) -> None:
        """The programme manager publishes the ranked call's results once the calls
        service heard of the selection; applicants read outcomes and sign only then."""
        call_id = self.played.ranked_call_id

        async def published() -> bool:
            answer = await self.api.send(
                "calls",
                MANAGER,
                "POST",
                f"/v1/calls/{call_id}/publish-results",
                {},
                expect=(200, 409),
            )
            return answer.status_code == 200 or answer.json().get("code") == (
                "results_already_published"
            )

        await until(published, "the calls service to hear of the selection")

        [winner, *_] = await self.api.items(
            "applications", MANAGER, "/v1/applications", call_id=call_id, status="selected"
        )
        lead = applicant(self._sub_of_org(winner["lead_organisation_id"]))

        async def applicants_read_outcomes() -> bool:
            seen = await self.api.get("applications", lead, f"/v1/applications/{winner['id']}")
            return bool(seen["status"] == "selected")

        await until(applicants_read_outcomes, "applications to hear of the published results")

    async def review_requests(self) -> None:
        await Redress(self.api, self.played, self._sub_of_org).play()

    async def sign_agreements(self) -> None:
        """The first winner of the ranked call declines (a reserve is promoted);
        every other selected application is signed, the promoted ones too."""
        for call_id in (self.played.ranked_call_id, self.played.voucher_call_id):
            while selected := await self.api.items(
                "applications", MANAGER, "/v1/applications", call_id=call_id, status="selected"
            ):
                for application in selected:
                    who = applicant(self._sub_of_org(application["lead_organisation_id"]))
                    if (
                        call_id == self.played.ranked_call_id
                        and not self.played.declined
                        # the one re-evaluated into the selection signs
                        and application["id"] != self.played.review_upheld
                    ):
                        await self.api.post(
                            "applications",
                            who,
                            f"/v1/applications/{application['id']}/decline",
                            {"reason": "we merged with another cluster member"},
                        )
                        self.played.declined.append(application["id"])
                        break
                    signed = await self.api.send(
                        "applications",
                        who,
                        "POST",
                        f"/v1/applications/{application['id']}/sign",
                        {},
                    )
                    self.played.contracted.append(application["id"])
                    self.played.sign_traces[application["id"]] = signed.request.headers[
                        "traceparent"
                    ].split("-")[1]

    # --- finance: grants, four-eyes payments, reports, a recovery -------------------------

    # --- helpers --------------------------------------------------------------------------

    async def _each(self, act: Callable[[T], Awaitable[Any]], items: Iterable[T]) -> list[Any]:
        async def limited(item: T) -> Any:
            async with self._limit:
                return await act(item)

        return list(await asyncio.gather(*(limited(i) for i in items)))

    def _lead(self, proposal: Proposal) -> Person:
        return applicant(self.people.smes[proposal.lead].sub)

    def _sub_of_org(self, organisation_id: str) -> str:
        return self.people.smes[self.played.organisations.index(organisation_id)].sub

    async def _draft(self, call_id: str, proposal: Proposal, *, must_accept: bool = True) -> Json:
        organisations = self.played.organisations
        answer = await self.api.send(
            "applications",
            self._lead(proposal),
            "POST",
            "/v1/applications",
            {
                "call_id": call_id,
                "lead_organisation_id": organisations[proposal.lead],
                "partner_organisation_ids": [organisations[p] for p in proposal.partners],
                "title": proposal.title,
                "summary": "A cluster SME's project for the programme.",
                "requested_cents": proposal.requested_cents,
                "trl": proposal.trl,
                "objectives": list(proposal.objectives),
                "answers": self._answers(call_id, proposal),
            },
            expect=(201,) if must_accept else (201, 409),
        )
        body: Json = answer.json()
        return body if answer.status_code == 201 else {}

    def _answers(self, call_id: str, proposal: Proposal) -> Json:
        if call_id == self.played.voucher_call_id:
            return real_call.voucher_answers()
        lead = self.people.smes[proposal.lead]
        return real_call.ranked_answers(proposal.requested_cents, f"Contact {lead.sub}")

    async def _prepare(self, draft: Json, proposal: Proposal, *, annex: bool = True) -> None:
        """Partners consent; the ranked call's declarations on honour and (unless
        told not to) its annex."""
        who = self._lead(proposal)
        for partner in proposal.partners:  # each partner consents to being named
            invitation = await self.api.post(
                "applications",
                who,
                f"/v1/organisations/{self.played.organisations[partner]}/invitations",
                {"application_id": draft["id"]},
            )
            await self.api.post(
                "applications",
                applicant(self.people.smes[partner].sub),
                f"/v1/invitations/{invitation['id']}/accept",
            )
        await real_call.declare(self.api, who, draft["id"], real_call.RANKED_DECLARATIONS)
        if annex:
            uploaded = await real_call.upload_annex(self.api, who, draft["id"])
            self.played.annex_sha256[draft["id"]] = uploaded["sha256"]

    async def _refused_for_a_missing_annex(self, draft: Json, proposal: Proposal) -> Json:
        await self._prepare(draft, proposal, annex=False)
        refused = await real_call.submit(self.api, self._lead(proposal), draft["id"], (409,))
        missing = ", ".join(refused.json().get("missing", []))
        self.played.refusals["submitted without its annex"] = (
            f"{refused.json()['code']}: {missing}; uploaded, then submitted"
        )
        uploaded = await real_call.upload_annex(self.api, self._lead(proposal), draft["id"])
        self.played.annex_sha256[draft["id"]] = uploaded["sha256"]
        return await self._submit(draft, proposal, prepared=True)

    async def _refused_for_an_invalid_answer(self, draft: Json, proposal: Proposal) -> Json:
        who = self._lead(proposal)
        good = self._answers(self.played.ranked_call_id, proposal)
        draft = await real_call.correct_answers(self.api, who, draft, {**good, "impact": "Soon."})
        await self._prepare(draft, proposal)
        refused = await real_call.submit(self.api, who, draft["id"], (422,))
        pointers = ", ".join(e["pointer"] for e in refused.json().get("errors", []))
        self.played.refusals["submitted with an invalid answer"] = (
            f"{refused.json()['code']}: {pointers}; corrected, then submitted"
        )
        draft = await self.api.get("applications", who, f"/v1/applications/{draft['id']}")
        draft = await real_call.correct_answers(self.api, who, draft, good)
        return await self._submit(draft, proposal, prepared=True)

    async def _submit(self, draft: Json, proposal: Proposal, *, prepared: bool = False) -> Json:
        if not prepared:
            await self._prepare(draft, proposal)
        answer = await self.api.send(
            "applications",
            self._lead(proposal),
            "POST",
            f"/v1/applications/{draft['id']}/submit",
            {},
        )
        body: Json = answer.json()
        return body

    async def _assign(self, call_id: str) -> bool:
        """Assign the evaluators; False while applications has not yet heard that
        the call closed."""
        answer = await self.api.send(
            "applications",
            MANAGER,
            "POST",
            f"/v1/calls/{call_id}/assignments",
            {},
            expect=(200, 201, 409),
        )
        if answer.status_code == 409 and answer.json().get("code") != "call_not_closed":
            raise DemoError(f"assignments refused: {answer.text[:300]}")
        return answer.status_code != 409
