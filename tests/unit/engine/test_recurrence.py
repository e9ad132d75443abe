"""Cross-recurrence engine against a brute-force reference and crqa's conventions.

The reference loops over every (i, j) of the full cross-recurrence plot on 300 samples
(pure Python, no numpy in the distances): radius, diagonal profile, windowed %REC, %DET and
per-window diagonal rates must agree to 1e-12 (the radius: float rounding of the z-score;
the rates: exactly). Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from synchrony.engine import recurrence as rec


def _zscore(x: list[float]) -> list[float]:
    values = [v for v in x if math.isfinite(v)]
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    return [(v - mean) / sd if math.isfinite(v) else math.nan for v in x]


def brute_force(a: np.ndarray, b: np.ndarray, *, dim: int, delay: int, max_lag: int,
                rate: float, window: int, step: int, metric: str
                ) -> tuple[float, list[float], list[float], list[float], list[list[float]]]:
    """(radius, profile, %REC, %DET, per-window diagonal rates) by explicit loops."""
    za, zb = _zscore(list(a)), _zscore(list(b))
    n = len(za) - (dim - 1) * delay
    va = [[za[t + i * delay] for i in range(dim)] for t in range(n)]
    vb = [[zb[t + i * delay] for i in range(dim)] for t in range(n)]

    def dist(i: int, j: int) -> float:
        diffs = [abs(x - y) for x, y in zip(va[i], vb[j], strict=True)]
        if any(math.isnan(d) for d in diffs):
            return math.nan
        return max(diffs) if metric == "max" else math.sqrt(sum(d * d for d in diffs))

    full = [[dist(i, j) for j in range(n)] for i in range(n)]
    band = sorted(full[i][j] for i in range(n) for j in range(n)
                  if abs(j - i) <= max_lag and not math.isnan(full[i][j]))
    radius = band[max(1, math.ceil(rate * len(band) - 1e-9)) - 1]

    def diagonal_rate(lo: int, size: int, lag: int) -> float:
        pairs = [full[i][i + lag] for i in range(lo, lo + size) if lo <= i + lag < lo + size]
        present = [d for d in pairs if not math.isnan(d)]
        return sum(d <= radius for d in present) / len(present) if present else math.nan

    profile = [diagonal_rate(0, n, lag) for lag in range(-max_lag, max_lag + 1)]
    rec_pc, det_pc, diag = [], [], []
    for s in range(0, n - window + 1, step):
        plot = [[full[s + i][s + j] <= radius for j in range(window)] for i in range(window)]
        present = sum(not math.isnan(full[s + i][s + j])
                      for i in range(window) for j in range(window))
        n_rec = sum(map(sum, plot))
        n_det = 0
        for lag in range(-(window - 1), window):
            run = 0
            for i in range(window):
                if 0 <= i + lag < window:
                    if plot[i][i + lag]:
                        run += 1
                        continue
                    n_det += run if run >= 2 else 0
                    run = 0
            n_det += run if run >= 2 else 0
        rec_pc.append(100 * n_rec / present if present else math.nan)
        det_pc.append(100 * n_det / n_rec if n_rec else math.nan)
        diag.append([diagonal_rate(s, window, lag) for lag in range(-max_lag, max_lag + 1)])
    return radius, profile, rec_pc, det_pc, diag


def _pair(seed: int, n: int = 300, with_gaps: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = np.cumsum(rng.standard_normal(n))
    b = np.roll(a, 4) + 2.0 * rng.standard_normal(n)
    if with_gaps:
        a[40:46] = np.nan
        b[[120, 200, 201]] = np.nan
    return a, b


@pytest.mark.parametrize(("dim", "delay", "metric", "gaps"), [
    (1, 1, "euclidean", False), (3, 2, "euclidean", True), (2, 3, "max", True)])
def test_agrees_with_brute_force(dim: int, delay: int, metric: rec.Metric, gaps: bool) -> None:
    a, b = _pair(dim, with_gaps=gaps)
    kw = dict(max_lag=8, window=40, step=25)
    radius, profile, rec_pc, det_pc, diag = brute_force(a, b, dim=dim, delay=delay, rate=0.1,
                                                        metric=metric, **kw)
    ea, eb = rec.prepare(a, b, dim, delay)
    prof = rec.recurrence_profile(ea, eb, max_lag=8, rate=0.1, metric=metric)
    win = rec.windowed_rqa(ea, eb, radius=prof.radius, metric=metric, **kw)
    assert prof.radius == pytest.approx(radius, abs=1e-12)
    np.testing.assert_allclose(prof.rate, profile, rtol=0, atol=1e-12)
    np.testing.assert_allclose(win.rec_percent, rec_pc, rtol=0, atol=1e-12)
    np.testing.assert_allclose(win.det_percent, det_pc, rtol=0, atol=1e-12)
    np.testing.assert_allclose(win.diagonal_rate, diag, rtol=0, atol=1e-12)
    assert 0 < np.nanmean(win.det_percent) < 100  # lines both present and broken


def test_b_delayed_copy_of_a_peaks_at_positive_lag() -> None:
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.standard_normal(600))
    d = 5
    a, b = x[d:], x[:-d]  # b[t] = a[t - d]: A leads, B follows
    ea, eb = rec.prepare(a, b, 1, 1)
    prof = rec.recurrence_profile(ea, eb, max_lag=10, rate=0.05)
    peak_rate, peak_lag = rec.profile_peak(prof.rate, prof.lag_samples)
    assert peak_lag == pytest.approx(d, abs=0.5)
    assert peak_rate > 4 * prof.band_rate  # equal up to each series' own z-scoring
    assert prof.band_rate == pytest.approx(0.05, abs=1e-3)
    # swapping A and B mirrors the profile: B leads
    swapped = rec.recurrence_profile(eb, ea, max_lag=10, rate=0.05)
    np.testing.assert_allclose(swapped.rate, prof.rate[::-1])


def test_lag_matches_crqa_drpfromts_offset() -> None:
    """crqa: RP transposed (rows = ts2, columns = ts1), profile grouped by row - col."""
    a, b = _pair(7, n=120)
    ea, eb = rec.prepare(a, b, 1, 1)
    prof = rec.recurrence_profile(ea, eb, max_lag=6, rate=0.1)
    rp = np.abs(eb[:, 0][:, None] - ea[:, 0][None, :]) <= prof.radius  # rows ts2 = B
    rows, cols = np.indices(rp.shape)
    crqa = [rp[rows - cols == k].mean() for k in range(-6, 7)]
    np.testing.assert_array_equal(prof.rate, crqa)


def test_radius_embedding_and_zscore_details() -> None:
    d = np.array([[3.0, 1.0, np.nan], [2.0, 4.0, 5.0]])
    assert rec.radius_for_rate(d, 0.2) == 1.0  # ceil(0.2 * 5) = 1st smallest
    assert rec.radius_for_rate(d, 0.5) == 3.0  # 3rd smallest
    assert math.isnan(rec.radius_for_rate(np.full((2, 2), np.nan), 0.1))
    e = rec.embed(np.arange(10.0), 3, 2)
    assert e.shape == (6, 3)
    np.testing.assert_array_equal(e[1], [1.0, 3.0, 5.0])
    z = rec.zscore_finite(np.array([1.0, np.nan, 3.0, 5.0]))
    assert np.isnan(z[1])
    assert np.nanstd(z, ddof=1) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="rate"):
        rec.radius_for_rate(d, 0.0)
    with pytest.raises(ValueError, match="too short"):
        rec.embed(np.arange(4.0), 3, 2)
