"""Wavelet coherence over a session: windows, the session lag and the session statistics.

Built on :mod:`synchrony.engine.wavelet` (transform) and
:mod:`synchrony.engine.wavelet_coherence` (coherence, phase, lag scores):

- :func:`analyse_session`: the coherence on a time grid of >= 4 samples per period of the
  band's highest frequency (:func:`grid_step_samples`; exact to ~1e-14 because the
  smoothed spectra are band-limited), the session's lag score and lag, and per window
  (``window_s`` long, ``step_s`` apart, starting at 0 and ending inside the series) the
  mean coherence over its valid points (strength) and the argmax of its own lag score;
- :class:`WaveletStatistic`: a session statistic ``(a, b) -> float`` for the surrogate test,
  ``"lag_score_peak"`` (the session score's peak per valid point: coherence whose phase
  agrees with one delay) or ``"mean_coherence"`` (mean R^2 over the valid points). It
  keeps A's transform and B's transform between calls: when B is a circular rotation of
  the B it saw (the circular-shift surrogates), B's transform is rolled instead of
  recomputed, which is exact because the transforms are circular. Any other B (segment
  shuffles) is transformed afresh.

Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from synchrony.engine.wavelet import Transform, band_scales_s, transform
from synchrony.engine.wavelet_coherence import (
    WaveletCoherence,
    coherence,
    lag_grid_s,
    lag_scores,
    peak_lags,
    phase_frequency_hz,
    scale_boxcar_width,
    smoothed_power,
)

StatisticKind = Literal["lag_score_peak", "mean_coherence"]
STATISTIC_KINDS: tuple[str, ...] = ("lag_score_peak", "mean_coherence")
#: Samples per period of the band's highest frequency kept on the coherence's time grid.
GRID_SAMPLES_PER_PERIOD = 4


def grid_step_samples(fs_hz: float, band_hz: tuple[float, float]) -> int:
    """Decimation of the coherence's time grid: >= 4 samples per shortest period."""
    return max(1, int(math.floor(fs_hz / (GRID_SAMPLES_PER_PERIOD * float(band_hz[1])))))


@dataclass(frozen=True, slots=True)
class SessionCoherence:
    """Wavelet coherence of one session with its lead/lag and windows.

    Attributes
    ----------
    coherence : the coherence on the session's time grid (see :class:`WaveletCoherence`).
    lags_s : (n_lags,) candidate lags, -max_lag ... +max_lag in grid steps.
    score : (n_lags,) session lag score per valid point (NaN if no valid point).
    lag_s : argmax of ``score`` with parabolic refinement (lag > 0: A leads); NaN if none.
    lag_score_peak : the score's peak (<= ``mean_coherence``); NaN if none.
    mean_coherence : mean R^2 over the valid points; NaN if none.
    coi_fraction_excluded : fraction of (scale, time) points left out (COI, missing data).
    window_start_s, window_end_s : (n_windows,) window bounds, seconds from the first sample.
    window_strength : (n_windows,) mean R^2 over each window's valid points (NaN: none).
    window_lag_s : (n_windows,) argmax of each window's own lag score (NaN: none).
    """

    coherence: WaveletCoherence
    lags_s: np.ndarray
    score: np.ndarray
    lag_s: float
    lag_score_peak: float
    mean_coherence: float
    coi_fraction_excluded: float
    window_start_s: np.ndarray
    window_end_s: np.ndarray
    window_strength: np.ndarray
    window_lag_s: np.ndarray


def window_bounds_s(duration_s: float, window_s: float, step_s: float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Return starts and ends (s) of the windows ``[k step, k step + window)`` in the series."""
    n_windows = int(math.floor((duration_s - window_s) / step_s + 1e-9)) + 1
    start = np.arange(max(n_windows, 0)) * step_s
    return start, start + window_s


def _window_sums(values: np.ndarray, time_s: np.ndarray, start_s: np.ndarray,
                 end_s: np.ndarray) -> np.ndarray:
    """(n_windows, ...) sums of ``values`` (n_times, ...) over times in [start, end)."""
    cum = np.concatenate([np.zeros((1, *values.shape[1:]), values.dtype),
                          np.cumsum(values, axis=0)])
    lo = np.searchsorted(time_s, start_s - 1e-9, side="left")
    hi = np.searchsorted(time_s, end_s - 1e-9, side="left")
    return cum[hi] - cum[lo]


def _session_numbers(wc: WaveletCoherence, lags_s: np.ndarray
                     ) -> tuple[np.ndarray, float, float, float]:
    """(score per valid point, lag, peak, mean coherence) of a whole session."""
    n_valid = int(wc.valid.sum())
    if n_valid == 0:
        return np.full(len(lags_s), np.nan), math.nan, math.nan, math.nan
    score = lag_scores(wc.phasors().sum(axis=1), wc.frequency_hz, lags_s) / n_valid
    lag, peak = peak_lags(score, lags_s)
    mean_r2 = float(np.where(wc.valid, np.nan_to_num(wc.coherence), 0.0).sum() / n_valid)
    return score, float(lag[0]), float(peak[0]), mean_r2


def analyse_session(a: np.ndarray, b: np.ndarray, *, fs_hz: float,
                    band_hz: tuple[float, float], max_lag_s: float, window_s: float,
                    step_s: float) -> SessionCoherence:
    """Coherence, session lag and windows of A and B (NaN = missing); see the module doc."""
    scales = band_scales_s(band_hz)
    step = grid_step_samples(fs_hz, band_hz)
    wc = coherence(transform(a, fs_hz=fs_hz, scales_s=scales),
                   transform(b, fs_hz=fs_hz, scales_s=scales), step_samples=step)
    lags = lag_grid_s(max_lag_s, fs_hz)
    score, lag, peak, mean_r2 = _session_numbers(wc, lags)
    start, end = window_bounds_s(len(a) / fs_hz, window_s, step_s)
    valid_t = wc.valid.T
    r2_sum = _window_sums(np.where(valid_t, np.nan_to_num(wc.coherence.T), 0.0).sum(axis=1),
                          wc.time_s, start, end)
    count = _window_sums(valid_t.sum(axis=1).astype(np.float64), wc.time_s, start, end)
    strength = np.divide(r2_sum, count, out=np.full(len(start), np.nan), where=count > 0)
    window_phasors = _window_sums(wc.phasors().T, wc.time_s, start, end)
    window_lag, _ = peak_lags(lag_scores(window_phasors, wc.frequency_hz, lags), lags)
    window_lag = np.where(count > 0, window_lag, np.nan)
    return SessionCoherence(wc, lags, score, lag, peak, mean_r2, float(1.0 - wc.valid.mean()),
                            start, end, strength, window_lag)


def rotation_shift(b: np.ndarray, reference: np.ndarray) -> int | None:
    """Shift ``k`` with ``b == np.roll(reference, k)`` (NaN equal to NaN), or None."""
    if b.shape != reference.shape or b.size == 0:
        return None
    finite = np.flatnonzero(np.isfinite(b))
    if finite.size == 0:
        return 0 if np.array_equal(b, reference, equal_nan=True) else None
    j = int(finite[0])
    for p in np.flatnonzero(reference == b[j])[:16]:  # a handful of candidates at most
        k = int((j - p) % b.size)
        if np.array_equal(np.roll(reference, k), b, equal_nan=True):
            return k
    return None


class WaveletStatistic:
    """Session statistic ``(a, b) -> float`` of the wavelet coherence (module docstring).

    Parameters
    ----------
    fs_hz : grid rate of the series (Hz).
    band_hz : (low, high) band in Hz (checked by the caller).
    max_lag_s : largest lag of the lag score (s).
    kind : ``"lag_score_peak"`` or ``"mean_coherence"``.
    """

    def __init__(self, fs_hz: float, band_hz: tuple[float, float], max_lag_s: float,
                 kind: StatisticKind = "lag_score_peak") -> None:
        if kind not in STATISTIC_KINDS:
            raise ValueError(f"kind must be one of {', '.join(STATISTIC_KINDS)}, got {kind!r}")
        self.fs_hz = float(fs_hz)
        self.kind = kind
        self.scales_s = band_scales_s(band_hz)
        self.step = grid_step_samples(fs_hz, band_hz)
        self.lags_s = lag_grid_s(max_lag_s, fs_hz)
        self._width = scale_boxcar_width()
        self._a: tuple[np.ndarray, Transform, np.ndarray] | None = None
        self._b: tuple[np.ndarray, Transform, np.ndarray] | None = None

    def _transform_a(self, a: np.ndarray) -> tuple[Transform, np.ndarray]:
        if self._a is None or not np.array_equal(self._a[0], a, equal_nan=True):
            ta = transform(a, fs_hz=self.fs_hz, scales_s=self.scales_s)
            cols = np.arange(0, len(a), self.step)
            power = smoothed_power(ta.coefficients[:, cols], self.scales_s,
                                   ta.dt_s * self.step, self._width)
            self._a = (np.array(a, dtype=np.float64), ta, power)
            self._b = None  # its phase frequencies depend on A
        return self._a[1], self._a[2]

    def _transform_b(self, b: np.ndarray, ta: Transform) -> tuple[Transform, np.ndarray, int]:
        """B's transform, the phase frequencies with A, and B's shift from it."""
        if self._b is not None:
            shift = rotation_shift(b, self._b[0])
            if shift is not None:
                return self._b[1], self._b[2], shift
        tb = transform(b, fs_hz=self.fs_hz, scales_s=self.scales_s)
        self._b = (np.array(b, dtype=np.float64), tb, phase_frequency_hz(ta, tb, self._width))
        return tb, self._b[2], 0

    def coherence(self, a: np.ndarray, b: np.ndarray) -> WaveletCoherence:
        """Return the coherence of A and B on the statistic's time grid (cached transforms)."""
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        ta, power_a = self._transform_a(a)
        tb, frequency, shift = self._transform_b(b, ta)
        return coherence(ta, tb, step_samples=self.step, shift_b=shift,
                         power_a=power_a, frequency_hz=frequency)

    def __call__(self, a: np.ndarray, b: np.ndarray) -> float:
        """Return the statistic of A and B (larger = more synchrony; NaN: no valid point)."""
        _, _, peak, mean_r2 = _session_numbers(self.coherence(a, b), self.lags_s)
        return peak if self.kind == "lag_score_peak" else mean_r2
