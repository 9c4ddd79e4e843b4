"""The `cascade` command: run the stack, serve a service, migrate, mint tokens, audit."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cascade.cli.common import err, fail, load_settings, run_async
from cascade.cli.dlq import dlq_app
from cascade.cli.keys import keys_app
from cascade.cli.reporting import reporting_app
from cascade.services import NAMES
from shared.errors import InfrastructureUnavailable

# Each command imports what it runs when it runs: `cascade --help` and `cascade
# token` never load FastAPI, SQLAlchemy or aiokafka.

app = typer.Typer(help="Cascade: cascade funding for EU cluster programmes.", no_args_is_help=True)
topics_app = typer.Typer(help="Kafka topics.", no_args_is_help=True)
audit_app = typer.Typer(help="The integrity of the stored history.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")
app.add_typer(audit_app, name="audit")
app.add_typer(dlq_app, name="dlq")
app.add_typer(reporting_app, name="reporting")
app.add_typer(keys_app, name="keys")

ServiceArg = Annotated[str, typer.Argument(help=f"One of: {', '.join(NAMES)}")]


def check_service(name: str) -> None:
    if name not in NAMES:
        fail(f"unknown service {name!r}: choose one of {', '.join(NAMES)}")


@app.command()
def up(
    state_dir: Annotated[
        str, typer.Option(help="Where the embedded database and logs live")
    ] = ".cascade",
    log_to_files: Annotated[bool, typer.Option(help="Write service logs to files only")] = False,
) -> None:
    """Start the whole stack locally: PostgreSQL, the broker, topics, migrations, four services."""
    from cascade.cli.up import run_stack

    try:
        code = run_stack(load_settings(), state_dir, log_to_files=log_to_files)
    except InfrastructureUnavailable as exc:
        fail(str(exc))
    raise typer.Exit(code)


@app.command()
def serve(
    service: ServiceArg,
    port: Annotated[int | None, typer.Option(help="Defaults to the service's own port")] = None,
) -> None:
    """Serve one service (HTTP API, relay, consumers) in this process."""
    from cascade.serve import serve as run
    from cascade.services import load_service

    check_service(service)
    run(load_service(service), load_settings(), port)


@app.command()
def gateway(
    port: Annotated[
        int | None, typer.Option(help="Defaults to CASCADE_GATEWAY_PORT (8000)")
    ] = None,
) -> None:
    """Serve the built console and route /api/<service>/... to the services (one origin)."""
    from cascade.gateway import serve_gateway

    serve_gateway(load_settings(), port)


@app.command()
def migrate(service: ServiceArg) -> None:
    """Create the service's database if missing and apply its migrations."""
    from cascade.migrate import migrate as run_migrations

    check_service(service)
    settings = load_settings()
    try:
        run_async(run_migrations(service, settings.database_url_of(service)))
    except (InfrastructureUnavailable, ValueError) as exc:
        fail(str(exc))
    err.print(f"{service}: migrations applied")


@topics_app.command("create")
def create_topics() -> None:
    """Create the event and dead-letter topics that are missing."""
    from cascade.services import ensure_topics

    try:
        created = run_async(ensure_topics(load_settings()))
    except InfrastructureUnavailable as exc:
        fail(str(exc))
    err.print(f"created {len(created)} topic(s): {', '.join(created) or 'none needed'}")


@app.command()
def token(
    role: Annotated[list[str], typer.Option("--role", help="A role; repeat for several")],
    sub: Annotated[str, typer.Option(help="The subject (user id)")],
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
) -> None:
    """Print a development token (HS256 with the configured secret) on standard output."""
    from shared.tokens import mint_token

    try:
        sys.stdout.write(mint_token(load_settings(), sub, role, name=name) + "\n")
    except ValueError as exc:
        fail(str(exc))


@audit_app.command("verify")
def audit_verify(
    service: Annotated[
        list[str] | None, typer.Option("--service", help="Repeatable; default all owners of events")
    ] = None,
) -> None:
    """Check each service's stored events against their integrity chain."""
    from cascade.cli.audit import verify_services

    try:
        broken = run_async(verify_services(load_settings(), service or None))
    except InfrastructureUnavailable as exc:
        fail(str(exc))
    raise typer.Exit(1 if broken else 0)


@audit_app.command("dossier")
def audit_dossier(
    programme: Annotated[str, typer.Option(help="The programme's id")],
    out: Annotated[Path, typer.Option(help="The file to write (a ZIP)")],
) -> None:
    """Write a programme's signed dossier from reporting's database (docs/AUDIT_DOSSIER.md)."""
    from cascade.cli.dossier import write_dossier
    from services.reporting.signing import SigningKeyRefused
    from shared.errors import NotFound

    try:
        written = run_async(write_dossier(load_settings(), programme, out))
    except (InfrastructureUnavailable, NotFound, SigningKeyRefused, OSError) as exc:
        fail(str(exc))
    err.print(f"{out}: the dossier of programme {programme}, {written['events']} events, signed")


@audit_app.command("check-dossier")
def audit_check_dossier(
    file: Annotated[Path, typer.Argument(help="The dossier (a ZIP file)")],
    public_key: Annotated[
        str,
        typer.Option(
            help="A PEM file, the saved answer of GET /v1/audit/public-key, or a base64 key"
        ),
    ],
    with_integrity_key: Annotated[
        bool,
        typer.Option(
            help="Also recompute each event's HMAC with CASCADE_INTEGRITY_KEY (its holders only)"
        ),
    ] = False,
) -> None:
    """Check a dossier offline: signature, parts, events, chains and figures."""
    from cascade.cli.dossier import check_dossier_file

    raise typer.Exit(check_dossier_file(file, public_key, with_integrity_key))


@audit_app.command("new-signing-key")
def audit_new_signing_key() -> None:
    """Print a new dossier signing key (for CASCADE_AUDIT_SIGNING_KEY) and its public key."""
    from services.reporting.signing import new_signing_key

    private, public = new_signing_key()
    sys.stdout.write(f"CASCADE_AUDIT_SIGNING_KEY={private}\npublic key: {public}\n")


@app.command()
def demo(
    smes: Annotated[int, typer.Option(min=20, help="How many SME organisations take part")] = 150,
    seed: Annotated[int, typer.Option(help="The same seed plays the same programme")] = 7,
    calls_url: Annotated[str | None, typer.Option(help="Default: the local calls service")] = None,
    applications_url: Annotated[str | None, typer.Option()] = None,
    payments_url: Annotated[str | None, typer.Option()] = None,
    reporting_url: Annotated[str | None, typer.Option()] = None,
    keep_running: Annotated[
        bool, typer.Option(help="Leave a stack the demo started running afterwards")
    ] = False,
    state_dir: Annotated[str, typer.Option(help="For a stack the demo starts")] = ".cascade",
) -> None:
    """Play a realistic programme through the public APIs and print its report."""
    from cascade.demo.client import DemoError
    from cascade.demo.run import demo as run

    settings = load_settings()
    given = {
        "calls": calls_url,
        "applications": applications_url,
        "payments": payments_url,
        "reporting": reporting_url,
    }
    urls = {s: url or f"http://{settings.host}:{settings.port_of(s)}" for s, url in given.items()}
    try:
        run(settings, urls, smes, seed, keep_running, state_dir)
    except DemoError as exc:
        fail(str(exc))


if __name__ == "__main__":
    app()
