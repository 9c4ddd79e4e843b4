"""Bad input and who may do what: each refusal a problem with a stable code, and
nothing changed by it."""

from __future__ import annotations

from typing import Any

import pytest

from shared.ids import uuid7
from tests.support.api import assert_problem
from tests.support.calls import EUR
from tests.support.payments import Payments


async def new_grant(
    payments: Payments, member: str, amount_cents: int = 10_000 * EUR
) -> dict[str, Any]:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme)
    return await payments.grant_of(
        await up.contract(call, programme, await up.organisation(member), amount_cents)
    )


async def test_ordering_an_instalment_not_yet_due_is_refused_and_changes_nothing(
    payments: Payments,
) -> None:
    grant = await new_grant(payments, "sme-notdue")
    final = grant["instalments"][1]["id"]
    assert_problem(
        await payments.post(f"/v1/instalments/{final}/payment-orders", payments.officer("fo-anna")),
        409,
        "instalment_not_due",
    )
    assert await payments.grant(grant["id"]) == grant


async def test_a_cancelled_grant_is_paid_no_more_and_its_unpaid_money_is_released(
    payments: Payments,
) -> None:
    grant = await new_grant(payments, "sme-cancel")
    first = grant["instalments"][0]["id"]
    await payments.pay(first)
    cancelled = await payments.post(
        f"/v1/grants/{grant['id']}/cancel", payments.manager, reason="double funding found"
    )
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["committed_cents"]) == (
        "cancelled",
        7_000 * EUR,
    )
    ledger = await payments.ledger(grant["call_id"])
    assert (ledger["committed_cents"], ledger["paid_cents"]) == (7_000 * EUR, 7_000 * EUR)
    before = await payments.grant(grant["id"])
    assert_problem(
        await payments.post(f"/v1/instalments/{first}/payment-orders", payments.officer("fo-anna")),
        409,
        "grant_cancelled",
    )
    assert_problem(
        await payments.post(
            f"/v1/grants/{grant['id']}/reports",
            payments.as_("applicant", sub="sme-cancel"),
            summary="late",
        ),
        409,
        "grant_cancelled",
    )
    assert await payments.grant(grant["id"]) == before


@pytest.mark.parametrize("amount", [0, -100, 10.5, "100"])
async def test_a_recovery_of_no_positive_whole_amount_is_invalid_input(
    payments: Payments,
    amount: object,
) -> None:
    grant = await new_grant(payments, "sme-amount")
    refused = await payments.post(
        f"/v1/grants/{grant['id']}/recoveries",
        payments.officer("fo-anna"),
        amount_cents=amount,
        reason="irregular",
    )
    body = assert_problem(refused, 422, "invalid_input")
    assert body["errors"][0]["field"] == "amount_cents"


async def test_recoveries_are_at_most_what_was_paid_and_reduce_the_net_paid(
    payments: Payments,
) -> None:
    grant = await new_grant(payments, "sme-recover")
    await payments.pay(grant["instalments"][0]["id"])  # 7 000 paid
    officer = payments.officer("fo-anna")
    too_much = await payments.post(
        f"/v1/grants/{grant['id']}/recoveries",
        officer,
        amount_cents=7_000 * EUR + 1,
        reason="irregular",
    )
    assert assert_problem(too_much, 409, "recovery_exceeds_paid")["recoverable_cents"] == (
        7_000 * EUR
    )
    ordered = await payments.post(
        f"/v1/grants/{grant['id']}/recoveries",
        officer,
        amount_cents=2_500 * EUR,
        reason="ineligible costs",
    )
    assert ordered.status_code == 201, ordered.text
    recovery = ordered.json()
    assert (recovery["status"], ordered.headers["location"]) == (
        "ordered",
        f"/v1/recoveries/{recovery['id']}",
    )
    assert (await payments.ledger(grant["call_id"]))["recovered_cents"] == 0
    received = await payments.post(f"/v1/recoveries/{recovery['id']}/received", officer)
    assert received.json()["status"] == "received", received.text
    assert_problem(
        await payments.post(f"/v1/recoveries/{recovery['id']}/received", officer),
        409,
        "recovery_already_received",
    )
    ledger = await payments.ledger(grant["call_id"])
    assert (ledger["paid_cents"], ledger["recovered_cents"], ledger["net_paid_cents"]) == (
        7_000 * EUR,
        2_500 * EUR,
        4_500 * EUR,
    )
    after = await payments.grant(grant["id"])
    assert (after["recovered_cents"], after["net_paid_cents"]) == (2_500 * EUR, 4_500 * EUR)
    assert_problem(
        await payments.post(
            f"/v1/grants/{grant['id']}/recoveries",
            officer,
            amount_cents=4_500 * EUR + 1,
            reason="more",
        ),
        409,
        "recovery_exceeds_paid",
    )


async def test_a_report_on_someone_elses_grant_is_forbidden(payments: Payments) -> None:
    grant = await new_grant(payments, "sme-owner")
    stranger = payments.as_("applicant", sub="sme-stranger")
    assert_problem(
        await payments.post(f"/v1/grants/{grant['id']}/reports", stranger, summary="not mine"),
        403,
        "not_a_member",
    )
    assert_problem(
        await payments.client.get(f"/v1/grants/{grant['id']}", headers=stranger),
        403,
        "not_a_member",
    )
    assert await payments.grant(grant["id"]) == grant


async def test_an_applicant_lists_only_the_grants_of_their_organisations(
    payments: Payments,
) -> None:
    mine = await new_grant(payments, "sme-lister")
    await new_grant(payments, "sme-other")
    listed = await payments.client.get(
        "/v1/grants", headers=payments.as_("applicant", sub="sme-lister")
    )
    assert [g["id"] for g in listed.json()["items"]] == [mine["id"]]
    await payments.pay(mine["instalments"][0]["id"])
    own = await payments.client.get(
        f"/v1/grants/{mine['id']}", headers=payments.as_("applicant", sub="sme-lister")
    )
    assert own.status_code == 200
    [order] = own.json()["payment_orders"]
    assert (order["status"], order["ordered_by"], order["approved_by"]) == (
        "disbursed",
        None,
        None,
    )  # who in finance did it is not the beneficiary's business
    by_call = await payments.client.get(
        "/v1/grants", params={"call_id": mine["call_id"]}, headers=payments.officer("fo-anna")
    )
    assert [g["id"] for g in by_call.json()["items"]] == [mine["id"]]


async def test_roles_unknown_ids_and_wrong_states_are_clear_problems(payments: Payments) -> None:
    grant = await new_grant(payments, "sme-roles")
    first = grant["instalments"][0]["id"]
    sme = payments.as_("applicant", sub="sme-roles")
    assert_problem(
        await payments.post(f"/v1/instalments/{first}/payment-orders", sme), 403, "forbidden"
    )
    assert_problem(
        await payments.client.get("/v1/ledger", params={"call_id": grant["call_id"]}, headers=sme),
        403,
        "forbidden",
    )
    assert_problem(
        await payments.client.post(f"/v1/instalments/{first}/payment-orders"), 401, "unauthorized"
    )
    officer = payments.officer("fo-anna")
    assert_problem(
        await payments.post(f"/v1/instalments/{uuid7()}/payment-orders", officer), 404, "not_found"
    )
    assert_problem(
        await payments.post(f"/v1/payment-orders/{uuid7()}/approve", officer), 404, "not_found"
    )
    assert_problem(
        await payments.post("/v1/instalments/not-a-uuid/payment-orders", officer),
        422,
        "invalid_input",
    )
    assert_problem(
        await payments.post(
            f"/v1/grants/{grant['id']}/reports/{uuid7()}/approve", payments.manager
        ),
        404,
        "not_found",
    )
    assert_problem(await payments.client.get("/v1/ledger", headers=officer), 422, "invalid_input")
    order = (await payments.post(f"/v1/instalments/{first}/payment-orders", officer)).json()
    assert_problem(
        await payments.post(f"/v1/instalments/{first}/payment-orders", officer),
        409,
        "instalment_not_due",
    )
    assert_problem(
        await payments.post(f"/v1/payment-orders/{order['id']}/failed", officer, reason="x"),
        409,
        "payment_order_not_approved",
    )
    assert_problem(
        await payments.post(f"/v1/grants/{grant['id']}/cancel", payments.manager, reason="stop"),
        409,
        "payment_in_progress",
    )
    stale = await payments.client.post(
        f"/v1/payment-orders/{order['id']}/approve",
        headers={**payments.officer("fo-ben"), "If-Match": '"1"'},
    )
    assert_problem(stale, 409, "version_conflict")


async def test_a_command_repeated_with_its_idempotency_key_is_done_once(
    payments: Payments,
) -> None:
    grant = await new_grant(payments, "sme-idem")
    headers = {**payments.officer("fo-anna"), "Idempotency-Key": str(uuid7())}
    path = f"/v1/instalments/{grant['instalments'][0]['id']}/payment-orders"
    first = await payments.client.post(path, headers=headers)
    again = await payments.client.post(path, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert len((await payments.grant(grant["id"]))["payment_orders"]) == 1
