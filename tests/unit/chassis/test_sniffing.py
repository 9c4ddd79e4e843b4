"""A file's type is judged from its first bytes: a declared type is taken only
when the content agrees, whatever the sender claims."""

from __future__ import annotations

import io
import zipfile

from shared.sniffing import looks_like_text, media_type_of, normalise

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
CSV = "category,amount_cents\npersonnel,3500000\nÉquipement,500000\n".encode()
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def test_a_declared_type_the_content_matches_is_taken() -> None:
    assert media_type_of("application/pdf", PDF, ["application/pdf"]) == "application/pdf"
    assert media_type_of("image/png", PNG, ["application/pdf", "image/png"]) == "image/png"
    assert media_type_of(DOCX, docx(), [DOCX]) == DOCX


def test_an_allowed_header_on_other_content_is_refused() -> None:
    assert media_type_of("application/pdf", EXE, ["application/pdf"]) is None
    assert media_type_of("application/pdf", PNG, ["application/pdf", "image/png"]) is None
    assert media_type_of("application/pdf", b"just some words", ["application/pdf"]) is None


def test_a_header_naming_a_type_not_allowed_is_refused_whatever_the_content() -> None:
    assert media_type_of("image/png", PNG, ["application/pdf"]) is None


def test_without_a_useful_header_the_content_decides() -> None:
    allowed = ["application/pdf", "image/png"]
    assert media_type_of("application/octet-stream", PNG, allowed) == "image/png"
    assert media_type_of(None, PDF, allowed) == "application/pdf"
    assert media_type_of(None, EXE, allowed) is None
    assert media_type_of(None, CSV, ["text/csv"]) == "text/csv"


def test_text_is_text_only_when_nothing_binary_is_recognised() -> None:
    assert media_type_of("text/csv; charset=utf-8", CSV, ["text/csv"]) == "text/csv"
    assert media_type_of("text/csv", PNG, ["text/csv"]) is None
    assert media_type_of("text/plain", b"a\x00b", ["text/plain"]) is None
    assert media_type_of("text/plain", b"caf\xe9 au lait", ["text/plain"]) is None


def test_a_character_cut_at_the_end_of_the_head_is_still_text() -> None:
    assert looks_like_text("Équipe".encode()[:1])
    assert not looks_like_text(b"\xff\xfe")


def test_media_types_are_compared_without_parameters_case_or_aliases() -> None:
    assert normalise("Application/PDF; version=1.7") == "application/pdf"
    assert normalise("image/jpg") == "image/jpeg"
    assert normalise("application/octet-stream") == ""
