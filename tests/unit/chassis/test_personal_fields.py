"""The cipher envelope of personal fields and the master keys that wrap subject keys."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from shared.events import Event, registry
from shared.kms import MasterKeyRing, UnknownMasterKey
from shared.personal import (
    ERASED,
    SubjectKey,
    key_id_of,
    new_key,
    open_payload,
    seal,
    seal_payload,
    sealed_key_ids,
    subjects_of,
    unseal,
)

OLD_MASTER = "an-old-master-key-of-enough-length-0123456789"
NEW_MASTER = "a-new-master-key-of-enough-length-01234567890"


class Reviewed(Event):
    """Not registered: a stand-in declaring its subjects both ways."""

    personal_fields = frozenset({"name", "comment", "answers"})
    personal_subjects = {"name": "sub"}
    subject_fields = frozenset({"sub"})
    sub: str
    name: str
    comment: str | None
    answers: dict[str, Any] | None = None
    score: int


def key(key_id: str = "k1") -> SubjectKey:
    return SubjectKey(key_id, new_key())


def test_a_field_is_about_the_subject_it_names_else_about_the_actor() -> None:
    payload = {"sub": "ev-1", "name": "Ada", "comment": "fine", "answers": None, "score": 4}
    assert subjects_of(Reviewed, payload, "typist") == {"name": "ev-1", "comment": "typist"}


def test_a_sealed_value_opens_with_its_key_and_hides_the_plaintext() -> None:
    k = key()
    sealed = seal(k, "t.Reviewed", "comment", "a comment by Ada")
    assert "Ada" not in sealed
    assert key_id_of(sealed) == "k1"
    assert unseal(k.key, "t.Reviewed", "comment", sealed) == "a comment by Ada"


def test_any_json_value_can_be_sealed() -> None:
    k = key()
    answers = {"q1": ["a", 2], "q2": {"nested": True}}
    assert unseal(k.key, "t", "answers", seal(k, "t", "answers", answers)) == answers


@pytest.mark.parametrize(
    ("event_type", "field", "other_key"),
    [("t.Other", "comment", False), ("t.Reviewed", "name", False), ("t.Reviewed", "comment", True)],
)
def test_a_sealed_value_does_not_open_elsewhere_or_with_another_key(
    event_type: str, field: str, other_key: bool
) -> None:
    k = key()
    sealed = seal(k, "t.Reviewed", "comment", "text")
    with pytest.raises(ValueError, match="does not open"):
        unseal(new_key() if other_key else k.key, event_type, field, sealed)


def test_a_tampered_sealed_value_does_not_open() -> None:
    k = key()
    sealed = seal(k, "t", "comment", "text")
    with pytest.raises(ValueError, match="does not open"):
        unseal(k.key, "t", "comment", sealed[:-4] + ("AAAA" if sealed[-4:] != "AAAA" else "BBBB"))


def test_a_payload_is_sealed_field_by_field_and_the_rest_stays_clear() -> None:
    payload = {"sub": "ev-1", "name": "Ada", "comment": "fine", "answers": None, "score": 4}
    keys = {"ev-1": key("ka"), "typist": key("kb")}
    sealed = seal_payload("t.Reviewed", payload, subjects_of(Reviewed, payload, "typist"), keys)
    assert sealed["score"] == 4
    assert sealed["sub"] == "ev-1"
    assert sealed["answers"] is None
    assert "Ada" not in str(sealed)
    assert "fine" not in str(sealed)
    assert sealed_key_ids(sealed, Reviewed.personal_fields) == {"ka", "kb"}
    opened = open_payload(
        "t.Reviewed",
        sealed,
        Reviewed.personal_fields,
        {"ka": keys["ev-1"].key, "kb": keys["typist"].key},
    )
    assert opened == payload


def test_a_field_whose_key_is_gone_reads_as_erased_and_the_others_still_open() -> None:
    payload = {"sub": "ev-1", "name": "Ada", "comment": "fine", "answers": None, "score": 4}
    keys = {"ev-1": key("ka"), "typist": key("kb")}
    sealed = seal_payload("t.Reviewed", payload, subjects_of(Reviewed, payload, "typist"), keys)
    opened = open_payload(
        "t.Reviewed", sealed, Reviewed.personal_fields, {"kb": keys["typist"].key}
    )
    assert opened["name"] == ERASED
    assert opened["comment"] == "fine"


def test_a_clear_payload_is_returned_as_it_is() -> None:
    payload = {"name": "written before sealing existed", "comment": None}
    assert open_payload("t", payload, Reviewed.personal_fields, {}) is payload


def test_the_current_master_key_wraps_and_a_retired_one_still_unwraps() -> None:
    subject_key = new_key()
    old_ring = MasterKeyRing(OLD_MASTER)
    old_id, wrapped_by_old = old_ring.wrap(subject_key)
    rotated = MasterKeyRing(NEW_MASTER, [OLD_MASTER])
    assert rotated.unwrap(old_id, wrapped_by_old) == subject_key
    new_id, wrapped_by_new = rotated.wrap(subject_key)
    assert new_id == rotated.current_id != old_id
    assert subject_key not in wrapped_by_new
    with pytest.raises(UnknownMasterKey):
        old_ring.unwrap(new_id, wrapped_by_new)


def test_a_wrapped_key_that_was_changed_does_not_unwrap() -> None:
    ring = MasterKeyRing(NEW_MASTER)
    key_id, wrapped = ring.wrap(new_key())
    with pytest.raises(ValueError, match="does not unwrap"):
        ring.unwrap(key_id, wrapped[:-1] + bytes([wrapped[-1] ^ 1]))


def test_every_event_names_its_subjects_among_its_own_fields() -> None:
    import services.applications.events  # registers its event types
    import services.calls.events
    import services.payments.events
    import services.payments.state_aid_events  # noqa: F401

    for name, cls in registry.types().items():
        fields = set(cls.model_fields)
        assert cls.personal_fields <= fields, name
        assert set(cls.personal_subjects) <= cls.personal_fields, name
        assert set(cls.personal_subjects.values()) <= cls.subject_fields, name
        assert cls.subject_fields <= fields, name
        assert not cls.subject_fields & cls.personal_fields, name


def test_every_personal_field_accepts_the_erased_marker_and_a_sealed_value() -> None:
    """A personal field is read as `[erased]` once its key is gone, and passes sealed
    through a service without the key: its type must take a string (a form's
    answers: `dict[str, Any] | str`), or reading the event would fail."""
    import services.applications.events
    import services.calls.events
    import services.payments.events
    import services.payments.state_aid_events  # noqa: F401

    sealed = seal(key(), "t", "f", {"any": "value"})
    for name, cls in registry.types().items():
        for field in cls.personal_fields:
            accepts = TypeAdapter(cls.model_fields[field].annotation)
            assert accepts.validate_python(ERASED) == ERASED, (name, field)
            assert accepts.validate_python(sealed) == sealed, (name, field)
