"""Continuous wavelet transform (Morlet, omega0 = 6) of one series over a frequency band.

Torrence & Compo (1998): the transform at scale ``s`` (seconds) is computed by FFT as
``W(s, t) = IFFT[ X(omega) sqrt(2 pi s / dt) conj(psi_hat(s omega)) ]`` with
``psi_hat(u) = pi^(-1/4) exp(-(u - omega0)^2 / 2)`` (the pycwt / Torrence & Compo
normalisation: unit energy at every scale). Scales are spaced ``dj = 1/12`` octave from the
scale of the band's highest frequency up to (at least) the scale of its lowest frequency;
Fourier period = :data:`FOURIER_FACTOR` x scale = ``4 pi s / (omega0 + sqrt(2 + omega0^2))``.

**Circular.** The FFT has exactly the series' length (no padding), so the transform is a
circular convolution: the transform of a circularly shifted series is the shifted
transform. The surrogate test relies on it (B's transform is computed once and rolled).
The wrap-around only touches coefficients inside the cone of influence (COI).

**Cone of influence**: a coefficient at scale ``s`` is outside the COI when both ends of
the series are more than the e-folding time ``sqrt(2) s`` away (pycwt's convention:
distance from the nearest end = ``(min(i, n - 1 - i) + 0.5) dt``).

**Missing samples (NaN)**: the series is z-scored over its finite samples and gaps are
filled with 0 (its mean). A coefficient is *valid* only if at most half of its wavelet's
energy envelope ``|psi|^2`` (a Gaussian of SD ``s / sqrt(2)`` in time) falls on missing
samples; coefficients with mostly missing support are left out of every average, like the
COI. A series with fewer than 2 finite samples or no variance has no valid coefficient.

Band checks raise :class:`~synchrony.errors.InputError` naming ``band_hz`` (they are user
options); malformed arrays raise ``ValueError``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.fft

from synchrony.errors import InputError

#: Morlet wave number (omega0).
OMEGA0 = 6.0
#: Fourier period / scale of the Morlet wavelet (1.033 for omega0 = 6).
FOURIER_FACTOR = 4.0 * math.pi / (OMEGA0 + math.sqrt(2.0 + OMEGA0**2))
#: e-folding time / scale of the Morlet wavelet (edge effects; the COI).
EFOLDING_FACTOR = math.sqrt(2.0)
#: Scale spacing in octaves.
DJ = 1.0 / 12.0
#: Largest fraction of a coefficient's wavelet envelope that may fall on missing samples.
MAX_MISSING_FRACTION = 0.5


def check_band(band_hz: tuple[float, float], fs_hz: float) -> tuple[float, float]:
    """Return ``band_hz`` as floats if ``0 < low < high < fs_hz / 2``.

    Raises
    ------
    InputError
        Naming ``band_hz``, the allowed range and what was given.
    """
    try:
        low, high = (float(v) for v in band_hz)
    except (TypeError, ValueError):
        raise InputError(f"band_hz must be two numbers LOW,HIGH in Hz, got {band_hz!r}") from None
    nyquist = fs_hz / 2.0
    if not (math.isfinite(low) and math.isfinite(high)):
        raise InputError(f"band_hz must be finite, got {low:g},{high:g} Hz")
    if low <= 0:
        raise InputError(f"band_hz low must be > 0 Hz, got {low:g} Hz")
    if low >= high:
        raise InputError(f"band_hz low must be below high, got {low:g},{high:g} Hz")
    if high >= nyquist:
        raise InputError(f"band_hz high must be below the Nyquist frequency {nyquist:g} Hz "
                         f"(grid {fs_hz:g} Hz), got {high:g} Hz")
    return low, high


def band_scales_s(band_hz: tuple[float, float], *, dj: float = DJ) -> np.ndarray:
    """Scales (s), ``dj`` octaves apart, from the band's highest frequency to its lowest.

    ``s_j = s0 2^(j dj)`` with ``s0 = 1 / (high * FOURIER_FACTOR)`` and ``J`` the smallest
    number of steps reaching the lowest frequency's scale (less a 1e-9 tolerance).
    """
    low, high = (float(v) for v in band_hz)
    s0 = 1.0 / (high * FOURIER_FACTOR)
    n_steps = math.ceil(math.log2(high / low) / dj - 1e-9)
    return s0 * 2.0 ** (np.arange(n_steps + 1) * dj)


def period_s(scales_s: np.ndarray) -> np.ndarray:
    """Fourier period (s) of each scale."""
    return FOURIER_FACTOR * np.asarray(scales_s, dtype=np.float64)


def min_duration_s(band_hz: tuple[float, float], window_s: float = 0.0) -> float:
    """Shortest series (s) with ``window_s`` of the band's lowest frequency outside the COI.

    Twice the e-folding time of the largest scale plus the window.
    """
    return 2.0 * EFOLDING_FACTOR * float(band_scales_s(band_hz)[-1]) + window_s


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(z, missing)``: ``x`` z-scored over its finite samples, NaN filled with 0.

    ``z`` is all zeros when fewer than 2 samples are finite or they do not vary.
    """
    x = np.asarray(x, dtype=np.float64)
    missing = ~np.isfinite(x)
    finite = x[~missing]
    z = np.zeros_like(x)
    if finite.size >= 2:
        sd = float(finite.std())
        if sd > 0:
            z[~missing] = (finite - finite.mean()) / sd
    return z, missing


def morlet_cwt(z: np.ndarray, dt_s: float, scales_s: np.ndarray, *,
               n_fft: int | None = None) -> np.ndarray:
    """(n_scales, n) complex Morlet transform of ``z`` (no NaN) at ``scales_s``.

    Circular over ``n_fft`` samples (default: the series' length; a longer ``n_fft``
    zero-pads, as pycwt does to the next power of 2).
    """
    n = z.size
    n_fft = n if n_fft is None else n_fft
    spectrum = scipy.fft.fft(z, n=n_fft)
    omega = 2.0 * np.pi * scipy.fft.fftfreq(n_fft, dt_s)  # rad/s
    scales = np.asarray(scales_s, dtype=np.float64)[:, None]
    # psi_hat is real, so conj(psi_hat) = psi_hat
    gain = np.sqrt(2.0 * math.pi * scales / dt_s) * (
        math.pi**-0.25 * np.exp(-0.5 * (scales * omega[None, :] - OMEGA0) ** 2))
    return scipy.fft.ifft(spectrum[None, :] * gain, axis=-1)[:, :n]


def gaussian_smooth(x: np.ndarray, sd_samples: np.ndarray, *,
                    n_fft: int | None = None) -> np.ndarray:
    """Gaussian smoothing of each row of ``x`` with its own SD in samples (FFT).

    Circular over ``n_fft`` samples (default: the rows' length; longer zero-pads). Real
    input gives real output. The kernel is ``exp(-0.5 (sd k)^2)`` in the frequency domain
    (``k`` in rad/sample), as pycwt's ``Morlet.smooth``.
    """
    n = x.shape[-1]
    n_fft = n if n_fft is None else n_fft
    sd = np.asarray(sd_samples, dtype=np.float64)[:, None]
    if np.isrealobj(x):
        k = 2.0 * np.pi * scipy.fft.rfftfreq(n_fft)
        spectrum = scipy.fft.rfft(x, n=n_fft, axis=-1) * np.exp(-0.5 * (sd * k) ** 2)
        return scipy.fft.irfft(spectrum, n=n_fft, axis=-1)[..., :n]
    k = 2.0 * np.pi * scipy.fft.fftfreq(n_fft)
    spectrum = scipy.fft.fft(x, n=n_fft, axis=-1) * np.exp(-0.5 * (sd * k) ** 2)
    return scipy.fft.ifft(spectrum, axis=-1)[..., :n]


def coi_distance_s(n: int, dt_s: float) -> np.ndarray:
    """(n,) distance (s) of each sample from the nearer end of the series (pycwt's COI)."""
    i = np.arange(n)
    return (np.minimum(i, n - 1 - i) + 0.5) * dt_s


def outside_coi(scales_s: np.ndarray, distance_s: np.ndarray) -> np.ndarray:
    """(n_scales, n_times) True where ``sqrt(2) s`` is below the distance from the ends."""
    return EFOLDING_FACTOR * np.asarray(scales_s)[:, None] < np.asarray(distance_s)[None, :]


@dataclass(frozen=True, slots=True)
class Transform:
    """The circular Morlet transform of one series.

    Attributes
    ----------
    coefficients : (n_scales, n) complex transform of the z-scored, zero-filled series.
    supported : (n_scales, n) True where at most half the wavelet's envelope is missing.
    scales_s : (n_scales,) scales in seconds.
    dt_s : sample interval in seconds.
    amplitude : (n // 2 + 1,) |FFT| of the z-scored, zero-filled series at
        ``rfftfreq(n, dt_s)`` (unchanged by circular shifts).
    """

    coefficients: np.ndarray
    supported: np.ndarray
    scales_s: np.ndarray
    dt_s: float
    amplitude: np.ndarray

    @property
    def fully_supported(self) -> bool:
        """True when no coefficient is left out for missing samples."""
        return bool(self.supported.all())


def transform(x: np.ndarray, *, fs_hz: float, scales_s: np.ndarray) -> Transform:
    """Z-score ``x`` over its finite samples, fill gaps with 0, and take its transform.

    ``supported`` marks coefficients whose wavelet envelope ``|psi|^2`` (Gaussian, SD
    ``s / sqrt(2)``) has at most :data:`MAX_MISSING_FRACTION` of its weight on missing
    samples (computed circularly, like the transform).
    """
    dt = 1.0 / float(fs_hz)
    scales = np.asarray(scales_s, dtype=np.float64)
    z, missing = standardise(x)
    coefficients = morlet_cwt(z, dt, scales)
    if not np.any(z):  # nothing usable: no variance or (almost) everything missing
        supported = np.zeros(coefficients.shape, dtype=bool)
    elif missing.any():
        frac = gaussian_smooth(np.broadcast_to(missing.astype(np.float64), coefficients.shape),
                               scales / (EFOLDING_FACTOR * dt))
        supported = frac <= MAX_MISSING_FRACTION
    else:
        supported = np.ones(coefficients.shape, dtype=bool)
    return Transform(coefficients, supported, scales, dt, np.abs(scipy.fft.rfft(z)))
