"""Running `cascade demo`: find the stack (or start one), play, wait for
reporting, print the programme report."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cascade.demo.client import Cascade, DemoError
from cascade.demo.play import Player
from cascade.demo.population import generate
from cascade.demo.report import caught_up, print_report, render_cases
from shared.settings import Settings

console = Console()


async def run_demo(settings: Settings, urls: dict[str, str], smes: int, seed: int) -> None:
    run = datetime.now(UTC).strftime("%y%m%d%H%M%S")
    population = generate(smes, seed, run)
    api = Cascade(settings, urls)
    started = time.monotonic()
    try:
        with Progress(
            TextColumn("{task.description:<40}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            played = await Player(api, population, run, progress).play()
            waiting = progress.add_task("reporting catches up", total=1)
            sizes = await caught_up(api, api.event_ids)
            progress.advance(waiting)
        console.print(
            f"[bold]{smes} SMEs (seed {seed}): {len(api.event_ids)} commands' events, "
            f"{sum(sizes.values())} events in all, played in "
            f"{time.monotonic() - started:.1f} s[/]"
        )
        console.print(render_cases(played))
        await print_report(api, console, played.programme_id)
        console.print(
            f"Programme {played.programme_id}; the story of one grant: "
            f"{urls['reporting']}/v1/audit/trail/applications/{played.contracted[0]}"
        )
        console.print(
            f"The upheld review's story: "
            f"{urls['reporting']}/v1/audit/trail/applications/{played.review_upheld}"
        )
    finally:
        await api.aclose()


def demo(
    settings: Settings,
    urls: dict[str, str],
    smes: int,
    seed: int,
    keep_running: bool,
    state_dir: str,
) -> None:
    """Play against the services at `urls`; start `cascade up` first if none answers."""
    missing = asyncio.run(_not_ready(settings, urls))
    if not missing:
        asyncio.run(run_demo(settings, urls, smes, seed))
        return
    if len(missing) < len(urls):
        raise DemoError(
            f"some services answer and others do not ({', '.join(missing)}): "
            "start the whole stack with `cascade up`, or give every URL"
        )
    with _stack(state_dir, keep_running):
        asyncio.run(_wait_ready(settings, urls))
        asyncio.run(run_demo(settings, urls, smes, seed))


async def _not_ready(settings: Settings, urls: dict[str, str]) -> list[str]:
    api = Cascade(settings, urls, timeout=2.0)
    try:
        return await api.ready()
    finally:
        await api.aclose()


async def _wait_ready(settings: Settings, urls: dict[str, str], timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while missing := await _not_ready(settings, urls):
        if time.monotonic() > deadline:
            raise DemoError(f"the stack did not become ready: {', '.join(missing)}")
        await asyncio.sleep(0.5)


@contextmanager
def _stack(state_dir: str, keep_running: bool) -> Iterator[None]:
    """`cascade up` in the background, its output in a log file, stopped afterwards
    unless asked to keep it."""
    log = Path(state_dir) / "logs" / "demo-stack.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    console.print(f"No stack answers: starting `cascade up` (output in {log}) ...")
    with log.open("ab") as out:
        stack = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cascade.cli.main",
                "up",
                "--state-dir",
                state_dir,
                "--log-to-files",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
            start_new_session=True,
        )
    try:
        yield
    finally:
        if keep_running:
            console.print(
                f"The stack keeps running (process {stack.pid}); stop it with `kill {stack.pid}`."
            )
        else:
            console.print("stopping the stack the demo started ...")
            stack.send_signal(signal.SIGTERM)
            try:
                stack.wait(60)
            except subprocess.TimeoutExpired:
                stack.kill()
