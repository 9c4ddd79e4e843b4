"""The demo's report writes its amounts in the programme's currency, one way."""

from __future__ import annotations

from rich.console import Console

from cascade.demo.report import render


def text_of(report: dict[str, object]) -> str:
    console = Console(record=True, width=200)
    console.print(render(report))
    return console.export_text()


def test_amounts_are_written_in_the_programmes_currency() -> None:
    shown = text_of(
        {
            "currency": "CHF",
            "committed_cents": 4_000_000,
            "paid_cents": 1_999,
            "by_country": {
                "FR": {
                    "applications": 2,
                    "contracted": 1,
                    "committed_cents": 4_000_000,
                    "paid_cents": 0,
                }
            },
        }
    )
    assert "CHF 40,000.00" in shown
    assert "CHF 19.99" in shown
    assert "EUR" not in shown
