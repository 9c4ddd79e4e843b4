"""`cascade dlq`: list and replay the messages a consumer gave up on."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from cascade.cli.common import fail, load_settings, run_async
from shared.errors import InfrastructureUnavailable, NotFound

if TYPE_CHECKING:
    from shared.deadletter import DeadLetter

T = TypeVar("T")

dlq_app = typer.Typer(
    help="Dead letters: messages a consumer gave up on, with the reason; list and replay them.",
    no_args_is_help=True,
)
ConsumerOption = Annotated[
    str, typer.Option("--consumer", help="The consumer (a service name) whose dead letters to use")
]


@dlq_app.command("list")
def list_command(consumer: ConsumerOption) -> None:
    """Show the consumer's dead letters, oldest first."""
    from shared.deadletter import list_dead_letters

    letters = _run(list_dead_letters(load_settings(), consumer))
    if not letters:
        Console().print(f"{consumer}: no dead letters")
        return
    Console().print(_table(consumer, letters))


@dlq_app.command("replay")
def replay_command(
    consumer: ConsumerOption,
    offset: Annotated[
        list[int] | None,
        typer.Option("--offset", help="A dead letter's offset; repeat for several; default all"),
    ] = None,
) -> None:
    """Republish dead letters to their original topic; the inbox keeps a repeat harmless."""
    from shared.deadletter import replay_dead_letters

    count = _run(replay_dead_letters(load_settings(), consumer, offset or None))
    Console().print(f"{consumer}: replayed {count} dead letter(s)")


def _table(consumer: str, letters: list[DeadLetter]) -> Table:
    table = Table(title=f"{consumer}: {len(letters)} dead letter(s)")
    for column in ("offset", "failed at", "event", "from", "error"):
        table.add_column(column)
    for letter in letters:
        table.add_row(
            str(letter.offset),
            letter.failed_at.isoformat(timespec="seconds") if letter.failed_at else "",
            f"{letter.event_type or '?'} {letter.event_id or ''}".strip(),
            f"{letter.original_topic}[{letter.original_partition}]@{letter.original_offset}",
            f"{letter.error_type}: {letter.error_message}",
        )
    return table


def _run(work: Coroutine[Any, Any, T]) -> T:
    try:
        return run_async(work)
    except (InfrastructureUnavailable, NotFound) as exc:
        fail(str(exc))
