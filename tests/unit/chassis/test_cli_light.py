"""`cascade --help` and `cascade token` load none of the service machinery, so they
start at once (bench/cli_startup.py measures how fast)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "aiokafka",
    "asyncpg",
    "httpx",
    "uvicorn",
    "alembic",
    "services.calls.main",
)
PROBE = """
import sys
from cascade.cli.main import app
try:
    app(sys.argv[1:])
except SystemExit:
    pass
heavy = [m for m in {heavy!r} if m in sys.modules]
sys.stderr.write("HEAVY=" + ",".join(heavy) + "\\n")
"""


def loaded_by(*arguments: str) -> list[str]:
    env = {"CASCADE_ENVIRONMENT": "development", "PATH": ""}
    run = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *arguments],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    [line] = [x for x in run.stderr.splitlines() if x.startswith("HEAVY=")]
    return [m for m in line.removeprefix("HEAVY=").split(",") if m]


@pytest.mark.parametrize(
    "arguments",
    [
        ("--help",),
        ("token", "--role", "admin", "--sub", "alice"),
        ("reporting", "--help"),
        ("dlq", "--help"),
    ],
)
def test_the_command_line_imports_no_service_machinery(arguments: tuple[str, ...]) -> None:
    assert loaded_by(*arguments) == []


def test_the_probe_notices_a_command_that_does_load_it() -> None:
    # With no broker configured, `topics create` fails at once, after loading it all.
    assert {"fastapi", "aiokafka", "services.calls.main"} <= set(loaded_by("topics", "create"))
