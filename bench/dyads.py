"""Generated dyads with known truth, at the signal level, for the power study.

Sign convention: at lag > 0 **A leads and B follows** (B's movement resembles A's movement
``lag_s`` earlier), as everywhere in synchrony.

Style ``"movement"`` (what the product measures from tracked people):

1. Each person's latent movement is a 2-D position trajectory: band-limited noise in
   0.1-1 Hz plus one or two rhythmic components (0.25-0.8 Hz, wandering phase), scaled by a
   slow activity envelope (bouts of movement and rest, 0.005-0.05 Hz, log-normal).
2. Coupling ``c``: B's movement is ``c`` times A's movement ``lag_s`` earlier plus
   ``sqrt(1 - c^2)`` times B's own independent movement (both of unit variance), so
   ``c`` is the correlation of the two *positions* at the true lag, not of the speeds.
3. Tracking: white jitter on the observed positions and short dropouts (NaN runs of
   0.1-1.5 s, about one per 15 s per person).
4. The product's pre-processing: gaps up to 0.5 s bridged (``synchrony.signals.extract.
   resample``), zero-phase 3 Hz low-pass (``lowpass``), then the speed |d position / dt|:
   positive and skewed, like ``body`` and ``head``.

Null styles with other dynamics (the signal itself, not a speed), for false positives:
``"ar1"`` (AR(1), phi = 0.95 per sample at 20 Hz) and ``"sinusoid"`` (one dominant
0.2-0.6 Hz rhythm with a wandering phase plus AR(1) noise). Both get the same dropouts.
Everything is seeded: the same :class:`DyadSpec` always gives the same series.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from synchrony.signals.extract import DEFAULT_CUTOFF_HZ, DEFAULT_MAX_GAP_S, lowpass, resample

STYLES = ("movement", "ar1", "sinusoid")
GRID_HZ = 20.0  # analyze's signal grid
MOVEMENT_BAND_HZ = (0.1, 1.0)
RHYTHM_HZ = (0.25, 0.8)
ENVELOPE_BAND_HZ = (0.005, 0.05)
JITTER_SD = 0.2  # tracking jitter, in SDs of the latent position
DROPOUTS_PER_S = 1.0 / 15.0
DROPOUT_S = (0.1, 1.5)
AR1_PHI = 0.95
_PAD_S = 20.0  # generated on each side, so lags and filters see no edge


@dataclass(frozen=True, slots=True)
class DyadSpec:
    """What to generate: the known truth of one dyad.

    Attributes
    ----------
    coupling : c in [0, 1]; 0 = independent (only style "movement" can be coupled).
    lag_s : true lag in seconds (> 0: A leads, B follows).
    duration_s : length of the series in seconds.
    style : "movement", "ar1" or "sinusoid".
    seed : integer seed; the series are a pure function of the spec.
    fs_hz : grid rate in Hz.
    """

    coupling: float = 0.0
    lag_s: float = 0.0
    duration_s: float = 60.0
    style: str = "movement"
    seed: int = 0
    fs_hz: float = GRID_HZ

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"style must be one of {', '.join(STYLES)}, got {self.style!r}")
        if not 0.0 <= self.coupling <= 1.0:
            raise ValueError(f"coupling must be in [0, 1], got {self.coupling!r}")
        if self.coupling > 0 and self.style != "movement":
            raise ValueError(f"only style 'movement' can be coupled, got {self.style!r}")
        if abs(self.lag_s) >= _PAD_S or self.duration_s <= 0 or self.fs_hz <= 0:
            raise ValueError(f"lag_s must be within +-{_PAD_S:g} s and duration_s, fs_hz > 0, "
                             f"got {self.lag_s!r}, {self.duration_s!r}, {self.fs_hz!r}")


@dataclass(frozen=True, slots=True)
class Dyad:
    """Series of A and B on one grid (NaN = missing), with the spec that made them."""

    spec: DyadSpec
    a: np.ndarray
    b: np.ndarray

    @property
    def fs_hz(self) -> float:
        """Grid rate in Hz."""
        return self.spec.fs_hz


def band_noise(n: int, fs_hz: float, band_hz: tuple[float, float], rng: np.random.Generator,
               dims: int = 1) -> np.ndarray:
    """(n, dims) Gaussian noise band-limited to ``band_hz`` (cosine-tapered edges), unit SD."""
    spec = np.fft.rfft(rng.standard_normal((n, dims)), axis=0)
    f = np.fft.rfftfreq(n, 1.0 / fs_hz)
    lo, hi = band_hz
    w_lo, w_hi = 0.5 * lo, 0.25 * hi  # widths of the tapers below lo and above hi
    gain = np.clip((f - (lo - w_lo)) / w_lo, 0, 1) * np.clip((hi + w_hi - f) / w_hi, 0, 1)
    gain = np.sin(0.5 * np.pi * gain) ** 2
    x = np.fft.irfft(spec * gain[:, None], n=n, axis=0)
    return x / x.std(axis=0, keepdims=True)


def rhythm(n: int, fs_hz: float, freq_hz: float, rng: np.random.Generator,
           dims: int = 2, phase_sd_per_s: float = 0.5) -> np.ndarray:
    """(n, dims) unit-SD rhythm at ``freq_hz`` whose phase wanders (random walk, rad/sqrt(s))."""
    t = np.arange(n) / fs_hz
    out = np.empty((n, dims))
    for d in range(dims):
        walk = np.cumsum(rng.standard_normal(n)) * phase_sd_per_s / math.sqrt(fs_hz)
        out[:, d] = np.sin(2 * np.pi * freq_hz * t + rng.uniform(0, 2 * np.pi) + walk)
    return out / out.std(axis=0, keepdims=True)


def clip_generator() -> ModuleType:
    """``sample_videos/make_dyad_clip.py`` (the product's clip generator) as a module."""
    return importlib.import_module("synchrony.sample_videos.make_dyad_clip")


def latent_movement(n: int, fs_hz: float, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) one person's latent position: band noise + rhythms, times an activity envelope.

    Unit SD per axis.
    """
    x = band_noise(n, fs_hz, MOVEMENT_BAND_HZ, rng, dims=2)
    for _ in range(int(rng.integers(1, 3))):
        x += rng.uniform(0.3, 1.0) * rhythm(n, fs_hz, rng.uniform(*RHYTHM_HZ), rng)
    envelope = np.exp(0.5 * band_noise(n, fs_hz, ENVELOPE_BAND_HZ, rng)[:, 0])
    x = (x - x.mean(axis=0)) * envelope[:, None]
    return x / x.std(axis=0, keepdims=True)


def ar1(n: int, phi: float, rng: np.random.Generator) -> np.ndarray:
    """(n,) stationary AR(1) with coefficient ``phi`` per sample and unit variance."""
    e = rng.standard_normal(n) * math.sqrt(1.0 - phi * phi)
    x = np.empty(n)
    x[0] = rng.standard_normal()
    for i in range(1, n):
        x[i] = phi * x[i - 1] + e[i]
    return x


def dropouts(n: int, fs_hz: float, rng: np.random.Generator) -> np.ndarray:
    """(n,) bool, True where the tracker lost the person (short runs at random times)."""
    lost = np.zeros(n, dtype=bool)
    n_runs = rng.poisson(DROPOUTS_PER_S * n / fs_hz)
    for start in rng.integers(0, n, size=n_runs):
        lost[start:start + max(1, int(rng.uniform(*DROPOUT_S) * fs_hz))] = True
    return lost


def observed_speed(position: np.ndarray, fs_hz: float, rng: np.random.Generator) -> np.ndarray:
    """Jitter, dropouts, then the product's gap bridging, low-pass and speed: (n,)."""
    n = len(position)
    pos = position + JITTER_SD * rng.standard_normal(position.shape)
    pos[dropouts(n, fs_hz, rng)] = np.nan
    t = np.arange(n) / fs_hz
    pos = resample(t, pos, t, max_gap_s=DEFAULT_MAX_GAP_S)
    pos = lowpass(pos, fs_hz, DEFAULT_CUTOFF_HZ)
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.sum((np.gradient(pos, axis=0) * fs_hz) ** 2, axis=1))


def _other_style(n: int, fs_hz: float, style: str, rng: np.random.Generator) -> np.ndarray:
    """One person's series for the null styles "ar1" and "sinusoid", with dropouts."""
    if style == "ar1":
        x = ar1(n, AR1_PHI, rng)
    else:
        x = rhythm(n, fs_hz, rng.uniform(0.2, 0.6), rng, dims=1, phase_sd_per_s=0.2)[:, 0]
        x += 0.5 * ar1(n, 0.9, rng)
    x[dropouts(n, fs_hz, rng)] = np.nan
    return x


def make_dyad(spec: DyadSpec) -> Dyad:
    """Generate the dyad described by ``spec`` (deterministic in ``spec``)."""
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 9001]))
    fs = spec.fs_hz
    n = int(round(spec.duration_s * fs))
    if spec.style != "movement":
        a = _other_style(n, fs, spec.style, rng)
        b = _other_style(n, fs, spec.style, rng)
        return Dyad(spec, a, b)
    pad = int(round(_PAD_S * fs))
    lag = int(round(spec.lag_s * fs))
    move_a = latent_movement(n + 2 * pad, fs, rng)
    own_b = latent_movement(n + 2 * pad, fs, rng)
    c = spec.coupling
    # B at time t copies A at time t - lag: B[pad + i] <- A[pad + i - lag].
    move_b = c * np.roll(move_a, lag, axis=0) + math.sqrt(1.0 - c * c) * own_b
    a = observed_speed(move_a, fs, rng)[pad:pad + n]
    b = observed_speed(move_b, fs, rng)[pad:pad + n]
    return Dyad(spec, a, b)


def lagged_r(a: np.ndarray, b: np.ndarray, lag_samples: int) -> float:
    """Pearson r of ``a[t]`` with ``b[t + lag_samples]`` over the pairs where both are present."""
    if lag_samples >= 0:
        x, y = a[:len(a) - lag_samples], b[lag_samples:]
    else:
        x, y = a[-lag_samples:], b[:len(b) + lag_samples]
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return math.nan
    return float(np.corrcoef(x[ok], y[ok])[0, 1])
