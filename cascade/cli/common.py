"""What every `cascade` subcommand shares: one-line failures and the settings."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from shared.settings import Settings

T = TypeVar("T")

err = Console(stderr=True)


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine (asyncio is imported only by commands that need it)."""
    import asyncio

    return asyncio.run(work)


def fail(message: str) -> NoReturn:
    """One clear line and a non-zero exit; no traceback for an operator's problem."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(1)


def load_settings() -> Settings:
    from shared.settings import Settings

    try:
        return Settings()
    except ValueError as exc:
        fail(str(exc).splitlines()[-1] if str(exc) else "invalid settings")
