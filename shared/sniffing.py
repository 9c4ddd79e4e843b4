"""What a file is, judged from its first bytes, not from what its sender says.

Binary formats are recognised by their magic bytes (`puremagic`); a declared
binary type is taken only when the content matches it. Text has no magic: a
declared text type is taken when nothing binary is recognised, and the upload
then checks that every byte decodes as UTF-8 without NUL (`shared/uploads.py`).
No I/O."""

from __future__ import annotations

from collections.abc import Sequence

import puremagic

# Enough for every signature the checks rely on, zip-based office files included.
HEAD_BYTES = 8192
# What a sender says when it does not know: the content decides.
UNKNOWN = frozenset({"", "application/octet-stream", "binary/octet-stream"})
# Names some senders use for the registered types.
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "application/x-pdf": "application/pdf",
    "application/x-zip-compressed": "application/zip",
}
TEXT_LIKE = frozenset({"application/json", "application/xml", "application/csv"})


def normalise(media_type: str | None) -> str:
    """`Text/CSV; charset=utf-8` -> `text/csv`; '' when absent or unknown."""
    base = (media_type or "").split(";", 1)[0].strip().lower()
    base = ALIASES.get(base, base)
    return "" if base in UNKNOWN else base


def is_text(media_type: str) -> bool:
    return media_type.startswith("text/") or media_type in TEXT_LIKE


def recognised(head: bytes) -> list[str]:
    """The media types whose magic bytes `head` carries, likeliest first."""
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return []
    ordered = sorted(matches, key=lambda m: -m.confidence)
    found: list[str] = []
    for match in ordered:
        media_type = normalise(match.mime_type)
        if media_type and media_type not in found:
            found.append(media_type)
    return found


def looks_like_text(head: bytes) -> bool:
    """No NUL, and UTF-8 but for a character cut at the end of the head."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3 and error.reason == "unexpected end of data"
    return True


def media_type_of(declared: str | None, head: bytes, allowed: Sequence[str]) -> str | None:
    """The media type to keep the file under, or None when the file is not of a
    type in `allowed` (whatever `declared`, the sender's word, claims)."""
    permitted = [normalise(t) for t in allowed]
    claimed = normalise(declared)
    if claimed and claimed not in permitted:
        return None
    found = recognised(head)
    binary = [t for t in found if not is_text(t)]
    if claimed:
        if is_text(claimed):
            return claimed if not binary and looks_like_text(head) else None
        return claimed if claimed in found else None
    for media_type in found:
        if media_type in permitted:
            return media_type
    texts = [t for t in permitted if is_text(t)]
    if texts and not binary and looks_like_text(head):
        return "text/plain" if "text/plain" in texts else texts[0]
    return None
