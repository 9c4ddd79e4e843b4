"""Opening the sealed personal fields of the audit copy for a reader: reporting keeps
the events sealed as published (their hashes cover them so), holds no key of its
own, and asks each source for the keys of what it shows (docs/PERSONAL_DATA.md).

A key a source no longer has was erased: the field reads as erased. A source that
cannot be asked leaves its fields sealed as stored: never an error."""

from __future__ import annotations

import base64
import logging
from collections import defaultdict
from typing import Any

import httpx

from services.reporting.feeds import FeedClients, FeedUnavailable, feed_token
from services.reporting.fold.dispatch import source_of
from shared.chassis import Chassis
from shared.events import registry
from shared.personal import open_payload, sealed_key_ids

log = logging.getLogger("cascade.reporting.personal")


def _fields(event_type: str) -> frozenset[str]:
    return registry.class_of(event_type).personal_fields if event_type in registry else frozenset()


async def open_items(
    chassis: Chassis, clients: FeedClients, items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The audit items with their personal fields opened where their sources say."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for item in items:
        key_ids = sealed_key_ids(item["payload"], _fields(item["type"]))
        if key_ids:
            wanted[source_of(item["type"])] |= key_ids
    if not wanted:
        return items
    keys: dict[str, dict[str, bytes]] = {}
    for source, key_ids in wanted.items():
        try:
            keys[source] = await _keys_of(chassis, clients, source, key_ids)
        except FeedUnavailable as unavailable:
            log.warning("personal fields left sealed", extra={"reason": str(unavailable)})
    return [
        {**item, "payload": open_payload(item["type"], item["payload"], fields, keys[source])}
        if (fields := _fields(item["type"])) and (source := source_of(item["type"])) in keys
        else item
        for item in items
    ]


async def _keys_of(
    chassis: Chassis, clients: FeedClients, source: str, key_ids: set[str]
) -> dict[str, bytes]:
    store = chassis.store.keys
    assert store is not None, "every service's store has its key store"
    headers = {"Authorization": f"Bearer {feed_token(chassis.settings)}"}
    try:
        async with clients(source) as client:
            response = await client.post(
                "/v1/data-subjects/keys", json={"key_ids": sorted(key_ids)}, headers=headers
            )
            response.raise_for_status()
            held = response.json()["keys"]
        return {
            key_id: store.unwrap(
                key_id, wrapped["master_key_id"], base64.b64decode(wrapped["wrapped_key"])
            )
            for key_id, wrapped in held.items()
        }
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        raise FeedUnavailable(source, f"{type(exc).__name__}: {exc}") from None
