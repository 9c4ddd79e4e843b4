"""Redress in the demo (issue 15 point 7): once the ranked call's results are
published, a rejected applicant asks for a review that the reviewer upholds; the
re-evaluation by evaluators who had not scored it changes the outcome, so the
call's ranking gets a second version. Another request is dismissed."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from cascade.demo.cast import EVALUATORS, MANAGER, REVIEWER, Played, applicant
from cascade.demo.client import Cascade, DemoError, Json, until

GROUNDS = "The evaluators overlooked the qualification already done with the integrator."


def outcome(application: Json) -> str:
    """`rejected`, `selected`, or `reserve 3` (with its place on the list)."""
    if application["status"] == "reserve":
        return f"reserve {application['reserve_rank']}"
    return str(application["status"])


class Redress:
    def __init__(self, api: Cascade, played: Played, sub_of_org: Callable[[str], str]):
        self.api, self.played, self._sub_of_org = api, played, sub_of_org
        self.call_id = played.ranked_call_id
        self._before = ""

    async def play(self) -> None:
        # Upheld only where a re-evaluation at the top must change the outcome, so
        # that the ranking gets a version: a rejected application (it now passes
        # every threshold) or one low on the reserve list (it moves up).
        reserve = sorted(
            await self._in_status("reserve"), key=lambda a: -int(a["reserve_rank"] or 0)
        )
        candidates = [*await self._in_status("rejected"), *reserve]
        movable = [a for a in candidates if a["status"] == "rejected" or a["reserve_rank"] > 1]
        upheld: Json = {}
        # A small programme may fund every application that passed: nothing to review.
        for application in candidates:
            review = await self._request(application)
            if not self.played.review_upheld and application in movable:
                decided = await self._decide(review, "upheld", (200, 409))
                if decided.status_code == 200:
                    self.played.review_upheld = application["id"]
                    self._before = outcome(application)
                    upheld = review
                    continue
                # Too few evaluators left who never sat on its panel: dismissed instead.
            await self._decide(review, "dismissed", (200,))
            self.played.review_dismissed = application["id"]
            if self.played.review_upheld:
                break
        if not self.played.review_upheld:
            return
        await self._re_evaluate(self.played.review_upheld)
        concluded: Json = {}

        async def re_evaluated() -> bool:
            nonlocal concluded
            path = f"/v1/review-requests/{upheld['id']}"
            concluded = await self.api.get("applications", MANAGER, path)
            return bool(concluded["state"] == "re_evaluated")

        await until(re_evaluated, "the re-evaluation to conclude the review")
        self.played.ranking_versions = concluded["ranking_version"] or 1
        after = await self.api.get(
            "applications", MANAGER, f"/v1/applications/{self.played.review_upheld}"
        )
        self.played.upheld_outcome = f"{self._before} -> {outcome(after)}"

    async def _in_status(self, status: str) -> list[Json]:
        return await self.api.items(
            "applications", MANAGER, "/v1/applications", call_id=self.call_id, status=status
        )

    async def _request(self, application: Json) -> Json:
        lead = applicant(self._sub_of_org(application["lead_organisation_id"]))
        return await self.api.post(
            "applications",
            lead,
            f"/v1/applications/{application['id']}/review-requests",
            {"grounds": GROUNDS},
        )

    async def _decide(self, review: Json, outcome: str, expect: tuple[int, ...]) -> httpx.Response:
        reasons = {
            "upheld": "The grounds show a flaw that could change the outcome.",
            "dismissed": "The evaluators weighed the qualification; no flaw is shown.",
        }[outcome]
        answer = await self.api.send(
            "applications",
            REVIEWER,
            "POST",
            f"/v1/review-requests/{review['id']}/decision",
            {"outcome": outcome, "reasons": reasons},
            expect=expect,
        )
        return answer

    async def _re_evaluate(self, application_id: str) -> None:
        """The evaluators drawn for the re-evaluation accept and score it."""
        scored = 0
        for evaluator in EVALUATORS:
            for item in await self.api.items("applications", evaluator, "/v1/me/assignments"):
                if item["application_id"] != application_id or item["cause"] != "re_evaluation":
                    continue
                if item["state"] == "assigned":
                    await self.api.post(
                        "applications",
                        evaluator,
                        f"/v1/assignments/{item['id']}/accept",
                        {"no_conflict": True},
                    )
                await self.api.post(
                    "applications",
                    evaluator,
                    f"/v1/applications/{application_id}/evaluations",
                    {
                        "scores": {"excellence": 5, "impact": 5, "implementation": 5},
                        "comment": "The qualification with the integrator settles the risk.",
                    },
                )
                scored += 1
        if not scored:
            raise DemoError("no re-evaluation was assigned")
