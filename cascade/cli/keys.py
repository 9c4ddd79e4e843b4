"""`cascade keys`: the data subjects' keys after a master key rotation (docs/PERSONAL_DATA.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cascade.cli.common import fail, load_settings, run_async
from shared.errors import InfrastructureUnavailable

if TYPE_CHECKING:
    from shared.settings import Settings

keys_app = typer.Typer(help="The data subjects' keys: rewrap them after a master key rotation.")


@keys_app.command("rewrap")
def rewrap_command(
    service: Annotated[
        list[str] | None,
        typer.Option("--service", help="A service whose key store to rewrap; repeat; default all"),
    ] = None,
) -> None:
    """Wrap every subject key with the current master key (CASCADE_MASTER_KEY), so
    that the retired ones (CASCADE_RETIRED_MASTER_KEYS) can then be dropped."""
    from cascade.services import NAMES

    unknown = sorted(set(service or ()) - set(NAMES))
    if unknown:
        fail(f"unknown service(s) {', '.join(unknown)}: choose from {', '.join(NAMES)}")
    settings = load_settings()
    try:
        for name in service or NAMES:
            count = run_async(_rewrap(settings, name))
            Console().print(f"{name}: {count} key(s) rewrapped with the current master key")
    except InfrastructureUnavailable as exc:
        fail(str(exc))


async def _rewrap(settings: Settings, service: str) -> int:
    from shared.db import make_engine
    from shared.keystore import subject_keys
    from shared.kms import master_key_id

    keys = subject_keys(settings)
    current = master_key_id(settings.master_key.get_secret_value())
    engine = make_engine(settings.database_url_of(service), pool_size=1)
    total = 0
    try:
        while True:
            async with engine.begin() as conn:
                done = await keys.rewrap(conn, current)
            total += done
            if not done:
                return total
    finally:
        await engine.dispose()
