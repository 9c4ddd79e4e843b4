"""HTTP pieces every route shares: the request's chassis, and versions as ETags.

A resource's ETag is its aggregate version, `"<version>"`. Commands take it
back in `If-Match`; a malformed If-Match is refused with 422 `invalid_input`
(not 412, which RFC 9110 keeps for a well-formed one that does not match, and
which Cascade reports as 409 `version_conflict`)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from shared.app import Chassis
from shared.errors import InvalidInput

# `W/` is accepted because proxies that compress a response weaken its ETag.
_ETAG = re.compile(r'^(?:W/)?"(\d{1,9})"$')


def get_chassis(request: Request) -> Chassis:
    chassis: Chassis = request.app.state.chassis
    return chassis


ChassisDep = Annotated[Chassis, Depends(get_chassis)]
"""Route parameter for the service's chassis: `chassis: ChassisDep`."""


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str | None) -> int | None:
    """The version an If-Match header expects; None when absent or `*`."""
    if value is None or value.strip() == "*":
        return None
    match = _ETAG.match(value.strip())
    if match is None:
        raise InvalidInput(
            'If-Match must be one ETag this service returned, like "3"',
            errors=[
                {
                    "field": "header.If-Match",
                    "message": 'expected an ETag like "3"',
                    "type": "etag_invalid",
                }
            ],
        )
    return int(match.group(1))


def resource(body: Any, version: int, *, status_code: int = 200) -> JSONResponse:
    """A resource's representation with its version as ETag."""
    return JSONResponse(
        jsonable_encoder(body), status_code=status_code, headers={"ETag": etag(version)}
    )
