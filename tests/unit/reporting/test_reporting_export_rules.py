"""Exports built from records alone: valid 360Giving even for a grant whose
application and call reporting has not heard of, and a CSV that always has its header."""

from __future__ import annotations

import csv
import io

from services.reporting.exports import CSV_COLUMNS, csv_rows, data_package
from services.reporting.figures import Scope
from services.reporting.records import (
    ApplicationFacts,
    Disbursement,
    GrantFacts,
    OrganisationFacts,
    StreamRecord,
)
from shared.csv_export import FORMULA_STARTS
from tests.support.calls import DAY, T0
from tests.support.reporting_360giving import package_validator

LONE_GRANT = StreamRecord(
    stream_id="g-1",
    source="payments",
    version=2,
    grant=GrantFacts(
        grant_id="g-1",
        application_id="a-1",
        call_id="c-1",
        programme_id="p-1",
        organisation_id="o-1",
        country=None,
        currency="EUR",
        amount_cents=1_999,
        awarded_at=T0,
        last_changed_at=T0 + DAY,
        disbursements=[
            Disbursement(
                payment_order_id="po-1",
                amount_cents=1_999,
                bank_reference="b",
                disbursed_at=T0 + DAY,
            )
        ],
    ),
)


def test_a_grant_known_only_from_payments_still_makes_a_valid_package() -> None:
    exported = data_package(Scope.of([LONE_GRANT]), T0 + 2 * DAY, "Cascade")
    assert list(package_validator().iter_errors(exported)) == []
    [grant] = exported["grants"]
    assert (grant["amountAwarded"], grant["amountDisbursed"]) == (19.99, 19.99)
    assert grant["recipientOrganization"] == [
        {"id": "360G-cascade-org-o-1", "name": "360G-cascade-org-o-1"}
    ]
    assert "beneficiaryLocation" not in grant


def test_the_csv_of_no_grant_is_its_header() -> None:
    text = "".join(csv_rows(Scope()))
    assert next(csv.reader(io.StringIO(text))) == list(CSV_COLUMNS)
    assert text.count("\r\n") == 1


def test_the_csv_keeps_cents_and_instants_in_utc() -> None:
    [row] = list(csv.DictReader(io.StringIO("".join(csv_rows(Scope.of([LONE_GRANT]))))))
    assert (row["amount_cents"], row["paid_cents"], row["first_paid_at"]) == (
        "1999",
        "1999",
        "2026-03-03T09:00:00Z",
    )


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_neutralised() -> None:
    hostile = '=HYPERLINK("http://example.invalid","click")'
    application = StreamRecord(
        stream_id="a-1",
        source="applications",
        version=1,
        application=ApplicationFacts(
            application_id="a-1",
            call_id="c-1",
            programme_id="p-1",
            organisation_id="o-1",
            organisation=OrganisationFacts(
                organisation_id="o-1", name=hostile, country="FR", size="small", pic="@SUM(A1)"
            ),
            objectives=["innovate"],
            requested_cents=1_999,
        ),
    )
    text = "".join(csv_rows(Scope.of([LONE_GRANT, application])))
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["organisation_name"] == f"'{hostile}"
    assert row["pic"] == "'@SUM(A1)"
    assert row["amount_cents"] == "1999"
    cells = [cell for line in csv.reader(io.StringIO(text)) for cell in line]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
