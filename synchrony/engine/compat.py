"""Pre-processing that reproduces rMEA 1.3.0, quirks included, for comparable numbers.

``rmea_smooth`` is rMEA's ``MEAsmooth`` (its internal ``sasFiltB``); ``rmea_scale`` is
``MEAscale(scale="sd", center=FALSE)``; ``rmea_window_summary`` is the ``ccfRes`` table
that ``MEAccf`` attaches to its grid.
"""

from __future__ import annotations

import math

import numpy as np

from synchrony.engine import validation
from synchrony.engine.wcc import WccResult


def rmea_smooth(x: np.ndarray, fs_hz: float, window_s: float = 0.5) -> np.ndarray:
    """Moving-average smoothing exactly as rMEA's ``MEAsmooth(moving.average.win=window_s)``.

    With ``n = window_s * fs_hz`` (12.5 at 25 Hz), sample t (1-based) becomes the sum of
    samples ``floor(t - (n-1)/2) … `` (``floor(n - 1) + 1`` of them; 12 at 25 Hz, i.e.
    t-6 … t+5) divided by ``n`` -- not by the count, so a constant 1 becomes 0.96. At the
    start the window is clamped to sample 1. Quirks kept on purpose: a window reaching
    past the end, or holding any NaN, gives 0 (so the last samples become 0), and the
    original NaN positions are restored to NaN afterwards.

    Parameters
    ----------
    x : (N,) series; NaN = missing.
    fs_hz : sampling rate in Hz.
    window_s : moving-average window in seconds.

    Returns
    -------
    (N,) float64 smoothed series.
    """
    x = validation.series("x", x)
    fs_hz = validation.positive("fs_hz", fs_hz)
    n = validation.positive("window_s", window_s) * fs_hz
    if n < 1:
        raise ValueError(f"window_s must span at least 1 sample, got {window_s:g} s = {n:g}")
    t = np.arange(1, len(x) + 1, dtype=np.float64)
    i1 = t - (n - 1) / 2
    clamped = i1 < 1
    lo = np.where(clamped, 1, np.floor(i1)).astype(np.int64)
    hi = np.where(clamped, np.floor(t + (n - 1) / 2), np.floor(i1) + math.floor(n - 1))
    hi = hi.astype(np.int64)
    missing = np.isnan(x)
    csum = np.concatenate([[0.0], np.cumsum(np.where(missing, 0.0, x))])
    cmiss = np.concatenate([[0], np.cumsum(missing)])
    inside = hi <= len(x)
    hi_c = np.minimum(hi, len(x))
    sums = csum[hi_c] - csum[lo - 1]
    has_nan = cmiss[hi_c] - cmiss[lo - 1] > 0
    out = np.where(inside & ~has_nan, sums / n, 0.0)
    out[missing] = np.nan
    return out


def rmea_scale(x: np.ndarray) -> np.ndarray:
    """Divide by the standard deviation (n - 1, NaN omitted), as ``MEAscale(scale="sd")``."""
    x = validation.series("x", x)
    sd = float(np.nanstd(x, ddof=1))
    if not sd > 0:
        raise ValueError("x must vary to be scaled by its standard deviation, got sd = 0")
    return x / sd


def nanmean_rows(x: np.ndarray) -> np.ndarray:
    """Row means of a 2-D array omitting NaN; NaN for rows with no values (no warning)."""
    valid = ~np.isnan(x)
    count = valid.sum(axis=1)
    total = np.where(valid, x, 0.0).sum(axis=1)
    out = np.full(x.shape[0], np.nan)
    np.divide(total, count, out=out, where=count > 0)
    return out


def rmea_window_summary(result: WccResult) -> dict[str, np.ndarray]:
    """Per-window summaries like rMEA's ``ccfRes`` (sign: lag > 0 means A = s1 leads).

    Returns a mapping of (n_windows,) arrays: ``lag_zero``; ``all_lags`` (mean over lags);
    ``A_leads`` / ``B_leads`` (mean over lags > 0 / < 0; rMEA's ``s1_lead`` / ``s2_lead``);
    ``A_leads_0`` / ``B_leads_0`` (the same including lag 0); ``best_lag_s`` (lag of the
    row maximum, the first one on ties; NaN for an all-NaN row). Means omit NaN.
    """
    r = result.r
    lags = result.lag_samples
    summary = {
        "lag_zero": r[:, lags == 0][:, 0],
        "all_lags": nanmean_rows(r),
        "A_leads": nanmean_rows(r[:, lags > 0]),
        "B_leads": nanmean_rows(r[:, lags < 0]),
        "A_leads_0": nanmean_rows(r[:, lags >= 0]),
        "B_leads_0": nanmean_rows(r[:, lags <= 0]),
    }
    all_nan = np.isnan(r).all(axis=1)
    best = np.argmax(np.where(np.isnan(r), -np.inf, r), axis=1)
    summary["best_lag_s"] = np.where(all_nan, np.nan, result.lags_s[best])
    return summary
