"""Checking a dossier with nothing but the file and a public key: the signature,
every part's SHA-256, each event against the signed index, each stream's chain
linkage up to its signed head, and the report's figures recomputed from the
events alone with reporting's own fold. Reads the file a line at a time; no
database, broker, settings or chain key.

Only the digests of the index are held in memory (about 150 bytes an event),
and the records the figures are folded into, as a report holds them."""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.reporting import dossier_format as fmt
from services.reporting.dossier_events import EventChecks
from services.reporting.dossier_figures import figure_differences

CHUNK = 1 << 16
PROGRESS_EVERY = 100


class DossierUnreadable(Exception):
    """The file is not a dossier (or what is left of one)."""


@dataclass(frozen=True)
class Finding:
    part: str  # signature | manifest | a part's name | figures
    kind: str
    where: str  # a line, a stream and version, a figure's path
    detail: str


@dataclass
class DossierCheck:
    programme_id: str | None = None
    signature: fmt.SignatureCheck | None = None
    events: int = 0
    streams: int = 0
    figures_compared: int = 0
    hmac_checked: bool = False  # each event's HMAC recomputed with the chain key
    attested: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings and self.signature is not None and self.signature.valid


Progress = Callable[[int, int], None]
"""Told (events checked since, events the manifest lists) as the check goes."""


def check_dossier(
    path: Path,
    keys: list[Ed25519PublicKey],
    progress: Progress | None = None,
    integrity_key: bytes | None = None,
) -> DossierCheck:
    """Every finding about the dossier at `path`; DossierUnreadable when it is none.
    The chain's HMAC key is not needed; given, each event's HMAC is checked too."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DossierUnreadable(
            f"{path} is not a readable dossier (a ZIP file), or it is truncated: {exc}"
        ) from None
    with archive:
        return _check(archive, keys, progress, integrity_key)


def _check(
    archive: zipfile.ZipFile,
    keys: list[Ed25519PublicKey],
    progress: Progress | None,
    integrity_key: bytes | None,
) -> DossierCheck:
    result = DossierCheck(hmac_checked=integrity_key is not None)
    names = set(archive.namelist())
    if fmt.MANIFEST not in names or fmt.SIGNATURE not in names:
        raise DossierUnreadable("the file holds no signed manifest: it is not a Cascade dossier")
    manifest_bytes, signature = _read(archive, fmt.MANIFEST), _read(archive, fmt.SIGNATURE)
    try:
        manifest = json.loads(manifest_bytes)
        listed = {part["name"]: part for part in manifest["parts"]}
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise DossierUnreadable(f"the manifest cannot be read: {exc}") from None
    if not isinstance(manifest, dict):
        raise DossierUnreadable("the manifest is not a JSON object")
    result.programme_id = str(manifest.get("programme_id"))
    attested = manifest.get("integrity_chain")
    result.attested = attested if isinstance(attested, dict) else {}
    result.signature = fmt.check_signature(manifest_bytes, signature, keys, manifest.get("key_id"))
    if not result.signature.valid:
        result.findings.append(
            Finding("signature", "not_signed", "manifest.sig", result.signature.detail)
        )
    for name in fmt.PARTS:
        _check_part(archive, name, listed.get(name), result)
    if not all(name in names for name in fmt.PARTS):
        return result
    checks = EventChecks(_lines(archive, fmt.INDEX), _lines(archive, fmt.HEADS), integrity_key)
    listed_events = listed.get(fmt.EVENTS, {}).get("lines")
    total = listed_events if isinstance(listed_events, int) else 0
    for line_number, line in enumerate(_lines(archive, fmt.EVENTS), start=1):
        checks.take(line_number, line)
        if progress is not None and line_number % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY, total)
    checks.end()
    result.events, result.streams = checks.events, checks.streams
    result.findings += [Finding(*f) for f in checks.findings]
    report = _report(archive, result)
    if report is not None:
        differences = figure_differences(report, checks.records())
        result.figures_compared = differences.compared
        result.findings += [
            Finding("figures", "figure_differs", path, detail) for path, detail in differences.items
        ]
    return result


def _check_part(
    archive: zipfile.ZipFile, name: str, listed: dict[str, Any] | None, result: DossierCheck
) -> None:
    if listed is None:
        result.findings.append(
            Finding("manifest", "part_unlisted", name, "the manifest does not list it")
        )
        return
    try:
        member = archive.open(name)
    except KeyError:
        result.findings.append(
            Finding(name, "part_missing", name, "the part was removed from the file")
        )
        return
    sha, size = hashlib.sha256(), 0
    try:
        with member:
            while chunk := member.read(CHUNK):
                sha.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        result.findings.append(Finding(name, "part_unreadable", name, f"cannot be read: {exc}"))
        return
    if sha.hexdigest() != listed.get("sha256"):
        result.findings.append(
            Finding(
                name,
                "part_changed",
                name,
                f"its SHA-256 is {sha.hexdigest()[:16]}..., the signed manifest says "
                f"{str(listed.get('sha256'))[:16]}... ({size} bytes, signed {listed.get('bytes')})",
            )
        )


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise DossierUnreadable(f"{name} cannot be read: {exc}") from None


def _lines(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """The part's lines, without their newlines; an unreadable rest ends it (the
    part's hash check has named it already)."""
    try:
        member: IO[bytes] = archive.open(name)
        with member:
            for line in member:
                yield line.rstrip(b"\n")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return


def _report(archive: zipfile.ZipFile, result: DossierCheck) -> dict[str, Any] | None:
    try:
        report = json.loads(archive.read(fmt.REPORT))
    except (ValueError, zipfile.BadZipFile, zlib.error, OSError) as exc:
        result.findings.append(Finding(fmt.REPORT, "part_unreadable", fmt.REPORT, str(exc)))
        return None
    if not isinstance(report, dict):
        result.findings.append(Finding(fmt.REPORT, "part_unreadable", fmt.REPORT, "not an object"))
        return None
    return report
