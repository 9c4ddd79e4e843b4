"""Fuzz every service's OpenAPI document with schemathesis against a running stack,
once per role, and print one line per run and a summary.

    make up                       # in another terminal, or any running stack
    make fuzz                     # = python scripts/fuzz_api.py
    python scripts/fuzz_api.py --services calls --roles applicant --examples 5

The services are found as other commands find them (CASCADE_<SERVICE>_URL, or
CASCADE_HOST and the ports) and tokens are minted with the stack's development
secret. Exits 1 if any run found a failure; each run's report is kept in
`--report-dir` (JUnit XML and the tool's own output).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cascade.services import NAMES
from shared.auth import ROLES, mint_token
from shared.settings import Settings

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"


@dataclass(frozen=True)
class Run:
    service: str
    role: str
    operations: int
    cases: int
    failures: int  # an answer that broke a check
    errors: int  # the tool could not test an operation
    output: Path

    def line(self) -> str:
        return (
            f"{self.service:<13} {self.role:<18} {self.operations:>10} {self.cases:>7} "
            f"{self.failures:>8} {self.errors:>6}"
        )


def schemathesis() -> str:
    found = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    if not Path(found).exists():
        raise SystemExit("schemathesis is not installed: make .venv/.installed (dev extras)")
    return found


def fuzz(
    service: str,
    role: str,
    url: str,
    settings: Settings,
    *,
    examples: int,
    report_dir: Path,
    seed: int,
    workers: int = 1,
    phases: str | None = None,
) -> Run:
    """One schemathesis run over `service`'s document with a token of `role`
    (every phase of the tool, or only `phases`, e.g. "examples,fuzzing")."""
    token = mint_token(settings, f"fuzz-{role}", [role])
    junit = report_dir / f"{service}-{role}.xml"
    output = report_dir / f"{service}-{role}.txt"
    completed = subprocess.run(
        [
            schemathesis(),
            "run",
            f"{url}/openapi.json",
            "--checks",
            CHECKS,
            "--header",
            f"Authorization: Bearer {token}",
            "--max-examples",
            str(examples),
            "--workers",
            str(workers),
            "--seed",
            str(seed),
            "--no-shrink",
            "--request-timeout",
            "30",
            "--report",
            "junit",
            "--report-junit-path",
            str(junit),
            *(["--phases", phases] if phases else []),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    output.write_text(completed.stdout + completed.stderr)
    generated = re.search(r"(\d+) generated", completed.stdout)
    suites = ElementTree.parse(junit).getroot() if junit.exists() else None
    cases = list(suites.iter("testcase")) if suites is not None else []
    failed = sum(1 for case in cases if case.find("failure") is not None)
    errors = sum(1 for case in cases if case.find("error") is not None)
    if completed.returncode != 0 and not failed and not errors:
        errors = 1  # the tool could not run at all (schema unreachable): say so
    return Run(
        service,
        role,
        len(cases),
        int(generated.group(1)) if generated else 0,
        failed,
        errors,
        output,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", nargs="+", default=list(NAMES), choices=NAMES)
    parser.add_argument("--roles", nargs="+", default=list(ROLES), choices=ROLES)
    parser.add_argument("--examples", type=int, default=10, help="test cases per operation")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--report-dir", type=Path, default=Path(".cascade/fuzz"))
    args = parser.parse_args(argv)
    settings = Settings()
    args.report_dir.mkdir(parents=True, exist_ok=True)
    print(
        f"{'service':<13} {'role':<18} {'operations':>10} {'cases':>7} {'failures':>8} "
        f"{'errors':>6}"
    )
    runs = []
    for service in args.services:
        for role in args.roles:
            run = fuzz(
                service,
                role,
                settings.url_of(service),
                settings,
                examples=args.examples,
                report_dir=args.report_dir,
                seed=args.seed,
            )
            runs.append(run)
            print(
                run.line() + (f"   see {run.output}" if run.failures or run.errors else ""),
                flush=True,
            )
    failures, errors = sum(r.failures for r in runs), sum(r.errors for r in runs)
    print(
        f"{len(runs)} runs, {sum(r.operations for r in runs)} operations tested, "
        f"{sum(r.cases for r in runs)} test cases, {failures} failures, {errors} errors"
    )
    return 1 if failures or errors else 0


if __name__ == "__main__":
    sys.exit(main())
