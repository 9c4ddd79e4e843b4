"""`cascade reporting rebuild`: every reporting projection rebuilt from scratch,
with a progress bar, while the service keeps answering from the old one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cascade.cli.common import fail, load_settings, run_async
from shared.errors import InfrastructureUnavailable

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from services.reporting.rebuild import RebuildResult
    from shared.settings import Settings

reporting_app = typer.Typer(help="The reporting service's projections.", no_args_is_help=True)
console = Console(stderr=True)


class RichProgress:
    """A progress bar per stage of the rebuild (a spinner where the total is unknown)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def stage(self, description: str, total: int | None) -> None:
        if self._task is not None:
            self._progress.update(self._task, total=self._progress.tasks[-1].completed)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, count: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, count)


def operator_errors() -> tuple[type[BaseException], ...]:
    """What a rebuild fails on that an operator fixes: reported as one line."""
    from aiokafka.errors import KafkaError
    from sqlalchemy.exc import SQLAlchemyError

    from services.reporting.feeds import FeedUnavailable
    from services.reporting.rebuild import RebuildRunning

    return (
        RebuildRunning,
        FeedUnavailable,
        InfrastructureUnavailable,
        SQLAlchemyError,
        KafkaError,
        OSError,
    )


async def rebuild(settings: Settings, *, from_topics: bool, from_feeds: bool) -> RebuildResult:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from services.reporting.feeds import http_clients
    from services.reporting.rebuild import Rebuild
    from shared.db import make_engine

    feeds = http_clients(settings)
    engine = make_engine(settings.database_url_of("reporting"), pool_size=2)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console) as progress:
            job = Rebuild(settings, engine, feeds=feeds, progress=RichProgress(progress))
            return await job.run(from_topics=from_topics, from_feeds=from_feeds)
    finally:
        await engine.dispose()


@reporting_app.command("rebuild")
def rebuild_command(
    from_feeds: Annotated[
        bool,
        typer.Option(
            "--from-feeds", help="Also read each service's /v1/events feed (before the topics)"
        ),
    ] = False,
    topics: Annotated[
        bool,
        typer.Option("--topics/--no-topics", help="Read the event topics from their beginning"),
    ] = True,
) -> None:
    """Rebuild every projection beside the live one, then swap it in."""
    settings = load_settings()
    try:
        result = run_async(rebuild(settings, from_topics=topics, from_feeds=from_feeds))
    except operator_errors() as exc:
        fail(f"rebuild failed: {type(exc).__name__}: {exc}")
        return
    console.print(
        f"[green]generation {result.generation} active[/]: {result.events_read} events read, "
        f"{result.records} records, {result.skipped} skipped, checksum {result.checksum}"
    )
