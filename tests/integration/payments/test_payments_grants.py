"""Grants appearing by themselves from contracted applications, with their
instalments split to the cent, and the whole life of a grant over HTTP."""

from __future__ import annotations

from services.applications.events import ApplicationContracted
from shared.ids import uuid7
from tests.support.api import assert_problem
from tests.support.calls import EUR, T0
from tests.support.payments import Payments
from tests.support.waiting import eventually


async def test_a_contracted_application_becomes_a_grant_split_to_the_cent(
    payments: Payments,
) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme)
    org = await up.organisation("sme-split")
    application = await up.contract(call, programme, org, 40_000 * EUR + 1)

    grant = await payments.grant_of(application)
    assert (grant["application_id"], grant["call_id"], grant["programme_id"]) == (
        application,
        call,
        programme,
    )
    assert (grant["organisation_id"], grant["country"], grant["currency"]) == (
        org.organisation_id,
        "FR",
        "EUR",
    )
    assert [
        (i["percent"], i["amount_cents"], i["trigger"], i["status"]) for i in grant["instalments"]
    ] == [
        (70, 2_800_000, "on_signature", "due"),
        (30, 1_200_001, "on_report_approved", "scheduled"),
    ]
    assert sum(i["amount_cents"] for i in grant["instalments"]) == grant["amount_cents"]
    assert await payments.events_of(grant["id"]) == ["GrantAwarded", "InstalmentDue"]
    ledger = await payments.ledger(call)
    assert (ledger["committed_cents"], ledger["available_cents"]) == (
        40_000 * EUR + 1,
        560_000 * EUR - 1,
    )


async def test_thirds_lose_no_cent_and_the_last_instalment_takes_the_remainder(
    payments: Payments,
) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(
        programme,
        instalments=[
            {"label": "Advance", "percent": 33, "trigger": "on_signature"},
            {"label": "Middle", "percent": 33, "trigger": "on_signature"},
            {"label": "Balance", "percent": 34, "trigger": "on_report_approved"},
        ],
    )
    grant = await payments.grant_of(
        await up.contract(call, programme, await up.organisation("sme-thirds"), 100 * EUR - 1)
    )
    assert [i["amount_cents"] for i in grant["instalments"]] == [3_299, 3_299, 3_401]
    assert [i["status"] for i in grant["instalments"]] == ["due", "due", "scheduled"]


async def test_a_contract_heard_of_before_its_call_waits_for_it(payments: Payments) -> None:
    up = payments.upstream
    # Topics are not ordered with each other: the contract may come first.
    programme, call = str(uuid7()), str(uuid7())
    application = await up.contract(
        call, programme, await up.organisation("sme-early"), 10_000 * EUR
    )

    async def waiting() -> bool:
        return bool(
            await payments.scalar(
                "SELECT count(*) FROM waiting_contracts WHERE application_id = :a", a=application
            )
        )

    await eventually(waiting)
    await up.programme(programme_id=programme)
    await up.call(programme, call_id=call)
    grant = await payments.grant_of(application)
    assert grant["amount_cents"] == 10_000 * EUR
    assert not await waiting()


async def test_a_grant_is_paid_under_four_eyes_reported_on_and_closed(payments: Payments) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme)
    org = await up.organisation("sme-life")
    grant = await payments.grant_of(await up.contract(call, programme, org, 50_000 * EUR))
    first, final = (i["id"] for i in grant["instalments"])

    ordered = await payments.post(
        f"/v1/instalments/{first}/payment-orders", payments.officer("fo-anna")
    )
    assert ordered.status_code == 201, ordered.text
    order = ordered.json()
    assert (order["status"], order["amount_cents"], order["attempt"]) == (
        "ordered",
        35_000 * EUR,
        1,
    )
    assert ordered.headers["location"] == f"/v1/payment-orders/{order['id']}"
    assert_problem(
        await payments.post(
            f"/v1/payment-orders/{order['id']}/approve", payments.officer("fo-anna")
        ),
        403,
        "four_eyes",
    )
    approved = await payments.post(
        f"/v1/payment-orders/{order['id']}/approve", payments.officer("fo-ben")
    )
    assert (approved.status_code, approved.json()["approved_by"]) == (200, "fo-ben")
    paid = await payments.post(
        f"/v1/payment-orders/{order['id']}/disbursed",
        payments.officer("fo-anna"),
        bank_reference="SEPA-0001",
    )
    assert paid.json()["status"] == "disbursed", paid.text
    assert (await payments.ledger(call))["paid_cents"] == 35_000 * EUR

    sme = payments.as_("applicant", sub="sme-life")
    report = await payments.post(
        f"/v1/grants/{grant['id']}/reports", sme, summary="Wing ribs delivered"
    )
    assert report.status_code == 201, report.text
    report_id = report.json()["id"]
    rejected = await payments.post(
        f"/v1/grants/{grant['id']}/reports/{report_id}/reject",
        payments.manager,
        reason="no test results",
    )
    assert rejected.json()["status"] == "rejected"
    again = await payments.post(
        f"/v1/grants/{grant['id']}/reports", sme, summary="Wing ribs delivered, with test results"
    )
    approved_report = await payments.post(
        f"/v1/grants/{grant['id']}/reports/{again.json()['id']}/approve", payments.manager
    )
    assert approved_report.json()["status"] == "approved", approved_report.text
    assert [i["status"] for i in (await payments.grant(grant["id"]))["instalments"]] == [
        "paid",
        "due",
    ]

    await payments.pay(final)
    closed = await payments.grant(grant["id"])
    assert (closed["status"], closed["paid_cents"]) == ("closed", 50_000 * EUR)
    assert (await payments.events_of(grant["id"]))[-3:] == [
        "PaymentApproved",
        "PaymentDisbursed",
        "GrantClosed",
    ]
    ledger = await payments.ledger(call)
    assert (ledger["committed_cents"], ledger["paid_cents"]) == (50_000 * EUR, 50_000 * EUR)


async def test_a_failed_payment_is_ordered_again(payments: Payments) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme)
    grant = await payments.grant_of(
        await up.contract(call, programme, await up.organisation("sme-fail"), 20_000 * EUR)
    )
    first = grant["instalments"][0]["id"]
    order = (
        await payments.post(f"/v1/instalments/{first}/payment-orders", payments.officer("fo-anna"))
    ).json()
    assert_problem(
        await payments.post(
            f"/v1/payment-orders/{order['id']}/disbursed",
            payments.officer("fo-anna"),
            bank_reference="X",
        ),
        409,
        "payment_order_not_approved",
    )
    await payments.post(f"/v1/payment-orders/{order['id']}/approve", payments.officer("fo-ben"))
    failed = await payments.post(
        f"/v1/payment-orders/{order['id']}/failed", payments.officer("fo-ben"), reason="IBAN closed"
    )
    assert (failed.json()["status"], failed.json()["failure_reason"]) == ("failed", "IBAN closed")
    assert (await payments.grant(grant["id"]))["instalments"][0]["status"] == "failed"
    retried = await payments.pay(first)
    assert retried["attempt"] == 2
    assert (await payments.ledger(call))["paid_cents"] == 14_000 * EUR


async def test_the_asyncapi_document_describes_every_payments_event(payments: Payments) -> None:
    answer = await payments.client.get("/asyncapi.json")
    assert answer.status_code == 200
    document = answer.json()
    messages = set(document["channels"]["payments.events"]["messages"])
    assert messages >= {
        "GrantAwarded",
        "GrantRefused",
        "InstalmentDue",
        "PaymentOrdered",
        "PaymentApproved",
        "PaymentDisbursed",
        "PaymentFailed",
        "ReportSubmitted",
        "ReportApproved",
        "ReportRejected",
        "RecoveryOrdered",
        "RecoveryReceived",
        "GrantCancelled",
        "GrantClosed",
    }
    disbursed = document["components"]["schemas"]["PaymentDisbursed"]["properties"]
    assert {
        "grant_id",
        "application_id",
        "call_id",
        "programme_id",
        "organisation_id",
        "country",
        "currency",
        "amount_cents",
        "disbursed_at",
    } <= set(disbursed)


async def test_a_contract_reported_twice_is_awarded_once(payments: Payments) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme)
    org = await up.organisation("sme-twice-told")
    application = await up.contract(call, programme, org, 30_000 * EUR)
    grant = await payments.grant_of(application)
    again = await up.emit(
        "applications",
        "application",
        application,
        ApplicationContracted(
            application_id=application,
            call_id=call,
            programme_id=programme,
            organisation=org,
            objectives=("innovate",),
            amount_cents=30_000 * EUR,
            contracted_at=T0,
        ),
    )
    await payments.handled(again)
    assert (
        await payments.scalar(
            "SELECT count(*) FROM grants WHERE application_id = :a", a=application
        )
        == 1
    )
    assert (await payments.ledger(call))["committed_cents"] == grant["amount_cents"]


async def test_a_programmes_ledger_adds_up_its_calls(payments: Payments) -> None:
    up = payments.upstream
    programme = await up.programme(budget_cents=1_000_000 * EUR)
    first, second = await up.call(programme), await up.call(programme)
    grant = await payments.grant_of(
        await up.contract(first, programme, await up.organisation("sme-p1"), 100_000 * EUR)
    )
    await payments.grant_of(
        await up.contract(second, programme, await up.organisation("sme-p2"), 50_000 * EUR)
    )
    await payments.pay(grant["instalments"][0]["id"])
    answer = await payments.client.get(
        "/v1/ledger", params={"programme_id": programme}, headers=payments.as_("auditor", sub="eve")
    )
    assert answer.status_code == 200, answer.text
    ledger = answer.json()
    assert (
        ledger["budget_cents"],
        ledger["committed_cents"],
        ledger["paid_cents"],
        ledger["available_cents"],
    ) == (1_000_000 * EUR, 150_000 * EUR, 70_000 * EUR, 850_000 * EUR)
    assert sorted((c["call_id"], c["committed_cents"]) for c in ledger["calls"]) == sorted(
        [(first, 100_000 * EUR), (second, 50_000 * EUR)]
    )


async def test_the_four_eyes_queue_shows_others_orders_until_approved(payments: Payments) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme)
    org = await up.organisation("sme-queue")
    grant = await payments.grant_of(await up.contract(call, programme, org, 20_000 * EUR))
    first = grant["instalments"][0]["id"]

    async def queue_of(officer: str) -> set[str]:
        answer = await payments.client.get(
            "/v1/grants",
            params={"awaiting_my_approval": "true", "call_id": call},
            headers=payments.officer(officer),
        )
        assert answer.status_code == 200, answer.text
        return {g["id"] for g in answer.json()["items"]}

    assert await queue_of("fo-ben") == set()
    order = (
        await payments.post(f"/v1/instalments/{first}/payment-orders", payments.officer("fo-anna"))
    ).json()
    assert (await queue_of("fo-anna"), await queue_of("fo-ben")) == (set(), {grant["id"]})
    await payments.post(f"/v1/payment-orders/{order['id']}/approve", payments.officer("fo-ben"))
    assert await queue_of("fo-ben") == set()
