"""The demo's money: grants as they appear, instalments paid under the four-eyes
rule (the first payment fails and is ordered again), final reports approved, and
one recovery."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from cascade.demo.cast import FINANCE, MANAGER, Played, applicant
from cascade.demo.client import Cascade, Json, until
from cascade.demo.terms import EUR

Each = Callable[[Callable[[Any], Awaitable[Any]], Iterable[Any]], Awaitable[list[Any]]]


class Finance:
    """The finance officers' and the beneficiaries' part, on `played`'s grants."""

    def __init__(
        self, api: Cascade, played: Played, each: Each, sub_of_org: Callable[[str], str]
    ) -> None:
        self.api, self.played = api, played
        self._each, self._sub_of_org = each, sub_of_org

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
                order = await self.api.post(
                    "payments", orderer, f"/v1/instalments/{instalment['id']}/payment-orders"
                )
                await self.api.post(
                    "payments", approver, f"/v1/payment-orders/{order['id']}/approve"
                )
                if not self.played.failed_payments:
                    self.played.failed_payments += 1
                    await self.api.post(
                        "payments",
                        orderer,
                        f"/v1/payment-orders/{order['id']}/failed",
                        {"reason": "beneficiary IBAN closed; new one on file"},
                    )
                    continue
                await self.api.post(
                    "payments",
                    orderer,
                    f"/v1/payment-orders/{order['id']}/disbursed",
                    {"bank_reference": f"SEPA-{order['id'][-12:].upper()}"},
                )
                self.played.paid_cents += instalment["amount_cents"]
                return

        due = [
            i for grant in await self.grants() for i in grant["instalments"] if i["status"] == "due"
        ]
        await self._each(pay, due)
        self.played.grants = await self.grants()

    async def approve_final_reports(self) -> None:
        with_balance = [
            g
            for g in await self.grants()
            if any(i["trigger"] == "on_report_approved" for i in g["instalments"])
        ]

        async def report(grant: Json) -> None:
            who = applicant(self._sub_of_org(grant["organisation_id"]))
            submitted = await self.api.post(
                "payments",
                who,
                f"/v1/grants/{grant['id']}/reports",
                {"summary": "Prototype built and tested at TRL 5."},
            )
            await self.api.post(
                "payments", MANAGER, f"/v1/grants/{grant['id']}/reports/{submitted['id']}/approve"
            )

        await self._each(report, with_balance)

        async def balances_due() -> bool:
            return all(
                i["status"] != "scheduled"
                for g in await self.grants()
                for i in g["instalments"]
                if g["id"] in {w["id"] for w in with_balance}
            )

        await until(balances_due, "the final instalments to fall due")

    async def recover(self) -> None:
        amount = 5_000 * EUR
        # Preferably a project of the ranked call; any grant paid enough will do.
        grants = sorted(
            await self.grants(), key=lambda g: g["call_id"] != self.played.ranked_call_id
        )
        grant = next(
            g
            for g in grants
            if sum(i["amount_cents"] for i in g["instalments"] if i["status"] == "paid") >= amount
        )
        recovery = await self.api.post(
            "payments",
            FINANCE[0],
            f"/v1/grants/{grant['id']}/recoveries",
            {"amount_cents": amount, "reason": "travel costs outside the action's period"},
        )
        await self.api.post("payments", FINANCE[1], f"/v1/recoveries/{recovery['id']}/received")
        self.played.recovered_cents += amount
        self.played.grants = await self.grants()
