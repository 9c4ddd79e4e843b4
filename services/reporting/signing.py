"""The deployment's dossier signing keys, from the settings: the newest signs,
the public keys of those it replaced stay listed so older dossiers still check."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.reporting.dossier_format import (
    ALGORITHM,
    key_id,
    pem_of,
    public_key_from_base64,
    raw_public_key,
)
from shared.settings import DEV_AUDIT_SIGNING_KEY, Settings

if TYPE_CHECKING:
    from shared.chassis import Chassis


class SigningKeyRefused(ValueError):
    """The signing key setting cannot be used here."""


@dataclass(frozen=True)
class SigningKeys:
    signing: Ed25519PrivateKey
    retired: tuple[Ed25519PublicKey, ...] = ()

    @property
    def public(self) -> Ed25519PublicKey:
        return self.signing.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    def sign(self, data: bytes) -> bytes:
        """The base64 signature of `data`."""
        return base64.b64encode(self.signing.sign(data))

    def document(self) -> dict[str, Any]:
        """The answer of `GET /v1/audit/public-key`: the signing key, then the retired ones."""
        listed = [
            {
                "key_id": key_id(key),
                "algorithm": ALGORITHM,
                "public_key": pem_of(key),
                "public_key_base64": base64.b64encode(raw_public_key(key)).decode(),
                "signing": position == 0,
            }
            for position, key in enumerate((self.public, *self.retired))
        ]
        return {**listed[0], "keys": listed}


def signing_keys(settings: Settings) -> SigningKeys:
    """The keys of `CASCADE_AUDIT_SIGNING_KEY` and `CASCADE_AUDIT_RETIRED_PUBLIC_KEYS`.

    Only reporting signs, so only reporting refuses the development key in
    production (at start, and before each dossier): the other services and the
    migrations never need this secret."""
    secret = settings.audit_signing_key.get_secret_value()
    if settings.environment == "production" and secret == DEV_AUDIT_SIGNING_KEY:
        raise SigningKeyRefused("CASCADE_AUDIT_SIGNING_KEY must be set outside development")
    try:
        raw = base64.b64decode(secret.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SigningKeyRefused("CASCADE_AUDIT_SIGNING_KEY is not base64") from None
    if len(raw) != 32:
        raise SigningKeyRefused(
            f"CASCADE_AUDIT_SIGNING_KEY must be a 32-byte Ed25519 private key, not {len(raw)} bytes"
        )
    retired = []
    for text in filter(None, (t.strip() for t in settings.audit_retired_public_keys.split(","))):
        try:
            retired.append(public_key_from_base64(text))
        except ValueError as exc:
            raise SigningKeyRefused(
                f"CASCADE_AUDIT_RETIRED_PUBLIC_KEYS holds {text[:12]}...: {exc}"
            ) from None
    return SigningKeys(Ed25519PrivateKey.from_private_bytes(raw), tuple(retired))


def new_signing_key() -> tuple[str, str]:
    """A fresh private key and its public key, both base64 (raw bytes)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = raw_public_key(key.public_key())
    return base64.b64encode(private).decode(), base64.b64encode(public).decode()


def signing_key_checked(chassis: Chassis) -> list[Any]:
    """A component factory with no component: reporting refuses to start with a
    signing key it could not sign with (the development key in production)."""
    signing_keys(chassis.settings)
    return []
