"""The file part of a `multipart/form-data` body, read as it streams in
(`python-multipart`'s parser): its bytes are handed on chunk by chunk, never
gathered whole. The first part carrying a file (a `filename`, or the field
`file`) is the file; other parts are skipped."""

from __future__ import annotations

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from shared.errors import CascadeError


class MultipartInvalid(CascadeError):
    code = "multipart_invalid"
    status = 400
    title = "Unreadable multipart body"


class NoFilePart(CascadeError):
    code = "annex_file_missing"
    status = 422
    title = "No file in the body"


def boundary_of(content_type: str) -> bytes | None:
    """The boundary of a `multipart/form-data` content type; None for any other."""
    kind, options = parse_options_header(content_type)
    if kind.lower() != b"multipart/form-data":
        return None
    boundary = options.get(b"boundary")
    if not boundary:
        raise MultipartInvalid("a multipart/form-data body needs its boundary")
    return boundary


class FilePartReader:
    """Feeds a multipart body through the parser; `feed` answers the file's bytes
    found in the chunk. `media_type` and `filename` are the file part's own."""

    def __init__(self, boundary: bytes) -> None:
        self.found = False  # the file part's headers were read
        self.ended = False
        self.media_type = ""
        self.filename = ""
        self._in_file = False
        self._field = bytearray()
        self._value = bytearray()
        self._headers: dict[str, bytes] = {}
        self._out: list[bytes] = []
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": lambda d, s, e: self._field.extend(d[s:e]),
                "on_header_value": lambda d, s, e: self._value.extend(d[s:e]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    def feed(self, chunk: bytes) -> list[bytes]:
        try:
            self._parser.write(chunk)
        except MultipartParseError as error:
            raise MultipartInvalid(f"the multipart body cannot be read: {error}") from None
        out, self._out = self._out, []
        return out

    def close(self) -> None:
        if not self.ended:
            raise MultipartInvalid("the multipart body ends before its closing boundary")

    def _part_begin(self) -> None:
        self._headers = {}

    def _header_end(self) -> None:
        self._headers[self._field.decode("latin-1").lower()] = bytes(self._value)
        self._field.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", b""))
        is_file = b"filename" in options or options.get(b"name") == b"file"
        if is_file and not self.found:
            self.found = self._in_file = True
            self.filename = options.get(b"filename", b"").decode("utf-8", errors="replace")
            self.media_type = self._headers.get("content-type", b"").decode("latin-1")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file and end > start:
            self._out.append(data[start:end])

    def _part_end(self) -> None:
        self._in_file = False

    def _end(self) -> None:
        self.ended = True
