"""Races on real PostgreSQL: two approvals or two disbursements of one payment
order (exactly one wins, every time), and concurrent awards against one call's
budget and one undertaking's de minimis headroom."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.api import assert_problem
from tests.support.calls import EUR
from tests.support.payments import Payments

REPEAT = 20
TWENTY_INSTALMENTS = [
    {"label": f"Tranche {n}", "percent": 5, "trigger": "on_signature"} for n in range(1, REPEAT + 1)
]


def one_winner(answers: list[Any], loser_code: str) -> None:
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 409], [a.text for a in answers]
    assert_problem(next(a for a in answers if a.status_code == 409), 409, loser_code)


async def test_racing_approvals_and_disbursements_of_one_order_have_one_winner(
    payments: Payments,
) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme, instalments=TWENTY_INSTALMENTS)
    grant = await payments.grant_of(
        await up.contract(call, programme, await up.organisation("sme-race"), 20_000 * EUR + 19)
    )
    orderer = payments.officer("fo-anna")

    for instalment in grant["instalments"]:
        order = (
            await payments.post(f"/v1/instalments/{instalment['id']}/payment-orders", orderer)
        ).json()
        approve = f"/v1/payment-orders/{order['id']}/approve"
        one_winner(
            list(
                await asyncio.gather(
                    payments.post(approve, payments.officer("fo-ben")),
                    payments.post(approve, payments.officer("fo-carl")),
                )
            ),
            "payment_order_not_pending",
        )
        disbursed = f"/v1/payment-orders/{order['id']}/disbursed"
        one_winner(
            list(
                await asyncio.gather(
                    payments.post(disbursed, orderer, bank_reference="SEPA-A"),
                    payments.post(disbursed, payments.officer("fo-ben"), bank_reference="SEPA-B"),
                )
            ),
            "payment_order_not_approved",
        )

    events = await payments.events_of(grant["id"])
    assert (events.count("PaymentApproved"), events.count("PaymentDisbursed")) == (REPEAT, REPEAT)
    paid = await payments.grant(grant["id"])
    assert (paid["status"], paid["paid_cents"]) == ("closed", 20_000 * EUR + 19)
    assert (await payments.ledger(call))["paid_cents"] == 20_000 * EUR + 19


async def test_concurrent_awards_never_commit_more_than_the_calls_budget(
    payments: Payments,
) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme, budget_cents=100_000 * EUR)
    organisations = [await up.organisation(f"sme-rush-{n}") for n in range(8)]
    applications = await asyncio.gather(
        *(up.contract(call, programme, org, 30_000 * EUR) for org in organisations)
    )

    outcomes = sorted((await payments.decisions(list(applications))).values())
    assert outcomes == ["awarded"] * 3 + ["call_budget_exceeded"] * 5
    ledger = await payments.ledger(call)
    assert (ledger["committed_cents"], ledger["available_cents"]) == (90_000 * EUR, 10_000 * EUR)


async def test_concurrent_awards_in_two_programmes_share_one_de_minimis_headroom(
    payments: Payments,
) -> None:
    up = payments.upstream
    first, second = await up.programme(), await up.programme()
    calls = [await up.call(first), await up.call(second)]
    org = await up.organisation("sme-twice", pic_code="923456789")
    applications = await asyncio.gather(
        up.contract(calls[0], first, org, 200_000 * EUR),
        up.contract(calls[1], second, org, 200_000 * EUR),
    )

    outcomes = sorted((await payments.decisions(list(applications))).values())
    assert outcomes == ["awarded", "de_minimis_exceeded"]


async def test_concurrent_awards_to_two_linked_enterprises_share_their_undertakings_headroom(
    payments: Payments,
) -> None:
    up = payments.upstream
    first, second = await up.programme(), await up.programme()
    calls = [await up.call(first), await up.call(second)]
    parent, daughter = (
        await payments.organisation("sme-holding"),
        await payments.organisation("sme-subsidiary"),
    )
    linked = await payments.link(
        daughter.organisation_id, payments.manager, pic=parent.pic, relation="controlled_by"
    )
    assert linked.status_code == 201, linked.text
    applications = await asyncio.gather(
        up.contract(calls[0], first, parent, 200_000 * EUR),
        up.contract(calls[1], second, daughter, 200_000 * EUR),
    )

    outcomes = sorted((await payments.decisions(list(applications))).values())
    assert outcomes == ["awarded", "de_minimis_exceeded"]
    register = await payments.de_minimis(parent.organisation_id)
    assert (register["aid_cents"], len(register["members"])) == (200_000 * EUR, 2)
