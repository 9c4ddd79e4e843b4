"""`cascade audit verify`: each service's history against its integrity chain."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from cascade.services import event_owners
from shared.audit import verify
from shared.db import make_engine
from shared.integrity import Break
from shared.settings import Settings

console = Console()


async def verify_services(settings: Settings, services: list[str] | None) -> int:
    """Print each broken place; return how many were found."""
    key = settings.integrity_key.get_secret_value().encode()
    total = 0
    for service in services or event_owners():
        engine = make_engine(settings.database_url_of(service), pool_size=1)
        try:
            async with engine.connect() as conn:
                breaks = await verify(conn, key)
        finally:
            await engine.dispose()
        total += len(breaks)
        show(service, breaks)
    return total


def show(service: str, breaks: list[Break]) -> None:
    if not breaks:
        console.print(f"[green]{service}: intact[/]")
        return
    table = Table(title=f"{service}: {len(breaks)} broken place(s)")
    for column in ("kind", "stream", "version", "detail"):
        table.add_column(column)
    for b in breaks:
        table.add_row(b.kind, b.stream_id, str(b.version or ""), b.detail)
    console.print(table)
