"""Wavelet coherence of two series and the lead/lag it implies (Grinsted et al., 2004).

Coherence: with ``S`` the Torrence & Webster (1999) smoothing as pycwt's ``Morlet.smooth``
(a Gaussian in time of SD = the scale, then a boxcar over ``round(2 x 0.6 / dj)`` scale
steps with half-weight ends, pycwt's ``rect``), and the transforms of
:mod:`synchrony.engine.wavelet`,

    R^2(s, t) = |S(W_A conj(W_B) / s)|^2 / (S(|W_A|^2 / s) S(|W_B|^2 / s))

the squared wavelet coherence in [0, 1] (pycwt's ``wct``), and ``phase = angle(S(W_A
conj(W_B) / s))`` (the phase of the *smoothed* cross-spectrum; pycwt returns the unsmoothed
one). The time smoothing is circular, like the transforms.

**Sign.** If B(t) = A(t - tau), then W_B(t) = W_A(t - tau) ~ W_A(t) e^{-i omega tau}, so
the cross-spectrum's phase is ``+omega tau``: a positive phase means A leads (tested).

**Lead/lag (a group delay).** One scale's phase gives tau only modulo one period (a 1.2 s
lag wraps at 0.5 Hz), so the lag is resolved across scales: with
``C_s = sum_t valid R^2 e^{i phase}`` (coherence-weighted unit phasors of the smoothed
cross-spectrum, summed over the valid time points of a window or the session), the score of
a candidate lag tau on the grid (-max_lag ... +max_lag, step 1/fs) is

    score(tau) = sum_s Re(C_s e^{-i 2 pi f_s tau})

(``f_s``: the mean frequency the smoothed cross-spectrum at scale ``s`` carries, from the
wavelet's response, the scale smoothing and the two amplitude spectra,
:func:`phase_frequency_hz`; near the wavelet's centre frequency ``omega0 / (2 pi s)``) and
the lag is the argmax, refined by a parabola. It is a group-delay estimate: the
delay that best explains the phase at every scale at once, like the peak of a band-passed
cross-correlation. Divided by the number of valid points, the peak score is at most the
mean coherence, and equals it when every phase agrees with one delay.

Times: the coherence may be evaluated on every ``step``-th sample (``step_samples``): the
smoothed spectra vary on the time scale of the scale itself, so this loses nothing when
``step * dt`` is well below the smallest scale (the method keeps the grid at >= 4 samples
per period of the band's highest frequency).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.fft

from synchrony.engine.wavelet import (
    DJ,
    OMEGA0,
    Transform,
    coi_distance_s,
    gaussian_smooth,
    outside_coi,
    period_s,
)

#: Torrence & Webster's scale-decorrelation length of the Morlet (omega0 = 6), octaves.
SCALE_SMOOTHING_OCTAVES = 0.6


def scale_boxcar_width(dj: float = DJ) -> int:
    """Points of pycwt's boxcar in scale: ``round(2 * 0.6 / dj)`` (14 for dj = 1/12)."""
    return max(2, int(round(2 * SCALE_SMOOTHING_OCTAVES / dj)))


def smooth_scales(x: np.ndarray, width: int) -> np.ndarray:
    """Apply pycwt's boxcar along the scales (axis 0) of ``x`` (``convolve2d(..., 'same')``).

    The boxcar has ``width`` points with half-weight ends, normalised to unit sum
    (pycwt's ``rect``); beyond the first and last scale it sees zeros. Computed from
    cumulative sums (no matrix product, so no BLAS threads).
    """
    c = (width - 1) // 2
    n = x.shape[0]
    pad = np.zeros((width, *x.shape[1:]), dtype=x.dtype)
    xp = np.concatenate([pad, x, pad])  # row m of x is row m + width of xp
    cum = np.concatenate([pad[:1], np.cumsum(xp, axis=0)])  # cum[j] = sum of xp[:j]
    i = np.arange(n) + width
    hi, lo = i + c, i + c - width + 1  # the half-weight ends
    return (cum[hi] - cum[lo + 1] + 0.5 * (xp[hi] + xp[lo])) / (width - 1)


def centre_frequency_hz(scales_s: np.ndarray) -> np.ndarray:
    """Centre frequency (Hz) of the wavelet's response at each scale: ``omega0 / (2 pi s)``."""
    return OMEGA0 / (2.0 * math.pi * np.asarray(scales_s, dtype=np.float64))


def phase_frequency_hz(ta: Transform, tb: Transform, width: int) -> np.ndarray:
    """(n_scales,) frequency (Hz) whose phase each scale's smoothed cross-spectrum carries.

    The mean frequency under the weights the smoothed cross-spectrum gives each frequency:
    the scale smoothing (boxcar of ``width`` scales) of ``|psi_hat(s omega)|^2`` times the
    product of A's and B's amplitude spectra. A delay tau turns the phase by about
    ``2 pi f tau`` with this ``f``; the wavelet's centre frequency alone misread lags by
    ~5 % (toward 0) where the spectrum falls off at the band's edges (measured: 1.2 s read
    as 1.14 s; 1.18 s with this ``f``). Unchanged by circular shifts of either series.
    The centre frequency where the spectra vanish.
    """
    n = ta.coefficients.shape[1]
    f = scipy.fft.rfftfreq(n, ta.dt_s)
    # |psi_hat|^2 < e^-64 beyond s omega = omega0 + 8 at the smallest scale
    keep = ((ta.amplitude * tb.amplitude) > 0) & (
        2.0 * np.pi * f * ta.scales_s.min() < OMEGA0 + 8.0)
    f = f[keep]
    weight = (ta.amplitude * tb.amplitude)[keep]
    scales = ta.scales_s[:, None]
    response = np.exp(-((2.0 * np.pi * f[None, :]) * scales - OMEGA0) ** 2)
    kernel = smooth_scales(response * weight, width)
    total = kernel.sum(axis=1)
    centre = centre_frequency_hz(ta.scales_s)
    return np.divide(kernel @ f, total, out=centre, where=total > 1e-300)


@dataclass(frozen=True, slots=True)
class WaveletCoherence:
    """Wavelet coherence of A and B on a (possibly decimated) time grid.

    Attributes
    ----------
    time_s : (m,) times of the columns, seconds from the first sample.
    scales_s, period_s : (n_scales,) scales and Fourier periods in seconds.
    frequency_hz : (n_scales,) frequency whose phase each scale carries
        (:func:`phase_frequency_hz`), used to turn phase into lag.
    coherence : (n_scales, m) squared wavelet coherence R^2 in [0, 1] (NaN: undefined).
    cross : (n_scales, m) complex smoothed cross-spectrum S(W_A conj(W_B) / s).
    valid : (n_scales, m) outside the COI, both supports mostly present, R^2 defined.
    """

    time_s: np.ndarray
    scales_s: np.ndarray
    period_s: np.ndarray
    frequency_hz: np.ndarray
    coherence: np.ndarray
    cross: np.ndarray
    valid: np.ndarray

    @property
    def phase_rad(self) -> np.ndarray:
        """(n_scales, m) phase of the smoothed cross-spectrum (> 0: A leads)."""
        return np.angle(self.cross)

    def phasors(self) -> np.ndarray:
        """(n_scales, m) ``R^2 e^{i phase}`` where valid, else 0."""
        mag = np.abs(self.cross)
        unit = np.divide(self.cross, mag, out=np.zeros_like(self.cross), where=mag > 0)
        return np.where(self.valid, np.nan_to_num(self.coherence) * unit, 0)


def _gather(values: np.ndarray, columns: np.ndarray) -> np.ndarray:
    return np.take(values, columns, axis=1)  # several times faster than values[:, columns]


def smooth(x: np.ndarray, scales_s: np.ndarray, dt_s: float, width: int) -> np.ndarray:
    """Apply Torrence & Webster's smoothing to ``x`` (n_scales, m).

    A Gaussian in time of SD = the scale, then a boxcar of ``width`` scales
    (:func:`smooth_scales`); ``dt_s`` is the spacing of ``x``'s columns.
    """
    return smooth_scales(gaussian_smooth(x, np.asarray(scales_s) / dt_s), width)


def coherence(ta: Transform, tb: Transform, *, step_samples: int = 1, shift_b: int = 0,
              power_a: np.ndarray | None = None,
              frequency_hz: np.ndarray | None = None) -> WaveletCoherence:
    """Wavelet coherence of two transforms on every ``step_samples``-th sample.

    ``shift_b`` rolls B's transform (and support) by that many samples first: the result is
    exactly the coherence of A with ``np.roll(b, shift_b)`` (the transforms are circular).
    ``power_a`` (A's smoothed power on this grid, :func:`smoothed_power`) and
    ``frequency_hz`` (:func:`phase_frequency_hz`) may be passed to save recomputing them.
    """
    n = ta.coefficients.shape[1]
    scales = ta.scales_s
    cols = np.arange(0, n, step_samples)
    cols_b = (cols - shift_b) % n
    dt = ta.dt_s * step_samples
    width = scale_boxcar_width()
    inv_s = 1.0 / scales[:, None]
    wa = ta.coefficients[:, ::step_samples]
    wb = _gather(tb.coefficients, cols_b)
    s1 = smoothed_power(wa, scales, dt, width) if power_a is None else power_a
    s2 = smoothed_power(wb, scales, dt, width)
    s12 = smooth(wa * wb.conj() * inv_s, scales, dt, width)
    denom = s1 * s2
    positive = denom > 1e-12 * np.max(denom, initial=0.0)
    r2 = np.full(denom.shape, np.nan)
    np.divide(np.abs(s12) ** 2, denom, out=r2, where=positive)
    np.clip(r2, 0.0, 1.0, out=r2)
    valid = outside_coi(scales, coi_distance_s(n, ta.dt_s)[cols]) & positive
    for t, c in ((ta, cols), (tb, cols_b)):
        if not t.fully_supported:
            valid &= _gather(t.supported, c)
    if frequency_hz is None:
        frequency_hz = phase_frequency_hz(ta, tb, width)
    return WaveletCoherence(cols * ta.dt_s, scales, period_s(scales), frequency_hz, r2, s12,
                            valid)


def smoothed_power(w: np.ndarray, scales_s: np.ndarray, dt_s: float, width: int
                   ) -> np.ndarray:
    """``S(|W|^2 / s)`` of coefficients ``w`` whose columns are ``dt_s`` apart."""
    return smooth(np.abs(w) ** 2 / np.asarray(scales_s)[:, None], scales_s, dt_s, width)


# --------------------------------------------------------------------------- lead/lag
def lag_grid_s(max_lag_s: float, fs_hz: float) -> np.ndarray:
    """Candidate lags (s): -max_lag ... +max_lag in steps of one sample."""
    k = int(round(max_lag_s * fs_hz))
    return np.arange(-k, k + 1) / fs_hz


def lag_scores(phasor_sums: np.ndarray, frequency_hz: np.ndarray, lags_s: np.ndarray
               ) -> np.ndarray:
    """(..., n_lags) ``sum_s Re(C_s e^{-i 2 pi f_s tau})`` of (..., n_scales) phasor sums."""
    rotate = np.exp(-2j * np.pi * np.asarray(frequency_hz)[:, None] * lags_s[None, :])
    return (phasor_sums @ rotate).real


def peak_lags(scores: np.ndarray, lags_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Argmax lag (parabolic refinement) and peak score of each row of ``scores``.

    The parabola through the peak and its two neighbours moves the lag by at most half a
    step (none at the ends of the grid, as :func:`~synchrony.engine.lag_profile.
    parabolic_offset`). Rows that are all zero or not finite give NaN for both.
    """
    scores = np.atleast_2d(scores)
    rows = np.arange(scores.shape[0])
    usable = np.isfinite(scores).all(axis=1) & np.any(scores != 0, axis=1)
    safe = np.where(usable[:, None], scores, 0.0)
    k = np.argmax(safe, axis=1)
    peak = safe[rows, k]
    inner = (k > 0) & (k < scores.shape[1] - 1)
    y0 = safe[rows, np.clip(k - 1, 0, None)]
    y2 = safe[rows, np.clip(k + 1, None, scores.shape[1] - 1)]
    curvature = y0 - 2.0 * peak + y2
    proper = inner & (curvature < 0)
    offset = np.divide(0.5 * (y0 - y2), curvature, out=np.zeros_like(peak), where=proper)
    step = float(lags_s[1] - lags_s[0]) if len(lags_s) > 1 else 0.0
    lag = np.asarray(lags_s)[k] + step * np.clip(offset, -0.5, 0.5)
    return np.where(usable, lag, np.nan), np.where(usable, peak, np.nan)
