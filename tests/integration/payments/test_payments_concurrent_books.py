"""Random batches of concurrent commands over HTTP against real PostgreSQL: after
every batch the call's ledger keeps its invariants and equals what its grants
say, and no command, however it interleaved, got a server error."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.support.calls import EUR
from tests.support.payments import Payments

OFFICERS = ("fo-anna", "fo-ben", "fo-carl")
# Weighted so that sequences reach payments and recoveries (`advance` is a grant's
# next step, drawn twice in a batch it is a race), with cancellation rare.
ACTIONS = (
    ("order",) * 3
    + ("approve",) * 3
    + ("disburse",) * 3
    + ("fail", "recover", "receive", "report", "cancel")
    + ("advance",) * 12
)
NO_SUCH = "00000000-0000-7000-8000-000000000000"
Command = Callable[[], Awaitable[httpx.Response]]


def next_step(grant: dict[str, Any]) -> str:
    """The action that takes the grant a step further along its life."""
    orders = {o["status"] for o in grant["payment_orders"]}
    if "approved" in orders:
        return "disburse"
    if "ordered" in orders:
        return "approve"
    if any(i["status"] in ("due", "failed") for i in grant["instalments"]):
        return "order"
    if any(r["status"] == "ordered" for r in grant["recoveries"]):
        return "receive"
    if grant["paid_cents"] > sum(r["amount_cents"] for r in grant["recoveries"]):
        return "recover"
    return "report"


def prefer(items: list[dict[str, Any]], pick: int, **wanted: str) -> str:
    """The id of a picked item in the wanted state, else of any picked item."""
    fitting = [i for i in items if all(i[k] == v for k, v in wanted.items())] or items
    return str(fitting[pick % len(fitting)]["id"]) if fitting else NO_SUCH


def command(
    payments: Payments,
    grants: list[dict[str, Any]],
    action: str,
    pick: int,
    officer: str,
    share: int,
) -> Command:
    """One command on what the pick lands on, preferring targets it can act on; still
    often refused (a race lost, a wrong state, too much): that is the point."""
    grant = grants[pick % len(grants)]
    action = next_step(grant) if action == "advance" else action
    fo = payments.officer(officer)
    instalments, orders = grant["instalments"], grant["payment_orders"]
    due = [i for i in instalments if i["status"] in ("due", "failed")] or instalments
    paths: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
        "order": (f"/v1/instalments/{due[pick % len(due)]['id']}/payment-orders", fo, {}),
        "approve": (f"/v1/payment-orders/{prefer(orders, pick, status='ordered')}/approve", fo, {}),
        "disburse": (
            f"/v1/payment-orders/{prefer(orders, pick, status='approved')}/disbursed",
            fo,
            {"bank_reference": "B"},
        ),
        "fail": (
            f"/v1/payment-orders/{prefer(orders, pick, status='approved')}/failed",
            fo,
            {"reason": "bank refused"},
        ),
        "recover": (
            f"/v1/grants/{grant['id']}/recoveries",
            fo,
            {"amount_cents": max(1, grant["paid_cents"] * share // 100), "reason": "irregular"},
        ),
        "receive": (
            f"/v1/recoveries/{prefer(grant['recoveries'], pick, status='ordered')}/received",
            fo,
            {},
        ),
        "report": (
            f"/v1/grants/{grant['id']}/reports",
            payments.as_("applicant", sub="sme-cb"),
            {"summary": "done"},
        ),
        "cancel": (f"/v1/grants/{grant['id']}/cancel", payments.manager, {"reason": "fraud"}),
    }
    path, headers, body = paths[action]
    return lambda: payments.client.post(path, json=body, headers=headers)


async def approve_reports(payments: Payments, grants: list[dict[str, Any]]) -> None:
    for grant in grants:
        for report in grant["reports"]:
            if report["status"] == "submitted":
                await payments.post(
                    f"/v1/grants/{grant['id']}/reports/{report['id']}/approve", payments.manager
                )


MOVED_BY = """
    SELECT coalesce(sum(CASE type
        WHEN 'payments.GrantAwarded' THEN (payload->>'amount_cents')::bigint
        WHEN 'payments.GrantCancelled' THEN -(payload->>'released_cents')::bigint END), 0),
      coalesce(sum((payload->>'amount_cents')::bigint)
               FILTER (WHERE type = 'payments.PaymentDisbursed'), 0),
      coalesce(sum((payload->>'amount_cents')::bigint)
               FILTER (WHERE type = 'payments.RecoveryReceived'), 0)
    FROM events WHERE payload->>'call_id' = :call"""


async def check_books(payments: Payments, call: str, grants: list[dict[str, Any]]) -> None:
    ledger = await payments.ledger(call)
    chassis = payments.app.state.chassis
    async with chassis.engine.connect() as conn:
        moved = tuple((await conn.execute(text(MOVED_BY), {"call": call})).one())
    # Every cent in the books is traceable to the events that moved it.
    assert moved == (ledger["committed_cents"], ledger["paid_cents"], ledger["recovered_cents"])
    assert ledger["committed_cents"] <= ledger["budget_cents"]
    assert 0 <= ledger["recovered_cents"] <= ledger["paid_cents"] <= ledger["committed_cents"]
    assert ledger["committed_cents"] == sum(g["committed_cents"] for g in grants)
    assert ledger["paid_cents"] == sum(g["paid_cents"] for g in grants)
    assert ledger["recovered_cents"] == sum(g["recovered_cents"] for g in grants)
    for g in grants:
        paid = [i["amount_cents"] for i in g["instalments"] if i["status"] == "paid"]
        assert g["paid_cents"] == sum(paid)
        disbursed = [o["instalment_id"] for o in g["payment_orders"] if o["status"] == "disbursed"]
        assert len(disbursed) == len(set(disbursed)), "an instalment was paid twice"


batch = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.integers(0, 1000),
        st.sampled_from(OFFICERS),
        st.integers(0, 120),
    ),
    min_size=2,
    max_size=6,
)


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=st.lists(batch, min_size=6, max_size=10))
async def test_concurrent_commands_never_break_the_books(
    payments: Payments,
    batches: list[list[tuple[str, int, str, int]]],
) -> None:
    up = payments.upstream
    programme = await up.programme()
    call = await up.call(programme, budget_cents=100_000 * EUR)
    org = await up.organisation("sme-cb")
    grants = [
        await payments.grant_of(await up.contract(call, programme, org, amount))
        for amount in (40_000 * EUR, 30_000 * EUR + 1)
    ]
    for commands in batches:
        answers = await asyncio.gather(*(command(payments, grants, *c)() for c in commands))
        assert all(a.status_code < 500 for a in answers), [a.text for a in answers]
        grants = [await payments.grant(g["id"]) for g in grants]
        await check_books(payments, call, grants)
        await approve_reports(payments, grants)
        grants = [await payments.grant(g["id"]) for g in grants]
    event("money paid" if any(g["paid_cents"] for g in grants) else "nothing paid")
    event("money recovered" if any(g["recovered_cents"] for g in grants) else "none recovered")
