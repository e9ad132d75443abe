"""Between-dyad pseudo-synchrony: person A of one dyad with person B of another.

Pseudo-dyads keep each person's own movement style and break only the interaction, so
they are the null a study's genuine dyads are compared with (Ramseyer & Tschacher 2010;
rMEA's ``shuffle``). Each pseudo-dyad is analysed with the genuine dyads' statistic
(:func:`pseudo_value`: the lag-profile peak, mean Fisher z), on the two series trimmed to
the shorter; only series on the same grid rate are paired, and never two of one dyad.

Pairing (:func:`plan_pairs`): with roles kept (default), the first series of a
pseudo-dyad is always the same role (the first manifest row's ``role_A``; items whose roles
are swapped contribute their B), the second the other role; without roles, A with B. With
``mix_roles`` any two series of different dyads pair, as rMEA's ``keepRoles = FALSE``.
``n_per_item`` = None pairs every eligible combination (``--pseudo all``); else each item
gives ``n_per_item`` randomly drawn pseudo-dyads (``--pseudo N --seed S``).

Study statistics (:func:`compare`): genuine vs pseudo means; Cohen's d as rMEA's
``cohens_d`` (mean difference over the pooled SD; signed here, genuine minus pseudo, where
rMEA prints its absolute value) with a 95 % bootstrap interval that resamples items (each
item with the pseudo-dyads it leads, since they share a person); and a one-sided
permutation p-value (genuine above pseudo).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from synchrony.analysis.pair import AnalysisParameters
from synchrony.engine.lag_profile import lag_profile, profile_peak_lag_s, profile_peak_z
from synchrony.engine.wcc import windowed_xcorr
from synchrony.study.item import grand_average

N_BOOTSTRAP = 2000
N_PERMUTATIONS = 9999


@dataclass(frozen=True, slots=True)
class Series:
    """One person's series of one item: ``column`` (``"A_body"``…) of its signals file."""

    item: str
    dyad: str
    person: str
    role: str | None
    grid_hz: float


@dataclass(frozen=True, slots=True)
class PseudoPair:
    """A pseudo-dyad of one signal: ``first`` plays A, ``second`` plays B."""

    signal: str
    first: Series
    second: Series


def _oriented(records: Sequence[Mapping[str, Any]]) -> list[tuple[Series, Series]]:
    """Each item's (first-role, second-role) series (roles kept)."""
    canon = next(((r["roles"]["A"], r["roles"]["B"]) for r in records
                  if r["roles"]["A"] and r["roles"]["B"]), None)
    out = []
    for r in records:
        a = Series(r["id"], r["dyad"], "A", r["roles"]["A"], r["grid_hz"])
        b = Series(r["id"], r["dyad"], "B", r["roles"]["B"], r["grid_hz"])
        swapped = canon is not None and (r["roles"]["A"], r["roles"]["B"]) == canon[::-1] \
            and canon[0] != canon[1]
        out.append((b, a) if swapped else (a, b))
    return out


def plan_pairs(records: Sequence[Mapping[str, Any]], signals: Sequence[str],
               n_per_item: int | None, *, seed: int = 0, mix_roles: bool = False
               ) -> list[PseudoPair]:
    """Return the pseudo-dyads of a study (see the module docstring).

    ``records``: ``id``, ``dyad``, ``roles``, ``grid_hz`` and ``signals`` (the signals the
    item has) of each good item.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 31337]))
    pairs: list[PseudoPair] = []
    for signal in signals:
        have = [r for r in records if signal in r["signals"]]
        oriented = _oriented(have)
        for k, (first, _) in enumerate(oriented):
            if mix_roles:
                own = list(oriented[k])
                cands = [(f, s) for f in own for j, o in enumerate(oriented) if j > k
                         for s in o]
            else:
                cands = [(first, o[1]) for j, o in enumerate(oriented) if j != k]
            cands = [(f, s) for f, s in cands if f.dyad != s.dyad and f.grid_hz == s.grid_hz]
            if n_per_item is not None and len(cands) > n_per_item:
                cands = [cands[i] for i in sorted(rng.choice(len(cands), n_per_item,
                                                             replace=False))]
            pairs.extend(PseudoPair(signal, f, s) for f, s in cands)
    return pairs


def _series(out_dir: Path, s: Series, signal: str) -> np.ndarray:
    path = out_dir / "items" / s.item / "signals.parquet"
    table = pq.read_table(path, columns=[f"{s.person}_{signal}"])
    return np.asarray(table.column(0).to_numpy(zero_copy_only=False), dtype=float)


def pseudo_value(pair: PseudoPair, params: AnalysisParameters, fisher: bool, out_dir: str
                 ) -> dict[str, Any]:
    """Analyse one pseudo-dyad with the genuine statistic; a row of ``pseudo.parquet``."""
    a = _series(Path(out_dir), pair.first, pair.signal)
    b = _series(Path(out_dir), pair.second, pair.signal)
    n = min(len(a), len(b))
    row: dict[str, Any] = {
        "signal": pair.signal, "a_id": pair.first.item, "a_person": pair.first.person,
        "a_role": pair.first.role or "", "b_id": pair.second.item,
        "b_person": pair.second.person, "b_role": pair.second.role or "",
        "duration_s": n / pair.first.grid_hz}
    fs = pair.first.grid_hz
    if n / fs < params.window_s + params.max_lag_s:
        return row | {"strength": math.nan, "lag_s": math.nan, "grand_average": math.nan,
                      "n_windows": 0, "profile_z": []}
    grid = windowed_xcorr(a[:n], b[:n], fs_hz=fs, window_s=params.window_s,
                          step_s=params.step_s, max_lag_s=params.max_lag_s,
                          windowing=params.windowing)
    return row | {"strength": profile_peak_z(grid.r), "lag_s": profile_peak_lag_s(grid),
                  "grand_average": grand_average(grid.r, fisher),
                  "n_windows": int(grid.r.shape[0]), "profile_z": lag_profile(grid.r).tolist()}


def cohens_d(x: np.ndarray, y: np.ndarray) -> float:
    """(mean x - mean y) / pooled SD (rMEA's ``cohens_d``, signed); NaN if undefined."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 2 or len(y) < 2:
        return math.nan
    pooled = ((len(x) - 1) * x.var(ddof=1) + (len(y) - 1) * y.var(ddof=1)) / (len(x) + len(y) - 2)
    return float((x.mean() - y.mean()) / math.sqrt(pooled)) if pooled > 0 else math.nan


def permutation_p(x: np.ndarray, y: np.ndarray, *, n_permutations: int = N_PERMUTATIONS,
                  seed: int = 0, chunk: int = 500) -> float:
    """One-sided permutation p of mean(x) - mean(y) > 0 ((1 + k) / (1 + n_permutations))."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) == 0 or len(y) == 0:
        return math.nan
    pooled = np.concatenate([x, y])
    observed = x.mean() - y.mean()
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4711]))
    hits, done = 0, 0
    while done < n_permutations:
        m = min(chunk, n_permutations - done)
        perm = rng.permuted(np.broadcast_to(pooled, (m, len(pooled))), axis=1)
        diff = perm[:, :len(x)].mean(axis=1) - perm[:, len(x):].mean(axis=1)
        hits += int(np.sum(diff >= observed - 1e-12))
        done += m
    return (1 + hits) / (1 + n_permutations)


def bootstrap_d(genuine: np.ndarray, pseudo: np.ndarray, clusters: np.ndarray, *,
                n_boot: int = N_BOOTSTRAP, seed: int = 0) -> tuple[float, float]:
    """Return the 95 % interval of Cohen's d, resampling items.

    Item i brings its genuine value and the pseudo values whose ``clusters`` entry is i (the
    pseudo-dyads item i leads).
    """
    g = np.asarray(genuine, dtype=float)
    n = len(g)
    p = np.asarray(pseudo, dtype=float)
    c = np.asarray(clusters, dtype=int)
    if n < 2 or len(p) < 2:
        return math.nan, math.nan
    cnt = np.bincount(c, minlength=n).astype(float)
    s1 = np.bincount(c, weights=p, minlength=n)
    s2 = np.bincount(c, weights=p * p, minlength=n)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2718]))
    w = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)  # (boot, n)
    ng, mg = w.sum(axis=1), (w @ g) / n
    vg = (w @ (g * g) - ng * mg * mg) / np.maximum(ng - 1, 1)
    np_, sp, qp = w @ cnt, w @ s1, w @ s2
    with np.errstate(invalid="ignore", divide="ignore"):
        mp = sp / np_
        vp = (qp - np_ * mp * mp) / (np_ - 1)
        pooled = ((ng - 1) * vg + (np_ - 1) * vp) / (ng + np_ - 2)
        d = (mg - mp) / np.sqrt(pooled)
    d = d[np.isfinite(d)]
    if d.size < n_boot // 2:
        return math.nan, math.nan
    lo, hi = np.quantile(d, [0.025, 0.975])
    return float(lo), float(hi)


def compare(genuine: Mapping[str, float], pseudo_rows: Sequence[Mapping[str, Any]], key: str,
            *, seed: int = 0) -> dict[str, Any]:
    """Genuine vs pseudo of one signal on column ``key`` (``strength``/``grand_average``).

    ``genuine``: item id -> value. Returns means, SDs, counts, ``d`` with its interval
    and the permutation p.
    """
    ids = [i for i, v in genuine.items() if v is not None and math.isfinite(v)]
    g = np.array([genuine[i] for i in ids], dtype=float)
    position = {i: k for k, i in enumerate(ids)}
    usable = [r for r in pseudo_rows if r[key] is not None and math.isfinite(r[key])]
    p = np.array([r[key] for r in usable], dtype=float)
    clusters = np.array([position.get(r["a_id"], -1) for r in usable], dtype=int)
    inside = clusters >= 0
    lo, hi = bootstrap_d(g, p[inside], clusters[inside], seed=seed)
    return {
        "n_genuine": int(len(g)), "n_pseudo": int(len(p)),
        "genuine_mean": float(g.mean()) if len(g) else math.nan,
        "genuine_sd": float(g.std(ddof=1)) if len(g) > 1 else math.nan,
        "pseudo_mean": float(p.mean()) if len(p) else math.nan,
        "pseudo_sd": float(p.std(ddof=1)) if len(p) > 1 else math.nan,
        "d": cohens_d(g, p), "d_ci95": [lo, hi],
        "p_permutation": permutation_p(g, p, seed=seed),
    }


def percentiles(genuine: Mapping[tuple[str, str], float], pseudo_rows: Sequence[Mapping[str, Any]]
                ) -> dict[tuple[str, str], tuple[float, int]]:
    """Return, per (item, signal), the genuine value's percentile and the pseudo count.

    The percentile is among the pseudo-dyads that share one of its people (100 x fraction
    below, ties counted half).
    """
    by_item: dict[tuple[str, str], list[float]] = {}
    for r in pseudo_rows:
        if r["strength"] is None or not math.isfinite(r["strength"]):
            continue
        for item in {r["a_id"], r["b_id"]}:
            by_item.setdefault((item, r["signal"]), []).append(r["strength"])
    out = {}
    for key, value in genuine.items():
        vals = np.array(by_item.get(key, []), dtype=float)
        if vals.size == 0 or value is None or not math.isfinite(value):
            out[key] = (math.nan, int(vals.size))
        else:
            below = np.mean(vals < value) + 0.5 * np.mean(vals == value)
            out[key] = (float(100 * below), int(vals.size))
    return out


def mean_profile(profiles: Sequence[Sequence[float]]) -> list[float]:
    """Mean of lag profiles of equal length (NaN cells left out); [] if none."""
    rows = [np.asarray(p, dtype=float) for p in profiles if len(p)]
    if not rows:
        return []
    lengths = {len(r) for r in rows}
    if len(lengths) != 1:
        return []
    stack = np.vstack(rows)
    with np.errstate(invalid="ignore"):
        return np.nanmean(stack, axis=0).tolist()


__all__ = ["PseudoPair", "Series", "bootstrap_d", "cohens_d", "compare", "mean_profile",
           "percentiles", "permutation_p", "plan_pairs", "pseudo_value"]
