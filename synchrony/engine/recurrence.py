"""Cross-recurrence of two series: radius for a target rate, diagonal profile, windowed RQA.

numpy/scipy only. The steps follow the R package crqa (Coco & Dale 2014):

1. Each series is z-scored over its finite samples (crqa's ``normalize = 2``) and, for
   ``dim > 1``, delay-embedded forwards: vector ``t`` is ``(x[t], x[t + d], …,
   x[t + (dim - 1) d])`` (crqa's embedding), so ``n_vectors = n - (dim - 1) d``.
2. Distance between A's vector at ``t`` and B's vector at ``t + k``: **Euclidean**
   (crqa's default ``metric = "euclidean"``; ``metric="max"`` gives the max-norm). With
   ``dim = 1`` both are ``|a[t] - b[t + k]|``. A pair is recurrent when its distance is
   <= the radius.
3. The **radius** is the smallest distance that makes the recurrence rate over the
   diagonal band ``|k| <= max_lag`` (all ``(t, t + k)`` pairs inside the series) equal to
   the target: the ``ceil(rate x n_pairs)``-th smallest band distance
   (:func:`radius_for_rate`). Only the band is ever computed, ``(2 max_lag + 1) x n``,
   never the full ``n x n`` plot.
4. The **diagonal recurrence profile** (crqa ``drpfromts``): the recurrence rate on each
   diagonal ``k = -max_lag … +max_lag`` (:func:`diagonal_profile`).
5. **Windowed %REC and %DET** (crqa ``wincrqa``-like): per window of ``window`` vectors,
   the window x window cross-recurrence plot with the session radius; %REC = recurrent
   fraction, %DET = fraction of the recurrent points that lie on diagonal lines of length
   >= 2 inside the window (:func:`windowed_rqa`). Computed per diagonal with cumulative
   sums (one vector pass per diagonal), never per point.

**Missing data**: a NaN in any coordinate of a vector makes every pair with that vector
missing: neither recurrent nor counted in any denominator, and it breaks diagonal lines.

**Sign convention.** Ours: lag ``k > 0`` means A leads and B follows: B at time ``t + k``
recurs with A at time ``t``. crqa's ``drpfromts(ts1, ts2, windowsize)`` groups its
recurrence plot (transposed "to make identical to Marwan": rows = ts2, columns = ts1) by
``row - col``; entry ``i`` (1-based) of its ``profile`` is offset ``i - windowsize - 1``,
and a positive offset means ts2 at ``t + offset`` recurs with ts1 at ``t``. So with
``ts1 = A, ts2 = B`` crqa's offset is our lag; its ``maxlag`` is the 1-based *index* of the
maximum, i.e. our lag ``maxlag - windowsize - 1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.ndimage import gaussian_filter1d

Metric = Literal["euclidean", "max"]
METRICS: tuple[str, ...] = ("euclidean", "max")


def zscore_finite(x: np.ndarray) -> np.ndarray:
    """Return ``x`` z-scored over its finite samples (SD with n - 1, like R's ``scale``).

    NaN stays NaN; a constant series (SD 0) becomes all zeros where finite.
    """
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    out = np.full(x.shape, np.nan)
    if finite.sum() < 2:
        return out
    values = x[finite]
    sd = float(values.std(ddof=1))
    out[finite] = (values - values.mean()) / sd if sd > 0 else 0.0
    return out


def embed(x: np.ndarray, dim: int, delay_samples: int) -> np.ndarray:
    """Return the forward delay embedding of ``x``: ``(n - (dim - 1) delay, dim)``.

    Row ``t`` is ``(x[t], x[t + delay], …)``; NaN coordinates are kept (the vector is
    then missing).
    """
    if dim < 1 or (dim > 1 and delay_samples < 1):
        raise ValueError(f"embedding needs dim >= 1 and delay_samples >= 1, got dim={dim}, "
                         f"delay_samples={delay_samples}")
    x = np.asarray(x, dtype=np.float64)
    n_vectors = len(x) - (dim - 1) * delay_samples
    if n_vectors < 1:
        raise ValueError(f"a series of {len(x)} samples is too short to embed in {dim} "
                         f"dimensions with delay {delay_samples}")
    return np.stack([x[i * delay_samples:i * delay_samples + n_vectors] for i in range(dim)],
                    axis=1)


def _columns(e: np.ndarray) -> np.ndarray:
    """``(dim, n)`` contiguous copy of an ``(n, dim)`` embedding (fast per-lag slicing)."""
    return np.ascontiguousarray(np.asarray(e, dtype=np.float64).T)


def _pair_distances(ca: np.ndarray, cb: np.ndarray, lag: int, metric: Metric,
                    out: np.ndarray | None = None) -> np.ndarray:
    """Return the distances of A's vector ``t`` to B's vector ``t + lag``.

    One per ``t`` where both exist: length ``n - |lag|``, starting at
    ``t = max(0, -lag)``; NaN where missing. ``ca``, ``cb`` are ``(dim, n)``
    (:func:`_columns`); ``out`` receives the result.
    """
    n = ca.shape[1]
    lo, hi = max(0, -lag), min(n, n - lag)
    if out is None:
        out = np.empty(hi - lo)
    np.subtract(ca[0, lo:hi], cb[0, lo + lag:hi + lag], out=out)
    np.abs(out, out=out)
    if ca.shape[0] == 1:
        return out
    if metric == "euclidean":
        np.multiply(out, out, out=out)
    for i in range(1, ca.shape[0]):
        diff = np.abs(ca[i, lo:hi] - cb[i, lo + lag:hi + lag])
        if metric == "max":
            np.maximum(out, diff, out=out)  # NaN propagates: the pair is missing
        else:
            out += diff * diff
    if metric == "euclidean":
        np.sqrt(out, out=out)
    return out


def band_distances(ea: np.ndarray, eb: np.ndarray, max_lag: int,
                   metric: Metric = "euclidean") -> np.ndarray:
    """Return the ``(2 max_lag + 1, n)`` distances of the diagonal band.

    Row ``j`` is lag ``k = j - max_lag``; column ``t`` holds the distance of A's vector
    ``t`` to B's vector ``t + k``; NaN where that pair is missing or outside the series.
    """
    ca, cb = _columns(ea), _columns(eb)
    n = ca.shape[1]
    out = np.full((2 * max_lag + 1, n), np.nan)
    for j, lag in enumerate(range(-max_lag, max_lag + 1)):
        lo = max(0, -lag)
        _pair_distances(ca, cb, lag, metric, out=out[j, lo:lo + n - abs(lag)])
    return out


def radius_for_rate(distances: np.ndarray, rate: float) -> float:
    """Return the radius giving recurrence rate ``rate`` over the finite ``distances``.

    It is the ``ceil(rate x n)``-th smallest finite distance (at least the smallest), so
    the rate of ``distances <= radius`` is ``ceil(rate x n) / n`` when there are no ties
    (more with ties). NaN if there is no finite distance. Exact; for speed, the selection
    runs on the distances below a bound estimated from a subsample when that bound keeps
    enough of them (else on all).
    """
    if not 0.0 < rate <= 1.0:
        raise ValueError(f"rate must be in (0, 1], got {rate!r}")
    values = np.asarray(distances, dtype=np.float64).ravel()
    n = int(np.count_nonzero(~np.isnan(values)))
    if n == 0:
        return math.nan
    k = max(1, math.ceil(rate * n - 1e-9))
    candidates = values
    sample = values[::max(1, values.size // 50_000)]
    sample = sample[~np.isnan(sample)]
    if sample.size and rate < 0.5:
        bound = float(np.quantile(sample, min(1.0, 1.5 * rate + 0.01)))
        with np.errstate(invalid="ignore"):
            below = values[values <= bound]
        if below.size >= k:
            candidates = below
    if candidates is values:
        candidates = values[~np.isnan(values)]
    return float(np.partition(candidates, k - 1)[k - 1])


def diagonal_profile(distances: np.ndarray, radius: float) -> np.ndarray:
    """Recurrence rate per row (lag) of ``distances``: recurrent / finite pairs (NaN if none)."""
    finite = np.isfinite(distances)
    with np.errstate(invalid="ignore"):
        recurrent = (distances <= radius).sum(axis=1)
    count = finite.sum(axis=1)
    return np.where(count > 0, recurrent / np.maximum(count, 1), np.nan)


@dataclass(frozen=True, slots=True)
class RecurrenceProfile:
    """Session cross-recurrence of A and B over the diagonal band.

    Attributes
    ----------
    lag_samples : (n_lags,) lags ``-max_lag … +max_lag`` (lag > 0: A leads, B follows).
    rate : (n_lags,) recurrence rate on each diagonal (0-1; NaN: no pair).
    radius : radius (in SDs of the z-scored series) giving the target band rate.
    band_rate : recurrence rate achieved over the whole band (≈ the target).
    """

    lag_samples: np.ndarray
    rate: np.ndarray
    radius: float
    band_rate: float


def prepare(a: np.ndarray, b: np.ndarray, dim: int, delay_samples: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """z-score each series over its finite samples, then embed: ``(ea, eb)``."""
    return (embed(zscore_finite(a), dim, delay_samples),
            embed(zscore_finite(b), dim, delay_samples))


def recurrence_profile(ea: np.ndarray, eb: np.ndarray, *, max_lag: int, rate: float,
                       metric: Metric = "euclidean") -> RecurrenceProfile:
    """Radius for the target ``rate`` over the band ``|k| <= max_lag``, and the profile.

    ``ea``, ``eb`` are embedded series (:func:`prepare`), ``max_lag`` in vectors (samples).
    """
    distances = band_distances(ea, eb, max_lag, metric)
    radius = radius_for_rate(distances, rate)
    finite = np.isfinite(distances)
    with np.errstate(invalid="ignore"):
        recurrent = distances <= radius
    band_rate = float(recurrent.sum() / finite.sum()) if finite.any() else math.nan
    return RecurrenceProfile(np.arange(-max_lag, max_lag + 1),
                             diagonal_profile(distances, radius), radius, band_rate)


@dataclass(frozen=True, slots=True)
class WindowedRqa:
    """Per-window cross-recurrence quantification (window x window plots, session radius).

    Attributes
    ----------
    start : (n_windows,) first vector of each window.
    rec_percent : (n_windows,) %REC: recurrent / present pairs x 100 (NaN: none present).
    det_percent : (n_windows,) %DET: recurrent points on diagonal lines of length >= 2
        inside the window / recurrent points x 100 (NaN: no recurrent point).
    lag_samples : (n_lags,) lags of ``diagonal_rate`` (``-max_lag … +max_lag``).
    diagonal_rate : (n_windows, n_lags) recurrence rate on each diagonal of the window's
        plot (NaN: no pair present on it).
    """

    start: np.ndarray
    rec_percent: np.ndarray
    det_percent: np.ndarray
    lag_samples: np.ndarray
    diagonal_rate: np.ndarray


def _csum(x: np.ndarray) -> np.ndarray:
    """Cumulative sum with a leading 0 (int64): ``out[i] = x[:i].sum()``."""
    out = np.zeros(len(x) + 1, dtype=np.int64)
    np.cumsum(x, out=out[1:])
    return out


def windowed_rqa(ea: np.ndarray, eb: np.ndarray, *, radius: float, window: int, step: int,
                 max_lag: int, metric: Metric = "euclidean") -> WindowedRqa:
    """%REC, %DET and the diagonal rates ``|k| <= max_lag`` of each window's plot.

    Window ``w`` covers vectors ``[s, s + window)`` of both series, ``s = w x step``, with
    ``s + window <= n``; its plot pairs A's vector ``i`` with B's vector ``j`` for ``i, j``
    in the window. Diagonal ``k = j - i`` holds ``window - |k|`` pairs. One vector pass per
    diagonal ``|k| < window`` (cumulative sums of recurrent, present and on-line flags).
    """
    n = len(ea)
    if not 1 <= max_lag < window <= n or step < 1:
        raise ValueError(f"need 1 <= max_lag < window <= n and step >= 1, got max_lag="
                         f"{max_lag}, window={window}, n={n}, step={step}")
    start = np.arange(0, n - window + 1, step)
    n_rec = np.zeros(len(start), dtype=np.int64)
    n_present = np.zeros(len(start), dtype=np.int64)
    n_det = np.zeros(len(start), dtype=np.int64)
    band = np.full((len(start), 2 * max_lag + 1), np.nan)
    ca, cb = _columns(ea), _columns(eb)
    for lag in range(-(window - 1), window):
        d = _pair_distances(ca, cb, lag, metric)  # index u = t - max(0, -lag)
        present = np.isfinite(d)
        with np.errstate(invalid="ignore"):
            rec = d <= radius
        # a recurrent point is on a line (length >= 2) if a diagonal neighbour recurs
        neighbour = np.zeros_like(rec)
        neighbour[1:] |= rec[:-1]
        neighbour[:-1] |= rec[1:]
        on_line = rec & neighbour
        pair = rec[:-1] & rec[1:]  # pair[u]: u and u + 1 both recurrent
        c_rec, c_present, c_line, c_pair = _csum(rec), _csum(present), _csum(on_line), \
            _csum(pair)
        lo = start  # the window's pairs on this diagonal: u in [s, s + window - |lag|)
        length = window - abs(lag)
        hi = lo + length
        rec_w = c_rec[hi] - c_rec[lo]
        present_w = c_present[hi] - c_present[lo]
        # points on lines inside the segment: interior points by their global flag, the two
        # end points only through their inner neighbour (lines are clipped by the window)
        if length >= 3:
            det_w = (c_line[hi - 1] - c_line[lo + 1] + (c_pair[lo + 1] - c_pair[lo])
                     + (c_pair[hi - 1] - c_pair[hi - 2]))
        elif length == 2:
            det_w = 2 * (c_pair[lo + 1] - c_pair[lo])
        else:
            det_w = np.zeros(len(start), dtype=np.int64)
        n_rec += rec_w
        n_present += present_w
        n_det += det_w
        if abs(lag) <= max_lag:
            with np.errstate(invalid="ignore", divide="ignore"):
                band[:, lag + max_lag] = np.where(present_w > 0, rec_w / present_w, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        rec_percent = np.where(n_present > 0, 100.0 * n_rec / n_present, np.nan)
        det_percent = np.where(n_rec > 0, 100.0 * n_det / n_rec, np.nan)
    return WindowedRqa(start, rec_percent, det_percent, np.arange(-max_lag, max_lag + 1), band)


def profile_peak(rate: np.ndarray, lag_samples: np.ndarray) -> tuple[float, float]:
    """Return ``(peak_rate, peak_lag)`` of a diagonal profile (crqa ``maxrec``, ``maxlag``).

    The maximum, and its lag refined by a parabola through the maximum and its
    neighbours (in the unit of ``lag_samples``; ties: the one nearest lag 0).
    ``(nan, nan)`` without a finite value.
    """
    rate = np.asarray(rate, dtype=np.float64)
    if not np.isfinite(rate).any():
        return math.nan, math.nan
    filled = np.where(np.isfinite(rate), rate, -np.inf)
    best = filled.max()
    ties = np.flatnonzero(filled == best)
    j = int(ties[np.argmin(np.abs(lag_samples[ties]))])
    offset = 0.0
    if 0 < j < len(rate) - 1:
        y0, y1, y2 = filled[j - 1], filled[j], filled[j + 1]
        curvature = y0 - 2.0 * y1 + y2
        if np.isfinite(curvature) and curvature < 0:
            offset = float(np.clip(0.5 * (y0 - y2) / curvature, -0.5, 0.5))
    return float(best), float(lag_samples[j] + offset)


def smooth_lags(rate: np.ndarray, sd_lags: float) -> np.ndarray:
    """Rates smoothed over lags (last axis) by a Gaussian of ``sd_lags``; NaN left out."""
    if sd_lags < 0.5:
        return np.asarray(rate, dtype=np.float64)
    finite = np.isfinite(rate)
    total = gaussian_filter1d(np.where(finite, rate, 0.0), sd_lags, axis=-1, mode="nearest")
    weight = gaussian_filter1d(finite.astype(np.float64), sd_lags, axis=-1, mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(finite & (weight > 0), total / weight, np.nan)
