"""Annexes: the files a call requires, attached to a draft application and
checked complete at submission. No I/O (the bytes live in the file store,
`shared/files.py`; an annex names them by hash)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.calls.events import RequiredAnnex
from shared.errors import InvalidInput, RuleViolation


@dataclass(frozen=True)
class Annex:
    """One file attached to an application under one of its call's annex codes."""

    id: str
    code: str
    name: str
    media_type: str
    size: int
    sha256: str
    attached_at: datetime

    def same_file(self, name: str, media_type: str, sha256: str) -> bool:
        return (self.name, self.media_type, self.sha256) == (name, media_type, sha256)


class MissingAnnexes(RuleViolation):
    code = "missing_annexes"


class AnnexNotRequired(InvalidInput):
    code = "annex_not_required"
    title = "Annex not required"


def requirement(required: Sequence[RequiredAnnex], code: str) -> RequiredAnnex:
    """The call's requirement for annex `code` (422 if the call asks for none such)."""
    for annex in required:
        if annex.code == code:
            return annex
    codes = [annex.code for annex in required]
    raise AnnexNotRequired(
        f"the call requires no annex {code!r}"
        + (f"; it requires {', '.join(codes)}" if codes else "; it requires none"),
        errors=[{"field": "query.code", "message": "not an annex of the call", "type": "annex"}],
        required=codes,
    )


def require_complete(required: Sequence[RequiredAnnex], attached: Mapping[str, Annex]) -> None:
    """409 `missing_annexes`, naming each, unless every required annex is attached."""
    missing = [annex.code for annex in required if annex.code not in attached]
    if missing:
        raise MissingAnnexes(
            f"the call requires annexes not attached: {', '.join(missing)}", missing=missing
        )
