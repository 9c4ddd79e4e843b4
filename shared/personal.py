"""The cipher envelope of personal fields: each one sealed with its data subject's
key (AES-256-GCM), the rest of the payload left clear.

A sealed field is one string, `sealed:v1:<key id>:<nonce and ciphertext, base64url>`,
so a payload keeps its shape and a reader without the key still parses it. The
plaintext is the field's JSON value (any JSON type: text, numbers, a form's
answers). The event type, the field and the key id are bound in as associated
data, so a sealed value moved to another field or event does not open.

Whose key seals a field (docs/PERSONAL_DATA.md): the subject named by the payload
field that `Event.personal_subjects` maps it to, else the event's actor (the person
who typed it). A subject is an id (a token's `sub`), a pseudonym kept clear.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.events import Event, JsonDict

PREFIX = "sealed:v1:"
ERASED = "[erased]"
"""What every read shows for a personal field whose subject's key is destroyed."""
NONCE_BYTES = 12
KEY_BYTES = 32


@dataclass(frozen=True)
class SubjectKey:
    key_id: str
    key: bytes


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def subjects_of(cls: type[Event], payload: Mapping[str, Any], actor_sub: str) -> dict[str, str]:
    """Each personal field of the payload (present and not null) and whom it is about."""
    subjects: dict[str, str] = {}
    for name in cls.personal_fields:
        if payload.get(name) is None:
            continue
        named_by = cls.personal_subjects.get(name)
        subject = payload.get(named_by) if named_by else None
        subjects[name] = str(subject) if subject else actor_sub
    return subjects


def _associated(event_type: str, field: str, key_id: str) -> bytes:
    return f"{event_type}|{field}|{key_id}".encode()


def seal(key: SubjectKey, event_type: str, field: str, value: Any) -> str:
    nonce = os.urandom(NONCE_BYTES)
    plaintext = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    sealed = AESGCM(key.key).encrypt(nonce, plaintext, _associated(event_type, field, key.key_id))
    return f"{PREFIX}{key.key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def key_id_of(value: Any) -> str | None:
    """The key id of a sealed value; None for anything else (a clear value)."""
    if not isinstance(value, str) or not value.startswith(PREFIX):
        return None
    key_id, _, _ = value[len(PREFIX) :].partition(":")
    return key_id or None


def unseal(key: bytes, event_type: str, field: str, value: str) -> Any:
    """The field's value; ValueError if the bytes are not what `key` sealed there."""
    key_id, _, blob = value[len(PREFIX) :].partition(":")
    try:
        raw = base64.urlsafe_b64decode(blob)
        plaintext = AESGCM(key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated(event_type, field, key_id)
        )
    except (InvalidTag, binascii.Error, ValueError):
        raise ValueError(f"{event_type}.{field} does not open with key {key_id}") from None
    return json.loads(plaintext)


def seal_payload(
    event_type: str,
    payload: JsonDict,
    subjects: Mapping[str, str],
    keys: Mapping[str, SubjectKey],
) -> JsonDict:
    """The payload with each field of `subjects` sealed with its subject's key."""
    sealed = dict(payload)
    for name, subject in subjects.items():
        sealed[name] = seal(keys[subject], event_type, name, payload[name])
    return sealed


def sealed_key_ids(payload: Mapping[str, Any], fields: Iterable[str]) -> set[str]:
    return {k for k in (key_id_of(payload.get(name)) for name in fields) if k is not None}


def open_payload(
    event_type: str, payload: JsonDict, fields: Iterable[str], keys: Mapping[str, bytes]
) -> JsonDict:
    """The payload with each sealed field opened, or `ERASED` where its key is gone
    (or does not open it: a destroyed key and a wrong one read alike, never an error)."""
    opened: JsonDict | None = None
    for name in fields:
        value = payload.get(name)
        key_id = key_id_of(value)
        if key_id is None or not isinstance(value, str):
            continue
        if opened is None:
            opened = dict(payload)
        key = keys.get(key_id)
        try:
            opened[name] = ERASED if key is None else unseal(key, event_type, name, value)
        except ValueError:
            opened[name] = ERASED
    return payload if opened is None else opened
