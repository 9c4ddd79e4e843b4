"""The programme report as a programme manager reads it: rich tables of the
reporting service's figures, once reporting has applied everything the demo did."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.table import Table

from cascade.demo.cast import AUDITOR, MANAGER, Played
from cascade.demo.client import Cascade, Json, until
from cascade.services import event_owners
from shared.values import format_money

EVENT_OWNERS = event_owners()


async def caught_up(api: Cascade, event_ids: list[str], timeout: float = 180.0) -> dict[str, int]:
    """Wait until reporting has applied the events the demo's commands recorded and,
    per source, as many events as the source's feed holds (which also covers what
    the services did by themselves, such as grants and due instalments)."""

    async def commands_applied() -> bool:
        for start in range(0, len(event_ids), 100):
            answer = await api.get(
                "reporting", AUDITOR, "/v1/watermarks", event_id=event_ids[start : start + 100]
            )
            if not answer.get("applied", True):
                return False
        return True

    await until(commands_applied, "reporting to apply the demo's commands", timeout)
    sizes = {service: await feed_size(api, service) for service in EVENT_OWNERS}

    async def sources_applied() -> bool:
        sources = (await api.get("reporting", AUDITOR, "/v1/watermarks"))["sources"]
        return all(sources[s]["events_applied"] >= n for s, n in sizes.items())

    await until(sources_applied, "reporting to apply every source's events", timeout)
    return sizes


async def feed(api: Cascade, service: str) -> list[Json]:
    """Every event of the service's commit-safe feed so far (an empty page ends it)."""
    found: list[Json] = []
    after = None
    while True:
        page = await api.get(
            service,
            AUDITOR,
            "/v1/events",
            limit=500,
            **({"after": after} if after is not None else {}),
        )
        if not page["items"]:
            return found
        found += page["items"]
        after = page["next_cursor"]


async def feed_size(api: Cascade, service: str) -> int:
    return len(await feed(api, service))


def money(cents: int | None, currency: str | None) -> str:
    return "-" if cents is None or not currency else format_money(cents, currency)


def render(report: Json) -> Group:
    currency = report.get("currency")
    amounts = Table(title="Money", show_header=False)
    for label, key in (
        ("committed", "committed_cents"),
        ("paid", "paid_cents"),
        ("recovered", "recovered_cents"),
    ):
        amounts.add_row(label, money(report.get(key), currency))
    headline = Table(title="The programme", show_header=False)
    for label, value in (
        ("applications submitted", report.get("applications_submitted")),
        ("SMEs supported", report.get("smes_supported")),
        ("support actions (grants)", report.get("support_actions")),
        ("grants refused", report.get("grants_refused")),
        ("mean score", report.get("mean_score")),
        ("success rate", _percent(report.get("success_rate"))),
        ("median days submission -> decision", report.get("median_days_to_decision")),
        ("median days contract -> first payment", report.get("median_days_to_first_payment")),
    ):
        headline.add_row(label, "-" if value is None else str(value))
    statuses = Table(title="Applications by status")
    statuses.add_column("status")
    statuses.add_column("applications", justify="right")
    for status, n in sorted(report.get("applications", {}).items()):
        statuses.add_row(status, str(n))
    return Group(
        headline,
        amounts,
        statuses,
        _breakdown("By country", report.get("by_country", {}), currency),
        _breakdown("By objective", report.get("by_objective", {}), currency),
        _breakdown("By call kind", report.get("by_call_kind", {}), currency),
    )


def render_cases(played: Played) -> Table:
    """The cases a programme meets, as the demo played them."""
    table = Table(title="Cases played", show_header=False)
    submitted = list(played.ranked.values()) + list(played.vouchers.values())
    for a in submitted:
        if a.get("status") == "ineligible":
            failed = next((o for o in a.get("eligibility", []) if not o["passed"]), None)
            table.add_row("ineligible", failed["reason"] if failed else "-")
    table.add_row(
        "withdrawn after submitting", str(sum(a.get("status") == "withdrawn" for a in submitted))
    )
    table.add_row(
        "submitted after the deadline",
        "refused: call_closed" if played.late_refused else "not refused!",
    )
    table.add_row(
        "kept in reserve when the vouchers ran out",
        str(sum(a.get("status") == "reserve" for a in played.vouchers.values())),
    )
    for case, answered in played.refusals.items():
        table.add_row(case, answered)
    table.add_row("annexes uploaded (sha256 kept)", str(len(played.annex_sha256)))
    table.add_row("assignments declined for a conflict", str(played.assignments_declined))
    table.add_row(
        "review upheld, re-evaluated",
        f"{played.upheld_outcome or '-'}; the ranking now in {played.ranking_versions} versions",
    )
    table.add_row("review dismissed", played.review_dismissed or "-")
    table.add_row("awards declined (a reserve promoted)", str(len(played.declined)))
    table.add_row("payments failed and ordered again", str(played.failed_payments))
    table.add_row("recovered", money(played.recovered_cents, played.currency))
    return table


def _breakdown(title: str, lines: dict[str, Any], currency: str | None) -> Table:
    table = Table(title=title)
    table.add_column(title.removeprefix("By ").lower(), no_wrap=True, min_width=16)
    for column in ("applications", "contracted", "committed", "paid"):
        table.add_column(column, justify="right")
    for key, line in sorted(lines.items()):
        table.add_row(
            key,
            str(line.get("applications", 0)),
            str(line.get("contracted", 0)),
            money(line.get("committed_cents"), currency),
            money(line.get("paid_cents"), currency),
        )
    return table


def _percent(value: float | None) -> str | None:
    return None if value is None else f"{value * 100:.1f}%"


async def print_report(api: Cascade, console: Console, programme_id: str) -> Json:
    report = await api.get("reporting", MANAGER, f"/v1/reports/programmes/{programme_id}")
    console.print(render(report))
    return report
