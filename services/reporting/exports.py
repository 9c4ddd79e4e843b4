"""Exports of the grants of a programme: a 360Giving data package and a CSV. No I/O.

360Giving (schema 1.4) is built for publishing grants; its `regrantType` FRG010
("Common Regrant") marks money granted onward, which is what cascade funding is.
Amounts there are in major units of the currency; the CSV keeps integer cents.
Recipients are identified by their EU PIC where they have one (`XI-PIC-`, the
org-id.guide list for it), else by reporting's own prefix.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.reporting.figures import Scope
from services.reporting.records import ApplicationFacts, CallFacts, GrantFacts, ProgrammeFacts
from shared.csv_export import csv_lines
from shared.values import major_units

PREFIX = "360G-cascade"
VERSION = "1.4"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"


@dataclass(frozen=True)
class GrantLine:
    """A grant with what it hangs on: its application, call and programme."""

    grant: GrantFacts
    application: ApplicationFacts | None
    call: CallFacts | None
    programme: ProgrammeFacts | None


def grant_lines(scope: Scope) -> list[GrantLine]:
    return [
        GrantLine(
            grant,
            scope.applications.get(grant.application_id),
            scope.calls.get(grant.call_id),
            scope.programmes.get(grant.programme_id),
        )
        for grant in sorted(scope.grants.values(), key=lambda g: (g.awarded_at, g.grant_id))
    ]


def _major(cents: int, currency: str) -> float:
    # Exact decimals first: 1999 cents are 19.99, not 19.990000000000002.
    return float(major_units(cents, currency))


def _instant(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def recipient(line: GrantLine) -> dict[str, Any]:
    organisation = line.application.organisation if line.application else None
    identifier = f"{PREFIX}-org-{line.grant.organisation_id}"
    if organisation is not None and organisation.pic:
        identifier = f"XI-PIC-{organisation.pic}"
    answer: dict[str, Any] = {
        "id": identifier,
        "name": organisation.name if organisation else identifier,
    }
    country = line.grant.country or (organisation.country if organisation else None)
    if country:
        answer["addressCountry"] = country
    return answer


def grant_record(line: GrantLine, currency: str) -> dict[str, Any]:
    grant, call, programme = line.grant, line.call, line.programme
    recipient_org = recipient(line)
    funder = {
        "id": f"{PREFIX}-programme-{grant.programme_id}",
        "name": programme.name if programme else grant.programme_id,
    }
    record: dict[str, Any] = {
        "id": f"{PREFIX}-grant-{grant.grant_id}",
        "title": f"{call.title if call else 'Cascade funding'}: {recipient_org['name']}"[:140],
        "description": (
            f"Financial support to third parties (cascade funding) under call "
            f"{call.code if call else grant.call_id} of programme "
            f"{programme.code if programme else grant.programme_id}."
        ),
        "currency": currency,
        "amountAwarded": _major(grant.amount_cents, currency),
        "amountDisbursed": _major(grant.paid_cents, currency),
        "awardDate": _instant(grant.awarded_at),
        "recipientOrganization": [recipient_org],
        "fundingOrganization": [funder],
        "grantProgramme": [
            {
                "code": programme.code if programme else grant.programme_id,
                "title": programme.name if programme else None,
            },
            {"code": call.code if call else grant.call_id, "title": call.title if call else None},
        ],
        "fromOpenCall": "Yes",
        "regrantType": "FRG010",
        "disbursementTransaction": [
            {
                "id": d.payment_order_id,
                "transactionDate": _instant(d.disbursed_at),
                "value": _major(d.amount_cents, currency),
                "currency": currency,
                "provider": funder["id"],
                "recipient": recipient_org["id"],
            }
            for d in sorted(grant.disbursements, key=lambda d: d.disbursed_at)
        ],
        "dateModified": _instant(grant.last_changed_at),
    }
    if line.application is not None:
        record["amountAppliedFor"] = _major(line.application.requested_cents, currency)
    if "addressCountry" in recipient_org:
        record["beneficiaryLocation"] = [
            {"id": recipient_org["addressCountry"], "countryCode": recipient_org["addressCountry"]}
        ]
    return record


def data_package(scope: Scope, issued: datetime, publisher: str) -> dict[str, Any]:
    """The 360Giving package of every grant in scope (at least one: the schema says so)."""
    lines = grant_lines(scope)
    return {
        "version": VERSION,
        "title": f"Cascade funding grants: {publisher}",
        "issued": _instant(issued),
        "publisher": {"name": publisher},
        "license": LICENSE,
        "grants": [grant_record(line, line.grant.currency) for line in lines],
    }


CSV_COLUMNS = (
    "grant_id",
    "application_id",
    "programme_id",
    "programme_code",
    "call_id",
    "call_code",
    "call_kind",
    "organisation_id",
    "organisation_name",
    "country",
    "organisation_size",
    "pic",
    "objectives",
    "currency",
    "amount_cents",
    "committed_cents",
    "paid_cents",
    "recovered_cents",
    "status",
    "awarded_at",
    "contracted_at",
    "first_paid_at",
)


def csv_rows(scope: Scope) -> Iterator[str]:
    """The CSV of grants, one line at a time, header first."""
    return csv_lines(CSV_COLUMNS, (_csv_row(line) for line in grant_lines(scope)))


def _csv_row(line: GrantLine) -> list[Any]:
    grant, application = line.grant, line.application
    organisation = application.organisation if application else None
    return [
        grant.grant_id,
        grant.application_id,
        grant.programme_id,
        line.programme.code if line.programme else "",
        grant.call_id,
        line.call.code if line.call else "",
        line.call.kind if line.call else "",
        grant.organisation_id,
        organisation.name if organisation else "",
        grant.country or (organisation.country if organisation else ""),
        organisation.size if organisation else "",
        organisation.pic or "" if organisation else "",
        ";".join(application.objectives) if application else "",
        grant.currency,
        grant.amount_cents,
        grant.committed_cents,
        grant.paid_cents,
        grant.recovered_cents,
        grant.status,
        _instant(grant.awarded_at),
        _instant(application.contracted_at) if application and application.contracted_at else "",
        _instant(grant.first_paid_at) if grant.first_paid_at else "",
    ]
