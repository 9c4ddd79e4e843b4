"""Dossier routes: the deployment's public keys (anyone) and a programme's signed
dossier (auditors), streamed as it is written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from services.reporting.dossier import dossier_chunks, programme_snapshot
from services.reporting.signing import signing_keys
from shared.auth import Auditor
from shared.http import ChassisDep

router = APIRouter(prefix="/v1/audit", tags=["audit"])
ZIP = "application/zip"


@router.get("/public-key")
async def public_key(chassis: ChassisDep) -> dict[str, Any]:
    """The Ed25519 key that signs dossiers (`public_key` in PEM, `public_key_base64`
    raw), and in `keys` every key that signed before it, for older dossiers. Save
    this answer and give it to `cascade audit check-dossier --public-key`."""
    return signing_keys(chassis.settings).document()


@router.get(
    "/dossiers/programmes/{programme_id}",
    response_class=StreamingResponse,
    responses={200: {"content": {ZIP: {}}, "description": "The signed dossier (a ZIP file)"}},
)
async def programme_dossier(
    programme_id: UUID, _: Auditor, chassis: ChassisDep
) -> StreamingResponse:
    """The programme's events from every service as stored, each stream's chain head,
    the programme report and a manifest of their SHA-256, signed (docs/AUDIT_DOSSIER.md)."""
    keys = signing_keys(chassis.settings)
    now = chassis.clock.now()
    snapshot_held = AsyncExitStack()
    # Entered here, so an unknown programme is a 404 before any byte is sent.
    snapshot = await snapshot_held.enter_async_context(
        programme_snapshot(chassis.engine, str(programme_id), now)
    )
    integrity_key = chassis.settings.integrity_key.get_secret_value().encode()

    async def body() -> AsyncIterator[bytes]:
        async with snapshot_held:
            async for chunk in dossier_chunks(snapshot, keys, integrity_key, now):
                yield chunk

    return StreamingResponse(
        body(),
        media_type=ZIP,
        headers={"Content-Disposition": f'attachment; filename="dossier-{programme_id}.zip"'},
        # Lets the snapshot go even when the answer is never sent.
        background=BackgroundTask(snapshot_held.aclose),
    )
