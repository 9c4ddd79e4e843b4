"""`cascade audit dossier` and `cascade audit check-dossier`: an auditor's signed
copy of a programme, written from reporting's database, checked from the file
and a public key alone."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from rich.console import Console
from rich.table import Table

from cascade.cli.common import fail

if TYPE_CHECKING:
    from rich.progress import Progress

    from services.reporting.dossier_check import DossierCheck
    from shared.settings import Settings

console = Console()
err = Console(stderr=True)


def progress_bar() -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    )


async def write_dossier(settings: Settings, programme: str, out: Path) -> dict[str, int]:
    """Write the programme's dossier to `out` (whole or not at all); its events by source."""
    from services.reporting.dossier import dossier_chunks, programme_snapshot
    from services.reporting.signing import signing_keys
    from shared.clock import SystemClock
    from shared.db import make_engine

    try:
        programme_id = str(UUID(programme))
    except ValueError:
        fail(f"--programme {programme!r} is not a programme id (a UUID)")
    keys = signing_keys(settings)
    integrity_key = settings.integrity_key.get_secret_value().encode()
    now = SystemClock().now()
    partial = out.with_name(f".{out.name}.partial")
    engine = make_engine(settings.database_url_of("reporting"), pool_size=1)
    try:
        async with programme_snapshot(engine, programme_id, now) as snapshot:
            bar = progress_bar()
            with bar, partial.open("wb") as file:
                task = bar.add_task("Writing the dossier's events", total=snapshot.events)
                async for chunk in dossier_chunks(
                    snapshot,
                    keys,
                    integrity_key,
                    now,
                    progress=lambda n: bar.advance(task, n),
                ):
                    file.write(chunk)
            os.replace(partial, out)
            return {"events": snapshot.events}
    finally:
        partial.unlink(missing_ok=True)
        await engine.dispose()


def check_dossier_file(file: Path, public_key: str, with_integrity_key: bool = False) -> int:
    """Print what the check found; the exit code (0 intact, 1 not, 2 unusable input)."""
    from services.reporting.dossier_check import DossierUnreadable, check_dossier
    from services.reporting.dossier_format import NoPublicKey, public_keys_from

    given = Path(public_key)
    try:
        text = given.read_text() if given.is_file() else public_key
        keys = public_keys_from(text)
    except (NoPublicKey, OSError, UnicodeDecodeError) as exc:
        err.print(f"[bold red]error:[/] the public key: {exc}", highlight=False)
        return 2
    integrity_key = None
    if with_integrity_key:
        held = os.environ.get("CASCADE_INTEGRITY_KEY")
        if not held:
            err.print(
                "[bold red]error:[/] --with-integrity-key reads CASCADE_INTEGRITY_KEY, which is not set",
                highlight=False,
            )
            return 2
        integrity_key = held.encode()
    if not file.is_file():
        err.print(f"[bold red]error:[/] no file {file}", highlight=False)
        return 2
    try:
        bar = progress_bar()
        with bar:
            task = bar.add_task("Checking the events", total=None)
            result = check_dossier(
                file,
                keys,
                progress=lambda n, total: bar.update(task, advance=n, total=total),
                integrity_key=integrity_key,
            )
            bar.update(task, completed=result.events, total=result.events)
    except DossierUnreadable as exc:
        console.print(f"[bold red]NOT A DOSSIER[/]: {exc}", highlight=False)
        return 1
    show(result)
    return 0 if result.intact else 1


def show(result: DossierCheck) -> None:
    signature = result.signature
    console.print(
        f"Dossier of programme {result.programme_id}: {result.events} events "
        f"in {result.streams} streams",
        highlight=False,
    )
    if signature is not None and signature.valid:
        console.print(f"signature  [green]valid[/]: {signature.detail} (Ed25519)", highlight=False)
    else:
        console.print(
            "signature  [bold red]not valid[/]: nothing the manifest says can be trusted; "
            "the checks below compare the file with an unsigned manifest",
            highlight=False,
        )
    parts = {f.part for f in result.findings}
    lines = (
        (
            "parts",
            "report.json, events.jsonl, index.jsonl, heads.jsonl: SHA-256 as signed",
            {"manifest", "report.json", "events.jsonl", "index.jsonl", "heads.jsonl"},
        ),
        ("events", f"all {result.events} as signed in the index, in its order", {"events.jsonl"}),
        (
            "chains",
            f"all {result.streams} streams linked up to their signed heads"
            + (
                ", every event's HMAC recomputed with the integrity key"
                if result.hmac_checked
                else ""
            ),
            {"chains"},
        ),
        (
            "figures",
            f"{result.figures_compared} figures recomputed from the events: equal to the report",
            {"figures"},
        ),
    )
    for name, good, covers in lines:
        if not parts & covers:
            console.print(f"{name:<10} [green]ok[/]: {good}", highlight=False)
    attested = result.attested
    if attested:
        state = (
            "intact"
            if attested.get("intact")
            else (f"{attested.get('differences_total')} difference(s), listed in manifest.json")
        )
        console.print(
            f"{'hmac':<10} when signing, the deployment checked "
            f"{attested.get('checked_with_integrity_key')} events against their HMAC chain: {state}",
            highlight=False,
        )
    if result.intact:
        console.print("[bold green]INTACT[/]")
        return
    table = Table(title=f"{len(result.findings)} finding(s)")
    for column in ("part", "kind", "where", "detail"):
        table.add_column(column, overflow="fold")
    for f in result.findings:
        table.add_row(f.part, f.kind, f.where, f.detail)
    console.print(table)
    console.print(f"[bold red]NOT INTACT[/]: {len(result.findings)} finding(s)")
