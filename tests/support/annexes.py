"""Files for annex tests: a small PDF and PNG whose magic bytes are real, and the
annexes a call requires (small limits, so that a file over one is cheap to send)."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

KIB = 1024
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"%" * 3000
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 4000

BUDGET = "budget_justification"
SME = "signed_sme_declaration"
REQUIRED_ANNEXES: list[dict[str, Any]] = [
    {
        "code": BUDGET,
        "title": "Budget justification",
        "media_types": ["application/pdf"],
        "max_bytes": 256 * KIB,
    },
    {
        "code": SME,
        "title": "Signed SME declaration",
        "media_types": ["application/pdf", "image/png"],
        "max_bytes": 64 * KIB,
    },
]


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    application_id: str,
    code: str,
    content: Any,
    media_type: str = "application/pdf",
    **params: str,
) -> httpx.Response:
    """The file as the raw body with its Content-Type."""
    return await client.post(
        f"/v1/applications/{application_id}/annexes",
        params={"code": code, **params},
        content=content,
        headers={**headers, "Content-Type": media_type},
    )
