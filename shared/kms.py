"""Wrapping the data subjects' keys: a KMS-shaped interface and the one that uses
the master keys of the settings.

A key store never keeps a subject's key in clear: it keeps it wrapped, with the
id of the master key that wrapped it. Vault's transit engine or a cloud KMS can
stand in for `MasterKeyRing` behind the same two calls, because they answer the
same questions (wrap these bytes; unwrap these, made by that key id).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
# Bound into every wrapping, so bytes wrapped for another purpose never unwrap here.
WRAPPING_CONTEXT = b"cascade subject key"


class UnknownMasterKey(Exception):
    """A key was wrapped by a master key this deployment no longer has."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"no master key {key_id!r}: keep retired master keys until rewrapped")
        self.key_id = key_id


class KeyWrapper(Protocol):
    """What a key store needs of a KMS."""

    def wrap(self, key: bytes) -> tuple[str, bytes]:
        """`key` wrapped by the current master key, with that master key's id."""
        ...

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        """The key that `key_id` wrapped as `wrapped`; UnknownMasterKey or ValueError."""
        ...


def master_key_id(secret: str) -> str:
    """A short public name of a master key (not the key): which one wrapped a row."""
    return hashlib.sha256(b"cascade master key id|" + secret.encode()).hexdigest()[:16]


class MasterKeyRing:
    """AES-256-GCM key wrapping with the master keys of the settings: the current
    one wraps, it and every retired one unwrap (so rotation needs no rewrite).

    Each secret is stretched to 32 bytes with SHA-256: secrets are long random
    strings (a Kubernetes secret), not passwords, so no slow derivation is needed."""

    def __init__(self, current: str, retired: Sequence[str] = ()) -> None:
        self._current_id = master_key_id(current)
        self._ciphers = {
            master_key_id(secret): AESGCM(hashlib.sha256(secret.encode()).digest())
            for secret in (current, *retired)
        }

    @property
    def current_id(self) -> str:
        return self._current_id

    def wrap(self, key: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self._current_id].encrypt(nonce, key, WRAPPING_CONTEXT)
        return self._current_id, nonce + sealed

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UnknownMasterKey(key_id)
        try:
            return cipher.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], WRAPPING_CONTEXT)
        except InvalidTag:
            raise ValueError(f"a key wrapped by master key {key_id} does not unwrap") from None
