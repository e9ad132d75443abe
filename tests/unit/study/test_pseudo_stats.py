"""Pseudo-synchrony statistics and pairing (synchrony.study.pseudo).

Cohen's d is checked against rMEA's formula written out here independently (pooled SD with
n - 1), the permutation p against an exact enumeration and against its null distribution,
the bootstrap interval against a plain loop, and the pairing plan against its rules: never
one dyad with itself, roles kept, counts of ``all`` and ``N``, ``mix_roles``, one grid rate.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter
from typing import Any

import numpy as np
import pytest

from synchrony.study.pseudo import (
    bootstrap_d,
    cohens_d,
    percentiles,
    permutation_p,
    plan_pairs,
)


def rmea_cohens_d(x: list[float], y: list[float]) -> float:
    """rMEA's ``cohens_d`` (signed): (mean x - mean y) / sqrt(((nx-1)vx + (ny-1)vy)/(nx+ny-2))."""
    lx, ly = len(x) - 1, len(y) - 1
    csd = math.sqrt((lx * statistics.variance(x) + ly * statistics.variance(y)) / (lx + ly))
    return (statistics.fmean(x) - statistics.fmean(y)) / csd


# --- Cohen's d -----------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_cohens_d_is_rmea_formula(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = list(rng.normal(0.4, 1.3, size=7 + seed))
    y = list(rng.normal(0.0, 0.7, size=30 - 3 * seed))
    assert cohens_d(np.array(x), np.array(y)) == pytest.approx(rmea_cohens_d(x, y), rel=1e-12)
    assert cohens_d(np.array(y), np.array(x)) == pytest.approx(-rmea_cohens_d(x, y),
                                                               rel=1e-12)


def test_cohens_d_by_hand() -> None:
    # x: mean 2, var 1 (n-1); y: mean 0, var 4 (n-1) -> pooled (2*1 + 2*4)/4 = 2.5
    assert cohens_d(np.array([1.0, 2.0, 3.0]), np.array([-2.0, 0.0, 2.0])) == \
        pytest.approx(2.0 / math.sqrt(2.5), rel=1e-14)


def test_cohens_d_undefined() -> None:
    assert math.isnan(cohens_d(np.array([1.0]), np.array([1.0, 2.0, 3.0])))
    assert math.isnan(cohens_d(np.array([1.0, 2.0]), np.array([])))
    assert math.isnan(cohens_d(np.array([1.0, 1.0]), np.array([1.0, 1.0, 1.0])))


# --- permutation p -------------------------------------------------------------------------

def exact_permutation_p(x: list[float], y: list[float]) -> float:
    """Fraction of all splits of x + y whose mean difference is >= the observed one."""
    pooled = x + y
    observed = statistics.fmean(x) - statistics.fmean(y)
    hits = total = 0
    for idx in itertools.combinations(range(len(pooled)), len(x)):
        chosen = set(idx)
        a = [pooled[i] for i in idx]
        b = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        hits += statistics.fmean(a) - statistics.fmean(b) >= observed - 1e-12
        total += 1
    return hits / total


@pytest.mark.parametrize("shift", [0.0, 0.6, 1.5])
def test_permutation_p_matches_exact_enumeration(shift: float) -> None:
    rng = np.random.default_rng(7)
    x = list(rng.normal(shift, 1.0, 5))
    y = list(rng.normal(0.0, 1.0, 7))
    exact = exact_permutation_p(x, y)  # C(12, 5) = 792 splits
    p = permutation_p(np.array(x), np.array(y), n_permutations=9999, seed=3)
    assert p == pytest.approx(exact, abs=0.015)  # Monte Carlo SD <= 0.005


def test_permutation_p_clear_shift_is_smallest_possible() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(3.0, 1.0, 12), rng.normal(0.0, 1.0, 60)
    assert permutation_p(x, y, n_permutations=999) == pytest.approx(1 / 1000)
    # one-sided: genuine *below* pseudo is not significant
    assert permutation_p(y[:12], x, n_permutations=999) > 0.99


def test_permutation_p_null_is_roughly_uniform() -> None:
    ps = np.array([permutation_p(*_null_samples(seed), n_permutations=499, seed=seed)
                   for seed in range(200)])
    assert np.mean(ps < 0.05) <= 0.10  # nominal 0.05; 0.10 is 3 SDs of a binomial(200)
    assert np.mean(ps < 0.05) >= 0.01
    assert 0.4 <= np.mean(ps < 0.5) <= 0.6
    assert 0.42 <= ps.mean() <= 0.58


def _null_samples(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 100)
    return rng.gamma(2.0, 1.0, 10), rng.gamma(2.0, 1.0, 40)


def test_permutation_p_deterministic_and_empty() -> None:
    x, y = _null_samples(0)
    assert permutation_p(x, y, seed=5) == permutation_p(x, y, seed=5)
    assert math.isnan(permutation_p(np.array([]), y))


# --- bootstrap interval of d ---------------------------------------------------------------

def _clustered(seed: int, shift: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 15
    genuine = rng.normal(shift, 1.0, n)
    clusters = np.repeat(np.arange(n), 4)
    pseudo = rng.normal(0.0, 1.0, clusters.size)
    return genuine, pseudo, clusters


@pytest.mark.parametrize(("seed", "shift"), [(0, 0.0), (1, 0.8), (2, 2.5)])
def test_bootstrap_interval_contains_point_d(seed: int, shift: float) -> None:
    g, p, c = _clustered(seed, shift)
    lo, hi = bootstrap_d(g, p, c, seed=seed)
    assert lo < cohens_d(g, p) < hi
    if shift > 2:
        assert lo > 0.5  # a clear difference keeps its interval well away from 0


def test_bootstrap_interval_agrees_with_plain_loop() -> None:
    g, p, c = _clustered(4, 1.0)
    lo, hi = bootstrap_d(g, p, c, n_boot=4000, seed=1)
    rng = np.random.default_rng(99)
    ds = []
    for _ in range(4000):
        take = rng.integers(0, len(g), len(g))
        ds.append(cohens_d(g[take], np.concatenate([p[c == i] for i in take])))
    ref_lo, ref_hi = np.quantile(ds, [0.025, 0.975])
    width = ref_hi - ref_lo
    assert lo == pytest.approx(ref_lo, abs=0.1 * width)
    assert hi == pytest.approx(ref_hi, abs=0.1 * width)


def test_bootstrap_undefined_for_one_item() -> None:
    lo, hi = bootstrap_d(np.array([1.0]), np.array([0.0, 0.5]), np.array([0, 0]))
    assert math.isnan(lo)
    assert math.isnan(hi)


# --- pairing plan --------------------------------------------------------------------------

def record(item: str, dyad: str, roles: tuple[str | None, str | None] = (None, None),
           grid_hz: float = 20.0, signals: tuple[str, ...] = ("motion",)) -> dict[str, Any]:
    return {"id": item, "dyad": dyad, "roles": {"A": roles[0], "B": roles[1]},
            "grid_hz": grid_hz, "signals": list(signals)}


def test_pairs_never_within_a_dyad_and_count_all() -> None:
    # dyad d1 has two sessions; every item pairs with every item of another dyad
    records = [record("d1s1", "d1"), record("d1s2", "d1"), record("d2", "d2"),
               record("d3", "d3"), record("d4", "d4")]
    pairs = plan_pairs(records, ["motion"], None)
    assert all(p.first.dyad != p.second.dyad for p in pairs)
    assert all((p.first.person, p.second.person) == ("A", "B") for p in pairs)
    counts = Counter(p.first.item for p in pairs)
    assert counts == {"d1s1": 3, "d1s2": 3, "d2": 4, "d3": 4, "d4": 4}
    assert len({(p.first.item, p.second.item) for p in pairs}) == len(pairs)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_pairs_n_per_item(n: int) -> None:
    records = [record(f"d{k}", f"d{k}", signals=("body", "motion")) for k in range(6)]
    pairs = plan_pairs(records, ["motion", "body"], n, seed=1)
    for signal in ("motion", "body"):
        counts = Counter(p.first.item for p in pairs if p.signal == signal)
        assert counts == {f"d{k}": n for k in range(6)}
    assert all(p.first.item != p.second.item for p in pairs)
    assert plan_pairs(records, ["motion", "body"], n, seed=1) == pairs  # deterministic


def test_pairs_n_larger_than_eligible_gives_all() -> None:
    records = [record(f"d{k}", f"d{k}") for k in range(3)]
    assert plan_pairs(records, ["motion"], 10) == plan_pairs(records, ["motion"], None)


def test_pairs_draws_depend_on_seed() -> None:
    records = [record(f"d{k}", f"d{k}") for k in range(12)]
    draws = {tuple((p.first.item, p.second.item) for p in plan_pairs(records, ["motion"], 2,
                                                                      seed=s))
             for s in range(5)}
    assert len(draws) > 1


def test_pairs_keep_roles_when_items_swap_them() -> None:
    records = [record("d0", "d0", ("therapist", "patient")),
               record("d1", "d1", ("patient", "therapist")),
               record("d2", "d2", ("therapist", "patient")),
               record("d3", "d3", ("patient", "therapist"))]
    pairs = plan_pairs(records, ["motion"], None)
    assert len(pairs) == 4 * 3
    assert {p.first.role for p in pairs} == {"therapist"}
    assert {p.second.role for p in pairs} == {"patient"}
    person = {p.first.item: p.first.person for p in pairs}
    assert person == {"d0": "A", "d1": "B", "d2": "A", "d3": "B"}  # swapped items give B
    second = {p.second.item: p.second.person for p in pairs}
    assert second == {"d0": "B", "d1": "A", "d2": "B", "d3": "A"}


def test_pairs_mix_roles_pairs_any_two_people_of_different_dyads() -> None:
    records = [record(f"d{k}", f"d{k}", ("therapist", "patient")) for k in range(4)]
    pairs = plan_pairs(records, ["motion"], None, mix_roles=True)
    people = [frozenset({(p.first.item, p.first.person), (p.second.item, p.second.person)})
              for p in pairs]
    assert len(set(people)) == len(people)  # each unordered pair of people once
    assert len(pairs) == 4 * math.comb(4, 2)  # 2 people x 2 people per pair of dyads
    assert all(p.first.dyad != p.second.dyad for p in pairs)
    assert {(p.first.role, p.second.role) for p in pairs} == {
        ("therapist", "therapist"), ("therapist", "patient"), ("patient", "therapist"),
        ("patient", "patient")}


def test_pairs_never_mix_grid_rates() -> None:
    records = [record("a1", "a1", grid_hz=25.0), record("a2", "a2", grid_hz=25.0),
               record("b1", "b1", grid_hz=10.0), record("b2", "b2", grid_hz=10.0),
               record("b3", "b3", grid_hz=10.0)]
    for mix in (False, True):
        pairs = plan_pairs(records, ["motion"], None, mix_roles=mix)
        assert pairs
        assert all(p.first.grid_hz == p.second.grid_hz for p in pairs)
    assert Counter(p.first.item for p in plan_pairs(records, ["motion"], None)) == {
        "a1": 1, "a2": 1, "b1": 2, "b2": 2, "b3": 2}


def test_pairs_only_items_with_the_signal() -> None:
    records = [record("d0", "d0", signals=("motion", "head")), record("d1", "d1"),
               record("d2", "d2", signals=("head",))]
    pairs = plan_pairs(records, ["motion", "head"], None)
    assert {(p.signal, p.first.item, p.second.item) for p in pairs} == {
        ("motion", "d0", "d1"), ("motion", "d1", "d0"),
        ("head", "d0", "d2"), ("head", "d2", "d0")}


# --- percentiles ---------------------------------------------------------------------------

def test_percentiles_among_pseudo_dyads_sharing_a_person() -> None:
    rows = [
        {"signal": "motion", "a_id": "x", "b_id": "y", "strength": 0.1},
        {"signal": "motion", "a_id": "y", "b_id": "x", "strength": 0.3},
        {"signal": "motion", "a_id": "x", "b_id": "z", "strength": 0.5},
        {"signal": "motion", "a_id": "z", "b_id": "y", "strength": 0.7},
        {"signal": "motion", "a_id": "z", "b_id": "x", "strength": math.nan},
        {"signal": "head", "a_id": "x", "b_id": "y", "strength": 9.0},
    ]
    genuine = {("x", "motion"): 0.3, ("y", "motion"): 0.9, ("z", "motion"): math.nan,
               ("w", "motion"): 0.2}
    out = percentiles(genuine, rows)
    # x shares 0.1, 0.3, 0.5: one below, one tie (half) -> 1.5 / 3
    assert out[("x", "motion")] == (pytest.approx(50.0), 3)
    assert out[("y", "motion")] == (pytest.approx(100.0), 3)  # 0.1, 0.3, 0.7
    assert math.isnan(out[("z", "motion")][0])
    assert out[("z", "motion")][1] == 2
    assert math.isnan(out[("w", "motion")][0])
    assert out[("w", "motion")][1] == 0
