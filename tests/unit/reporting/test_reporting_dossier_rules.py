"""A dossier written and checked in memory (no database): intact as written,
each tampering named, and the signing keys rotated without orphaning old dossiers."""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from services.reporting import dossier_format as fmt
from services.reporting.dossier_check import DossierCheck, DossierUnreadable, check_dossier
from services.reporting.dossier_events import _in_order
from services.reporting.dossier_writer import Chunks, DossierWriter
from services.reporting.figures import programme_figures
from services.reporting.signing import (
    SigningKeyRefused,
    SigningKeys,
    new_signing_key,
    signing_key_checked,
    signing_keys,
)
from shared.integrity import canonical_json
from shared.settings import Settings
from tests.support.calls import T0
from tests.support.reporting_events import chain, folded
from tests.unit.reporting.test_reporting_fold import grant_story

OLD_KEY, OLD_PUBLIC = new_signing_key()
NEW_KEY, _ = new_signing_key()


def write(path: Path, keys: SigningKeys) -> Path:
    events = grant_story()[:2]  # awarded, then paid
    envelopes = chain("g-1", [(e, T0) for e in events])
    report = {"as_of": T0.isoformat(), "basis": "live"}
    report |= programme_figures("p-1", [folded(envelopes, events)])
    out = Chunks()
    writer = DossierWriter(out, "p-1", T0.isoformat())
    writer.report(json.loads(json.dumps(report)))
    writer.events(("payments", e.model_dump(mode="json")) for e in envelopes)
    writer.finish(keys, {"integrity_chain": {"intact": True}})
    path.write_bytes(out.take())
    return path


def keys_of(**settings: Any) -> SigningKeys:
    return signing_keys(Settings(**settings))


def check(path: Path, keys: SigningKeys) -> DossierCheck:
    return check_dossier(path, fmt.public_keys_from(json.dumps(keys.document())))


def test_a_dossier_as_written_is_intact(tmp_path: Path) -> None:
    keys = keys_of(audit_signing_key=NEW_KEY)
    result = check(write(tmp_path / "d.zip", keys), keys)
    assert result.findings == []
    assert result.intact
    assert (result.events, result.streams, result.programme_id) == (2, 1, "p-1")
    assert result.figures_compared > 20


def test_a_rotated_deployment_still_checks_the_dossiers_its_old_key_signed(
    tmp_path: Path,
) -> None:
    old = write(tmp_path / "old.zip", keys_of(audit_signing_key=OLD_KEY))
    rotated = keys_of(audit_signing_key=NEW_KEY, audit_retired_public_keys=f" {OLD_PUBLIC} ")
    document = rotated.document()
    assert [k["signing"] for k in document["keys"]] == [True, False]
    assert document["key_id"] == rotated.key_id != document["keys"][1]["key_id"]
    assert check(old, rotated).intact
    new = write(tmp_path / "new.zip", rotated)
    assert json.loads(zipfile.ZipFile(new).read(fmt.MANIFEST))["key_id"] == rotated.key_id
    assert check(new, rotated).intact


def test_the_development_signing_key_is_refused_in_production() -> None:
    secrets = {"jwt_secret": "x" * 40, "integrity_key": "y" * 40, "master_key": "z" * 40}
    with pytest.raises(SigningKeyRefused, match="CASCADE_AUDIT_SIGNING_KEY must be set"):
        keys_of(environment="production", **secrets)
    assert keys_of(environment="production", audit_signing_key=NEW_KEY, **secrets).key_id
    assert keys_of(environment="development").key_id  # the development default


@pytest.mark.parametrize(
    ("given", "refusal"),
    [
        ({"audit_signing_key": "not base64!"}, "is not base64"),
        ({"audit_signing_key": base64.b64encode(b"short").decode()}, "32-byte"),
        ({"audit_retired_public_keys": "AAAA"}, "RETIRED_PUBLIC_KEYS"),
    ],
)
def test_a_malformed_key_setting_is_refused_in_words(given: dict[str, str], refusal: str) -> None:
    with pytest.raises(SigningKeyRefused, match=refusal):
        keys_of(**given)


def rewritten(path: Path, to: Path, **parts: bytes | None) -> Path:
    """A copy with some parts replaced (None: removed)."""
    with zipfile.ZipFile(path) as archive, zipfile.ZipFile(to, "w") as out:
        for name in archive.namelist():
            if name not in parts:
                out.writestr(name, archive.read(name))
            elif (data := parts[name]) is not None:
                out.writestr(name, data)
    return to


def test_a_removed_part_and_a_changed_head_are_named(tmp_path: Path) -> None:
    keys = keys_of()
    dossier = write(tmp_path / "d.zip", keys)
    without = check(rewritten(dossier, tmp_path / "w.zip", **{fmt.HEADS: None}), keys)
    assert ("part_missing", fmt.HEADS) in {(f.kind, f.where) for f in without.findings}
    head = json.loads(zipfile.ZipFile(dossier).read(fmt.HEADS))
    forged = canonical_json({**head, "hash": "f" * 64}) + b"\n"
    changed = check(rewritten(dossier, tmp_path / "h.zip", **{fmt.HEADS: forged}), keys)
    kinds = {(f.part, f.kind) for f in changed.findings}
    assert {(fmt.HEADS, "part_changed"), ("chains", "head_mismatch")} <= kinds


def test_a_garbled_signature_or_a_file_that_is_no_dossier_says_so(tmp_path: Path) -> None:
    keys = keys_of()
    dossier = write(tmp_path / "d.zip", keys)
    garbled = check(rewritten(dossier, tmp_path / "g.zip", **{fmt.SIGNATURE: b"@@"}), keys)
    assert not garbled.intact
    assert "not base64" in garbled.findings[0].detail
    (tmp_path / "n.zip").write_bytes(b"PK not really")
    with pytest.raises(DossierUnreadable, match="truncated"):
        check(tmp_path / "n.zip", keys)
    with pytest.raises(DossierUnreadable, match="no signed manifest"):
        check(rewritten(dossier, tmp_path / "m.zip", **{fmt.MANIFEST: None}), keys)


def test_the_events_that_kept_their_order_are_the_longest_ordered_run() -> None:
    order = [(1, 1, "a"), (4, 2, "d"), (2, 3, "b"), (3, 4, "c"), (5, 5, "e")]
    assert {e for _, _, e in _in_order(order)} == {"a", "b", "c", "e"}
    assert _in_order([]) == set()


@pytest.mark.parametrize("text", ["", "not-a-key", "-----BEGIN PUBLIC KEY-----\nxx\n", "{}"])
def test_what_is_no_public_key_is_refused_in_words(text: str) -> None:
    with pytest.raises(fmt.NoPublicKey):
        fmt.public_keys_from(text)


def test_reporting_refuses_to_start_with_the_development_key_in_production() -> None:
    production = Settings(
        environment="production", jwt_secret="x" * 40, integrity_key="y" * 40, master_key="z" * 40
    )
    with pytest.raises(SigningKeyRefused):
        signing_key_checked(SimpleNamespace(settings=production))  # type: ignore[arg-type]
    assert signing_key_checked(SimpleNamespace(settings=Settings())) == []  # type: ignore[arg-type]


def test_lines_that_are_no_events_are_named_not_fatal(tmp_path: Path) -> None:
    keys = keys_of()
    dossier = write(tmp_path / "d.zip", keys)
    events = zipfile.ZipFile(dossier).read(fmt.EVENTS)
    garbage = events + b"not json\n[1, 2]\n" + b"[" * 100_000 + b"\n"
    result = check(rewritten(dossier, tmp_path / "g.zip", **{fmt.EVENTS: garbage}), keys)
    unreadable = [f.where for f in result.findings if f.kind == "unreadable_line"]
    assert unreadable == ["line 3", "line 4", "line 5"]
    listless = rewritten(dossier, tmp_path / "l.zip", **{fmt.MANIFEST: b"[]"})
    with pytest.raises(DossierUnreadable, match="manifest"):
        check(listless, keys)
