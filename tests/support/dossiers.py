"""Auditors' dossiers in tests: checked in a process of their own that has no
database, broker or Cascade setting, and tampered with as a forger would."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.reporting import dossier_format as fmt
from shared.integrity import canonical_json

Lines = list[bytes]


@dataclass(frozen=True)
class Checked:
    code: int
    output: str


def check_offline(dossier: Path, public_key: str, *more: str, **env: str) -> Checked:
    """`cascade audit check-dossier` in a fresh process whose environment names
    no database, broker or setting (but those of `env`): only the file and the key."""
    bare = {
        name: value
        for name, value in os.environ.items()
        if name in ("PATH", "HOME", "LANG", "TMPDIR", "SYSTEMROOT")
    }
    done = subprocess.run(
        [sys.executable, "-m", "cascade", "audit", "check-dossier", str(dossier)]
        + ["--public-key", public_key, *more],
        env={**bare, "COLUMNS": "220", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Checked(done.returncode, done.stdout + done.stderr)


def parts_of(dossier: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(dossier) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_parts(parts: dict[str, bytes], to: Path) -> Path:
    with zipfile.ZipFile(to, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return to


def event_lines(parts: dict[str, bytes]) -> Lines:
    return parts[fmt.EVENTS].splitlines()


def with_events(dossier: Path, to: Path, change: Callable[[Lines], Lines]) -> Path:
    """A copy whose events part `change` rewrote; manifest and signature kept."""
    parts = parts_of(dossier)
    parts[fmt.EVENTS] = b"".join(line + b"\n" for line in change(event_lines(parts)))
    return write_parts(parts, to)


def resigned(dossier: Path, to: Path, change: Callable[[Lines], Lines]) -> Path:
    """A forger's copy: events changed, the manifest's hashes made to fit, and the
    manifest signed again with a key of the forger's own."""
    parts = parts_of(dossier)
    parts[fmt.EVENTS] = b"".join(line + b"\n" for line in change(event_lines(parts)))
    manifest = json.loads(parts[fmt.MANIFEST])
    for part in manifest["parts"]:
        data = parts[part["name"]]
        part.update(sha256=fmt.digest(data), bytes=len(data))
    forger = Ed25519PrivateKey.generate()
    manifest["key_id"] = fmt.key_id(forger.public_key())
    parts[fmt.MANIFEST] = canonical_json(manifest)
    parts[fmt.SIGNATURE] = base64.b64encode(forger.sign(parts[fmt.MANIFEST]))
    return write_parts(parts, to)


def event_id(line: bytes) -> str:
    return str(json.loads(line)["id"])


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def pem_file(document: Path, to: Path) -> Path:
    """The signing key of a saved GET /v1/audit/public-key answer, as a PEM file."""
    to.write_text(read_json(document)["public_key"])
    return to


def truncated(dossier: Path, to: Path) -> Path:
    """The first half of the file, as a broken download leaves it."""
    data = dossier.read_bytes()
    to.write_bytes(data[: len(data) // 2])
    return to


def forged_by_a_signer(
    dossier: Path, to: Path, change: Callable[[Lines], Lines], sign: Callable[[bytes], bytes]
) -> Path:
    """What a holder of the signing key (and not of the chain key) could forge:
    events changed in place, the index and the manifest made to fit, signed."""
    parts = parts_of(dossier)
    lines = change(event_lines(parts))
    parts[fmt.EVENTS] = b"".join(line + b"\n" for line in lines)
    index = [json.loads(entry) for entry in parts[fmt.INDEX].splitlines()]
    for entry, line in zip(index, lines, strict=True):
        entry["sha256"] = fmt.digest(line)
    parts[fmt.INDEX] = b"".join(canonical_json(entry) + b"\n" for entry in index)
    manifest = json.loads(parts[fmt.MANIFEST])
    for part in manifest["parts"]:
        data = parts[part["name"]]
        part.update(sha256=fmt.digest(data), bytes=len(data))
    parts[fmt.MANIFEST] = canonical_json(manifest)
    parts[fmt.SIGNATURE] = sign(parts[fmt.MANIFEST])
    return write_parts(parts, to)
