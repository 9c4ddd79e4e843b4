"""The payments events contract: what reporting and the other services rely on."""

from __future__ import annotations

from datetime import UTC, datetime

from services.payments import events
from shared.events import registry

MONEY_CONTEXT = {
    "grant_id",
    "application_id",
    "call_id",
    "programme_id",
    "organisation_id",
    "country",
    "currency",
}


def payments_event_classes() -> list[type[events.GrantEvent]]:
    return [
        cls
        for name, cls in registry.types().items()
        if name.startswith("payments.") and issubclass(cls, events.GrantEvent)
    ]


def test_every_event_about_a_grant_carries_its_whole_money_context() -> None:
    classes = payments_event_classes()
    assert len(classes) >= 12
    for cls in classes:
        assert set(cls.model_fields) >= MONEY_CONTEXT, cls.event_type


def test_every_event_dates_itself_and_marks_free_text_as_personal() -> None:
    for name, cls in registry.types().items():
        if not name.startswith("payments."):
            continue
        assert any(field.endswith("_at") for field in cls.model_fields), name
        for text_field in ("reason", "summary"):
            machine_written = ("payments.GrantRefused", "payments.BudgetCutRefused")
            if text_field in cls.model_fields and name not in machine_written:
                assert text_field in cls.personal_fields, (name, text_field)
        for subject_field in ("ordered_by", "approved_by", "submitted_by"):
            if subject_field in cls.model_fields:
                assert subject_field in cls.subject_fields, (name, subject_field)


def test_a_grant_awarded_as_other_services_first_knew_it_still_validates() -> None:
    awarded = events.GrantAwarded.model_validate(
        {
            "grant_id": "g",
            "application_id": "a",
            "call_id": "c",
            "programme_id": "p",
            "organisation_id": "o",
            "amount_cents": 100,
            "awarded_at": datetime.now(UTC),
        }
    )
    assert (awarded.currency, awarded.instalments, awarded.de_minimis) == ("EUR", (), None)
