"""The demo's cast: SMEs of a European aerospace and defence cluster programme,
generated from a seed so that the same seed always gives the same programme.

Pure: no I/O. The player turns these into HTTP commands; the end-to-end tests
compute their expectations from the same plan."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

# Country, legal form, VAT prefix, weight: where the SMEs of an EU cluster come from.
EU_COUNTRIES: tuple[tuple[str, str, str, int], ...] = (
    ("FR", "SAS", "FR", 16),
    ("DE", "GmbH", "DE", 15),
    ("IT", "S.r.l.", "IT", 12),
    ("ES", "S.L.", "ES", 11),
    ("BE", "BV", "BE", 6),
    ("NL", "B.V.", "NL", 7),
    ("PL", "sp. z o.o.", "PL", 8),
    ("PT", "Lda", "PT", 5),
    ("AT", "GmbH", "ATU", 5),
    ("SE", "AB", "SE", 5),
    ("CZ", "s.r.o.", "CZ", 4),
    ("GR", "IKE", "EL", 3),
)
# Outside the calls' eligible countries: these applications must be found ineligible.
NON_EU_COUNTRIES: tuple[tuple[str, str, str], ...] = (("NO", "AS", "NO"), ("CH", "AG", "CHE"))
SIZES: tuple[tuple[str, int], ...] = (("micro", 35), ("small", 40), ("medium", 25))
TAGS: tuple[tuple[str, float], ...] = (
    ("aeronautics", 0.45),
    ("space", 0.25),
    ("defence", 0.2),
    ("cybersecurity", 0.1),
)
NAME_STEMS = (
    "Aero",
    "Astra",
    "Nova",
    "Stella",
    "Orbi",
    "Vega",
    "Quanta",
    "Helix",
    "Vector",
    "Lumen",
    "Terra",
    "Cirrus",
    "Boreal",
    "Zenith",
    "Kinetic",
    "Photon",
    "Falco",
    "Argo",
    "Meridian",
    "Sigma",
)
NAME_ENDINGS = (
    "tech",
    "dyne",
    "works",
    "systems",
    "labs",
    "motion",
    "composites",
    "avionics",
    "sense",
    "forge",
)
OBJECTIVES = ("network", "innovate", "adopt", "train", "go_international")


@dataclass(frozen=True)
class Sme:
    """One organisation and the person who registers it (`sub`)."""

    sub: str
    name: str
    country: str
    size: str
    pic: str | None
    vat_id: str | None
    registered_on: date
    tags: tuple[str, ...]

    def body(self) -> dict[str, object]:
        """The `POST /v1/organisations` body."""
        return {
            "name": self.name,
            "country": self.country,
            "size": self.size,
            "registered_on": self.registered_on.isoformat(),
            "tags": list(self.tags),
            **({"pic": self.pic} if self.pic else {}),
            **({"vat_id": self.vat_id} if self.vat_id else {}),
        }


@dataclass(frozen=True)
class Proposal:
    """One application: who leads, with whom, for what, and the fate the demo gives it."""

    lead: int  # index into Population.smes
    partners: tuple[int, ...]
    title: str
    requested_cents: int
    trl: int
    objectives: tuple[str, ...]
    fate: str = "submit"  # "submit", "withdraw" (after submitting) or "late"


@dataclass
class Population:
    smes: list[Sme]
    ranked: list[Proposal] = field(default_factory=list)
    vouchers: list[Proposal] = field(default_factory=list)
    # The n-th evaluator's (excellence, impact, implementation) scores per ranked proposal.
    scores: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)


def generate(smes: int, seed: int, run: str = "") -> Population:
    """`smes` organisations (at least 20), a ranked call's proposals from about a
    quarter of them, and voucher requests from most of the others.

    The seed decides everything a report shows; `run` only the identifiers (PICs,
    VAT ids, people's subs), so the same programme can be played again on a stack
    that already holds the organisations of an earlier run."""
    if smes < 20:
        raise ValueError("the demo needs at least 20 SMEs")
    rng = random.Random(seed)
    pics = random.Random(f"{seed}:{run}").sample(range(900_000_000, 1_000_000_000), smes)
    suffix = f"-{run}" if run else ""
    cast = [_sme(rng, n, pics[n], suffix) for n in range(smes)]
    # Two applicants from outside the EU and one large company: the ineligible cases.
    for n, (country, form, vat) in enumerate(NON_EU_COUNTRIES, start=1):
        cast[-n] = _sme(rng, smes - n, pics[-n], suffix, country=(country, form, vat))
    cast[-3] = _sme(rng, smes - 3, pics[-3], suffix, size="large")
    population = Population(cast)
    ranked_count = max(12, smes // 4)
    leads = list(range(ranked_count - 3)) + [smes - 1, smes - 2, smes - 3]
    for lead in leads:
        partners = _partners(rng, cast, lead, ranked_count) if rng.random() < 0.3 else ()
        population.ranked.append(
            Proposal(
                lead,
                partners,
                _title(rng),
                rng.randrange(20, 61) * 1_000_00,
                rng.randint(3, 5),
                _objectives(rng),
            )
        )
    # One proposal withdrawn after submission, one submitted after the deadline.
    population.ranked[1] = _with_fate(population.ranked[1], "withdraw")
    population.ranked.append(
        Proposal(ranked_count - 3, (), _title(rng), 30_000_00, 4, ("innovate",), fate="late")
    )
    for index, _proposal in enumerate(population.ranked):
        # Mostly good proposals, as in a real call; some fall below a threshold.
        population.scores[index] = [(_score(rng), _score(rng), _score(rng)) for _ in range(2)]
    # Whatever the draw, one proposal falls below the excellence threshold: the
    # review story needs a rejected applicant whose re-evaluation can move it.
    population.scores[min(2, len(population.ranked) - 1)] = [(2, 2, 2), (2, 2, 2)]
    for lead in range(ranked_count, smes - 3):
        if rng.random() < 0.8:
            population.vouchers.append(
                Proposal(
                    lead,
                    (),
                    f"Green voucher: {_title(rng).lower()}",
                    10_000_00,
                    rng.randint(5, 8),
                    ("adopt",),
                )
            )
    return population


def _sme(
    rng: random.Random,
    n: int,
    pic: int,
    suffix: str,
    *,
    country: tuple[str, str, str] | None = None,
    size: str | None = None,
) -> Sme:
    code, form, vat = country or _weighted_country(rng)
    name = f"{rng.choice(NAME_STEMS)}{rng.choice(NAME_ENDINGS)} {n + 1:03d} {form}"
    # A few undertakings are known by their VAT id only; the rest by PIC (and most by both).
    by_vat_only = rng.random() < 0.1
    has_vat = by_vat_only or rng.random() < 0.6
    return Sme(
        sub=f"sme-{n + 1:03d}{suffix}",
        name=name,
        country=code,
        size=size or _weighted(rng, SIZES),
        pic=None if by_vat_only else str(pic),
        vat_id=f"{vat}{pic % 10**9:09d}" if has_vat else None,
        registered_on=date(rng.randint(2004, 2023), rng.randint(1, 12), rng.randint(1, 28)),
        tags=tuple(tag for tag, share in TAGS if rng.random() < share),
    )


def _weighted_country(rng: random.Random) -> tuple[str, str, str]:
    code, form, vat, _weight = rng.choices(EU_COUNTRIES, weights=[c[3] for c in EU_COUNTRIES])[0]
    return code, form, vat


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _partners(rng: random.Random, cast: list[Sme], lead: int, pool: int) -> tuple[int, ...]:
    others = [n for n in range(pool) if n != lead and cast[n].country != cast[lead].country]
    return tuple(rng.sample(others, k=min(len(others), rng.randint(1, 2))))


def _score(rng: random.Random) -> int:
    return rng.choice((2, 3, 3, 4, 4, 4, 5, 5))


def _title(rng: random.Random) -> str:
    subject = rng.choice(
        (
            "Composite wing ribs",
            "Satellite thermal control",
            "Drone swarm navigation",
            "Additive titanium brackets",
            "Secure avionics gateway",
            "Hydrogen-ready test bench",
            "Predictive maintenance twin",
            "Radiation-hard sensors",
        )
    )
    return f"{subject} for small series"


def _objectives(rng: random.Random) -> tuple[str, ...]:
    return tuple(sorted(rng.sample(("innovate", "adopt", "go_international"), k=rng.randint(1, 2))))


def _with_fate(proposal: Proposal, fate: str) -> Proposal:
    return Proposal(
        proposal.lead,
        proposal.partners,
        proposal.title,
        proposal.requested_cents,
        proposal.trl,
        proposal.objectives,
        fate,
    )
