"""The session lag profile and the session lead/lag estimate from it.

The **lag profile** of a WCC grid is the mean Fisher z per lag over all windows (NaN cells
left out): rMEA's lag plot, and the real-pairs profile of SUSY. Pooling the windows before
looking for the peak is what makes the session's lag estimate unbiased: the per-window Boker
peak nearest lag 0 (``pick_peaks``) is pulled toward 0 when movement is rhythmic, so the
median of those peaks reads about 0 whatever the true lag (measured in
``docs/validation.md``: median absolute error 0.66 s at coupling >= 0.6 on 60 s dyads, versus
0.012 s for the profile's argmax).

:func:`profile_peak_lag_s` is the argmax of the signed profile (the lag of the largest mean
z: in-phase coupling, as movement speeds couple), refined to a fraction of a sample by a
parabola through the peak and its two neighbours; :func:`profile_peak_z`, the profile's
largest value, is the session statistic of ``analyze`` (its surrogate test compares it).
:func:`local_lag_profiles` computes the same profile over a moving horizon of windows (the
synchrony timeline: centred for recorded data, causal live) and :func:`profile_peaks` their
peaks. Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import math

import numpy as np

from synchrony.engine.wcc import WccResult, fisher_z


def lag_profile(r: np.ndarray) -> np.ndarray:
    """Return the (n_lags,) mean Fisher z per lag over the windows (NaN cells left out).

    Parameters
    ----------
    r : (n_windows, n_lags) Pearson r, NaN where undefined.

    Returns
    -------
    numpy.ndarray
        Mean z per lag; NaN for a lag without any finite cell.
    """
    z = fisher_z(np.asarray(r, dtype=np.float64))
    finite = np.isfinite(z)
    count = finite.sum(axis=0)
    total = np.where(finite, z, 0.0).sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def parabolic_offset(values: np.ndarray, index: int) -> float:
    """Return the sub-sample offset (-0.5 … 0.5) of a peak at ``index`` (3-point parabola).

    0 at the edges, or when the three points do not form a proper maximum.
    """
    if index <= 0 or index >= len(values) - 1:
        return 0.0
    y0, y1, y2 = values[index - 1], values[index], values[index + 1]
    curvature = y0 - 2.0 * y1 + y2
    if not (np.isfinite(curvature) and curvature < 0):
        return 0.0
    return float(np.clip(0.5 * (y0 - y2) / curvature, -0.5, 0.5))


def profile_peak_lag_s(result: WccResult) -> float:
    """Return the session lag (s) at the peak of the signed lag profile; NaN if undefined.

    lag > 0: A leads, B follows. See the module docstring.
    """
    _, lag = profile_peaks(lag_profile(result.r)[None, :], result.lags_s)
    return float(lag[0])


def profile_peak_z(r: np.ndarray) -> float:
    """Return the session statistic: the largest mean Fisher z of the lag profile; NaN if none.

    Larger = more (in-phase) synchrony. It is the peak of the same curve whose argmax is the
    session lag (:func:`profile_peak_lag_s`), so strength and lag come from one place.
    """
    profile = lag_profile(r)
    return float(np.nanmax(profile)) if np.isfinite(profile).any() else math.nan


def local_lag_profiles(r: np.ndarray, *, horizon_windows: int, causal: bool = False
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Lag profiles over a moving horizon of windows: the smoothed synchrony of each window.

    Window ``i``'s local profile is the mean Fisher z per lag over the windows of its
    horizon (NaN cells left out): windows ``i - h .. i + h`` with ``h = horizon_windows // 2``
    (centred, for recorded data), or ``i - horizon_windows + 1 .. i`` (``causal``: only past
    windows, for live use). The two agree wherever the causal horizon is shifted by ``h``.

    Parameters
    ----------
    r : (n_windows, n_lags) Pearson r, NaN where undefined; windows in time order.
    horizon_windows : windows per horizon (>= 1).
    causal : trailing instead of centred horizons.

    Returns
    -------
    profiles : (n_windows, n_lags) local mean z; NaN where a lag has no finite cell.
    counts : (n_windows,) windows with at least one finite cell in each horizon.
    """
    if horizon_windows < 1:
        raise ValueError(f"horizon_windows must be >= 1, got {horizon_windows!r}")
    z = fisher_z(np.asarray(r, dtype=np.float64))
    n = z.shape[0]
    finite = np.isfinite(z)
    csum = np.vstack([np.zeros((1, z.shape[1])), np.cumsum(np.where(finite, z, 0.0), axis=0)])
    ccnt = np.vstack([np.zeros((1, z.shape[1])), np.cumsum(finite, axis=0)])
    crow = np.concatenate([[0], np.cumsum(finite.any(axis=1))])
    i = np.arange(n)
    if causal:
        lo, hi = np.maximum(i - horizon_windows + 1, 0), i + 1
    else:
        half = horizon_windows // 2
        lo, hi = np.maximum(i - half, 0), np.minimum(i + half + 1, n)
    total, count = csum[hi] - csum[lo], ccnt[hi] - ccnt[lo]
    profiles = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return profiles, (crow[hi] - crow[lo]).astype(int)


def profile_peaks(profiles: np.ndarray, lags_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Peak value and peak lag (s, parabolic refinement) of each row of ``profiles``.

    Returns ``(peak_z, peak_lag_s)``, each (n_rows,), NaN for rows without a finite value.
    lag > 0: A leads, B follows.
    """
    profiles = np.asarray(profiles, dtype=np.float64)
    lags_s = np.asarray(lags_s, dtype=np.float64)
    ok = np.isfinite(profiles).any(axis=1)
    filled = np.where(np.isfinite(profiles), profiles, -np.inf)
    j = np.argmax(filled, axis=1)
    rows = np.arange(len(profiles))
    peak = np.where(ok, filled[rows, j], np.nan)
    left = filled[rows, np.maximum(j - 1, 0)]
    right = filled[rows, np.minimum(j + 1, profiles.shape[1] - 1)]
    curvature = left - 2.0 * peak + right
    inner = ok & (j > 0) & (j < profiles.shape[1] - 1) & np.isfinite(curvature) & (curvature < 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        offset = np.where(inner, np.clip(0.5 * (left - right) / np.where(inner, curvature, -1.0),
                                         -0.5, 0.5), 0.0)
    step_s = float(lags_s[1] - lags_s[0]) if len(lags_s) > 1 else 0.0
    lag = np.where(ok, lags_s[j] + offset * step_s, np.nan)
    return peak, lag
