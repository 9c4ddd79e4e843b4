"""The demo's cast: realistic, varied, and the same for the same seed."""

from __future__ import annotations

from collections import Counter

import pytest

from cascade.demo.population import generate


def test_the_same_seed_plays_the_same_programme_whatever_the_run() -> None:
    first, again = generate(150, seed=7, run="a"), generate(150, seed=7, run="b")
    shape = [(s.name, s.country, s.size, s.tags, s.registered_on) for s in first.smes]
    assert shape == [(s.name, s.country, s.size, s.tags, s.registered_on) for s in again.smes]
    assert first.ranked == again.ranked
    assert first.vouchers == again.vouchers
    assert first.scores == again.scores
    # Only the identifiers differ, so a second run fits on a stack holding the first.
    assert {s.pic for s in first.smes}.isdisjoint({s.pic for s in again.smes} - {None})
    assert generate(150, seed=8).ranked != first.ranked


def test_a_hundred_and_fifty_smes_from_ten_countries_and_more() -> None:
    population = generate(150, seed=7)
    countries = Counter(s.country for s in population.smes)
    assert len(population.smes) == 150
    assert len(countries) >= 10
    pics = [s.pic for s in population.smes if s.pic]
    assert len(pics) == len(set(pics))
    assert all(p.isdigit() and len(p) == 9 for p in pics)
    assert all(s.pic or s.vat_id for s in population.smes)
    assert {s.size for s in population.smes} >= {"micro", "small", "medium"}
    assert any("defence" in s.tags for s in population.smes)


def test_the_cases_a_programme_manager_meets_are_all_there() -> None:
    population = generate(150, seed=7)
    fates = Counter(p.fate for p in population.ranked)
    assert fates["withdraw"] == 1
    assert fates["late"] == 1
    leads = [population.smes[p.lead] for p in population.ranked]
    assert {"NO", "CH"} <= {s.country for s in leads}  # outside the eligible countries
    assert "large" in {s.size for s in leads}
    assert any(p.partners for p in population.ranked)  # consortia
    assert len(population.vouchers) > 20  # more than the voucher budget funds
    ranked_leads = {p.lead for p in population.ranked} | {
        m for p in population.ranked for m in p.partners
    }
    assert ranked_leads.isdisjoint({p.lead for p in population.vouchers})


def test_too_small_a_programme_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 20"):
        generate(10, seed=1)
