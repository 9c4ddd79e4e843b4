"""The people of the demo programme, and the record of what they did."""

from __future__ import annotations

from dataclasses import dataclass, field

from cascade.demo.client import Json, Person

MANAGER = Person("pm-ada", ("programme_manager",))
FINANCE = (Person("fo-bruno", ("finance_officer",)), Person("fo-chiara", ("finance_officer",)))
AUDITOR = Person("auditor-ines", ("auditor",))
# The programme's standing pool of evaluators: the same people in every run.
EVALUATORS = tuple(
    Person(f"ev-{name}", ("evaluator",)) for name in ("dana", "emil", "farah", "goran", "hana")
)


# An independent observer who decides review requests; never an evaluator.
REVIEWER = Person("rev-olga", ("reviewer",))


def applicant(sub: str) -> Person:
    return Person(sub, ("applicant",))


@dataclass
class Played:
    """What the demo did and what the services answered: the ids, and the facts
    a report must agree with."""

    programme_id: str = ""
    currency: str = ""  # the programme's, for amounts written for people
    ranked_call_id: str = ""
    voucher_call_id: str = ""
    organisations: list[str] = field(default_factory=list)
    ranked: dict[int, Json] = field(default_factory=dict)  # proposal index -> application
    vouchers: dict[int, Json] = field(default_factory=dict)
    late_refused: bool = False
    assignments_declined: int = 0
    declined: list[str] = field(default_factory=list)
    contracted: list[str] = field(default_factory=list)
    sign_traces: dict[str, str] = field(default_factory=dict)  # application -> trace id
    grants: list[Json] = field(default_factory=list)
    paid_cents: int = 0
    failed_payments: int = 0
    recovered_cents: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    # The real call: submissions refused then corrected (case -> what was answered),
    # each annex's sha256 as stored, and the review requests decided.
    refusals: dict[str, str] = field(default_factory=dict)
    annex_sha256: dict[str, str] = field(default_factory=dict)
    review_upheld: str = ""  # the application whose review was upheld
    upheld_outcome: str = ""  # "rejected -> reserve"
    review_dismissed: str = ""
    ranking_versions: int = 0
