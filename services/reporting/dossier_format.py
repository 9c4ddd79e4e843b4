"""The dossier file an auditor takes away: its parts, how each event is digested,
and the Ed25519 keys that sign and check its manifest. No I/O.

A dossier is one ZIP file holding, in this order:
- `report.json`: the programme report as reporting served it;
- `events.jsonl`: every event of the programme's streams, one canonical JSON
  object per line (the envelope as stored, plus its `source`), by source,
  stream and version;
- `index.jsonl`: line n names the n-th event (`id`, `source`, `stream_id`,
  `version`) and the SHA-256 of its line, so a change, removal, insertion or
  move of an event is named without the chain's HMAC key;
- `heads.jsonl`: each stream's head (last version and chain hash) per source;
- `manifest.json`: the SHA-256, size and line count of every part above;
- `manifest.sig`: the Ed25519 signature (base64) of `manifest.json`'s bytes.
docs/AUDIT_DOSSIER.md tells auditors the same.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.integrity import canonical_json

FORMAT = "cascade-dossier/1"
ALGORITHM = "Ed25519"
REPORT, EVENTS, INDEX, HEADS = "report.json", "events.jsonl", "index.jsonl", "heads.jsonl"
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
PARTS = (REPORT, EVENTS, INDEX, HEADS)
# Figures that say when a report was read, not what it says.
REPORT_INSTANT_FIELDS = frozenset({"as_of", "basis"})


def event_line(source: str, envelope: Mapping[str, Any]) -> bytes:
    """An event as a line of `events.jsonl` (without its newline)."""
    return canonical_json({**envelope, "source": source})


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """A short name of a public key: the first 16 hex digits of its SHA-256."""
    return digest(raw_public_key(key))[:16]


def pem_of(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def public_key_from_base64(text: str) -> Ed25519PublicKey:
    """A raw 32-byte public key in base64; ValueError when it is not one."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key has 32 bytes, this one {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


class NoPublicKey(ValueError):
    """What was given as a public key is none."""


def public_keys_from(text: str) -> list[Ed25519PublicKey]:
    """The keys of what an auditor was given: a PEM public key, the answer of
    `GET /v1/audit/public-key` (every key it lists), or a raw key in base64."""
    stripped = text.strip()
    if stripped.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(stripped.encode())
        except ValueError as exc:
            raise NoPublicKey(f"not a readable PEM public key: {exc}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise NoPublicKey("the PEM key is not an Ed25519 key")
        return [key]
    if stripped.startswith("{"):
        try:
            listed = json.loads(stripped)["keys"]
            return [public_key_from_base64(k["public_key_base64"]) for k in listed]
        except (ValueError, KeyError, TypeError) as exc:
            raise NoPublicKey(
                f"not the answer of GET /v1/audit/public-key: {type(exc).__name__}: {exc}"
            ) from None
    try:
        return [public_key_from_base64(stripped)]
    except ValueError as exc:
        raise NoPublicKey(
            f"neither a PEM file, the key document, nor a base64 Ed25519 key ({exc})"
        ) from None


@dataclass(frozen=True)
class SignatureCheck:
    valid: bool
    key_id: str | None  # of the key that verified it
    detail: str


def check_signature(
    manifest: bytes, signature_b64: bytes, keys: list[Ed25519PublicKey], signed_by: str | None
) -> SignatureCheck:
    """Whether one of `keys` signed `manifest`; `signed_by` is the key id the manifest names."""
    try:
        signature = base64.b64decode(signature_b64.strip(), validate=True)
    except (binascii.Error, ValueError):
        return SignatureCheck(False, None, "manifest.sig is not base64: the signature was altered")
    for key in keys:
        try:
            key.verify(signature, manifest)
        except InvalidSignature:
            continue
        return SignatureCheck(True, key_id(key), f"signed by key {key_id(key)}")
    given = ", ".join(key_id(k) for k in keys)
    if signed_by is not None and signed_by not in {key_id(k) for k in keys}:
        detail = (
            f"the manifest names signing key {signed_by}, but the public key given is {given}: "
            "a wrong public key, or the dossier was re-signed with another key"
        )
    else:
        detail = f"the signature does not verify with key {given}: the manifest or its signature was altered"
    return SignatureCheck(False, None, detail)
