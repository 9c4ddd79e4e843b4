"""The application aggregate refuses what its state does not allow, with stable codes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.applications.domain import Application, Organisation
from services.applications.events import RuleOutcome
from shared.errors import RuleViolation

NOW = datetime(2026, 3, 5, tzinfo=UTC)
PASS = RuleOutcome(type="trl_between", description="d", passed=True, reason="ok")


def drafted(*partners: str) -> Application:
    application = Application("a1")
    application.draft("c1", "p1", "o1", partners, "Title", "", 100, 4, ("adopt",), NOW)
    return application


def submitted() -> Application:
    organisation = Organisation("o1")
    organisation.register("Org", "FR", "small", "123456789", None, date(2020, 1, 1), (), "sme", NOW)
    application = drafted()
    application.submit(organisation.ref, (), 1, (PASS,), 1, NOW)
    return application


def test_a_submitted_application_cannot_be_submitted_or_edited_again() -> None:
    application = submitted()
    assert application.status == "eligible"
    with pytest.raises(RuleViolation) as twice:
        application.require_draft("submit")
    assert twice.value.code == "already_submitted"
    with pytest.raises(RuleViolation) as edit:
        application.edit((), "T", "", 1, 4, ("adopt",))
    assert edit.value.code == "not_a_draft"


def test_withdrawing_a_selected_application_frees_its_amount_once() -> None:
    application = submitted()
    application.select_on_receipt(100, 100, NOW)
    assert application.withdraw(NOW) == 100
    with pytest.raises(RuleViolation) as again:
        application.withdraw(NOW)
    assert again.value.code == "not_withdrawable"


def test_an_organisation_appears_once_in_an_application() -> None:
    with pytest.raises(RuleViolation) as twice:
        drafted("o1")
    assert twice.value.code == "duplicate_member"


def test_an_organisation_without_pic_or_vat_id_is_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        Organisation("o2").register(
            "Org", "FR", "small", None, None, date(2020, 1, 1), (), "sme", NOW
        )
    assert refused.value.code == "identifier_required"
