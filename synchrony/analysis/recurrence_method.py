"""Cross-recurrence as a synchrony method: the method ``"recurrence"``.

Per signal (engine: :mod:`synchrony.engine.recurrence`, which follows the R package crqa):

- A's and B's series are z-scored over their finite samples and, when
  ``params.embedding_dim`` > 1, delay-embedded (delay ``params.embedding_delay_s`` rounded
  to samples); distances are Euclidean (crqa's default; with dimension 1, ``|a - b|``);
- the **radius** makes the recurrence rate over the diagonal band ``|lag| <= max_lag_s``
  equal to ``params.recurrence_rate`` (recomputed for every pair, surrogates included);
- the **diagonal recurrence profile** (crqa ``drpfromts``): recurrence rate per lag from
  ``-max_lag_s`` to ``+max_lag_s``. The session lag ``lag_s`` is its argmax (smoothed over
  lags, parabolic refinement); ``profile_asymmetry`` = mean rate at positive lags minus mean
  rate at negative lags (> 0: A leads);
- **per window** (crqa ``wincrqa``-like: the window x window plot with the session
  radius): %REC and %DET (lines >= 2) kept in ``detail``; the window's **strength** is its
  peak diagonal recurrence rate over lags within ``+-max_lag_s`` and its **lag** the argmax
  (parabolic refinement), after smoothing the window's diagonal rates over lags
  (:data:`LAG_SMOOTHING_S`): the raw per-window argmax jitters between near-equal diagonals;
- the **session statistic** (:data:`SMOOTHED_PEAK_RATE`): the peak of the session profile
  after the same smoothing; its argmax is the session lag. Chosen by measurement (see
  :data:`SMOOTHED_PEAK_RATE`); crqa's raw ``maxrec``/``maxlag`` are reported too.

Missing data (NaN) are masked: a pair with a missing sample is neither recurrent nor
counted, and breaks diagonal lines. Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from synchrony.analysis.methods import (
    AnalysisParameters,
    MethodResult,
    MethodWindows,
    SessionStatistic,
    method_summary,
    register_method,
    verdict,
)
from synchrony.engine import recurrence as rec
from synchrony.engine.lag_profile import profile_peaks
from synchrony.engine.surrogates import Statistic
from synchrony.errors import InputError

#: Largest embedding dimension accepted.
MAX_EMBEDDING_DIM = 10
#: Distance between (embedded) samples.
METRIC: rec.Metric = "euclidean"
#: SD (s) of the Gaussian that smooths diagonal rates over lags before a peak (strength,
#: statistic) and its argmax (lag) are read, for the session profile and each window's:
#: counts are small and the raw argmax jitters between near-equal neighbouring diagonals
#: (60-s delayed pairs, rate 0.05: windows within one sample of the true lag 63 % raw,
#: 79 % smoothed); the smoothed peak is also the better-calibrated session statistic.
LAG_SMOOTHING_S = 0.1
#: How ``lag_s`` (the session lead/lag, which the leader rule uses) is estimated.
LAG_ESTIMATOR = ("argmax of the session diagonal recurrence profile (recurrence rate per "
                 "lag over the whole session) smoothed over lags (Gaussian, SD 0.1 s), "
                 "parabolic sub-sample refinement")


@dataclass(frozen=True, slots=True)
class Layout:
    """The method's parameters in samples (see :func:`layout`)."""

    window: int
    step: int
    max_lag: int
    dim: int
    delay: int
    rate: float


def layout(n_samples: int, fs_hz: float, params: AnalysisParameters) -> Layout:
    """Check the parameters against a series of ``n_samples``; return them in samples.

    Raises
    ------
    InputError
        ``recurrence_rate`` outside (0, 0.5]; ``embedding_dim`` not an integer in
        1 … :data:`MAX_EMBEDDING_DIM`; ``embedding_delay_s`` not at least one sample when
        ``embedding_dim`` > 1; ``window_s``/``step_s``/``max_lag_s`` not at least one sample
        or ``max_lag_s`` not shorter than ``window_s``; a series shorter than the embedding
        span plus one window.
    """
    rate = params.recurrence_rate
    if not (isinstance(rate, int | float) and 0.0 < rate <= 0.5):
        raise InputError(f"--recurrence-rate must be in (0, 0.5], got {rate!r}")
    dim = params.embedding_dim
    if (isinstance(dim, bool) or not isinstance(dim, int | np.integer)
            or not 1 <= dim <= MAX_EMBEDDING_DIM):
        raise InputError(f"--embedding-dim must be an integer from 1 to {MAX_EMBEDDING_DIM}, "
                         f"got {dim!r}")
    delay = 0
    if dim > 1:
        delay_s = params.embedding_delay_s
        delay = round(delay_s * fs_hz) if math.isfinite(delay_s) else 0
        if delay < 1:
            raise InputError(f"--embedding-delay-s must be at least one sample ({1 / fs_hz:g} s "
                             f"at {fs_hz:g} Hz) when --embedding-dim > 1, got {delay_s!r}")
    window, step, max_lag = (round(x * fs_hz) if math.isfinite(x) else 0
                             for x in (params.window_s, params.step_s, params.max_lag_s))
    if window < 2 or step < 1 or max_lag < 1 or max_lag >= window:
        raise InputError(
            f"recurrence needs --window-s of >= 2 samples, --step-s and --max-lag-s of >= 1 "
            f"sample and --max-lag-s < --window-s at {fs_hz:g} Hz, got window_s="
            f"{params.window_s:g}, step_s={params.step_s:g}, max_lag_s={params.max_lag_s:g}")
    need = window + (dim - 1) * delay
    if n_samples < need:
        raise InputError(
            f"recurrence needs a series of at least one window plus the embedding span "
            f"({need} samples = {need / fs_hz:g} s at {fs_hz:g} Hz), got {n_samples} samples")
    return Layout(window, step, max_lag, int(dim), delay, float(rate))


def session_profile(a: np.ndarray, b: np.ndarray, fs_hz: float, params: AnalysisParameters
                    ) -> tuple[Layout, np.ndarray, np.ndarray, rec.RecurrenceProfile]:
    """``(layout, ea, eb, profile)``: checks, z-scoring, embedding and session profile."""
    lay = layout(len(a), fs_hz, params)
    ea, eb = rec.prepare(a, b, lay.dim, lay.delay)
    return lay, ea, eb, rec.recurrence_profile(ea, eb, max_lag=lay.max_lag, rate=lay.rate,
                                               metric=METRIC)


def asymmetry(rate: np.ndarray) -> float:
    """Mean recurrence rate at positive lags minus at negative lags (> 0: A leads)."""
    half = len(rate) // 2
    neg, pos = rate[:half], rate[half + 1:]
    if not (np.isfinite(neg).any() and np.isfinite(pos).any()):
        return math.nan
    return float(np.nanmean(pos) - np.nanmean(neg))


def smoothed_peak(profile: rec.RecurrenceProfile, fs_hz: float) -> tuple[float, float]:
    """``(rate, lag_s)``: peak of the profile smoothed over lags and its lag (parabolic)."""
    smoothed = rec.smooth_lags(profile.rate, LAG_SMOOTHING_S * fs_hz)
    rate, lag = rec.profile_peak(smoothed, profile.lag_samples)
    return rate, lag / fs_hz


def _smoothed_peak_rate(fs_hz: float, params: AnalysisParameters) -> Statistic:
    def statistic(a: np.ndarray, b: np.ndarray) -> float:
        return smoothed_peak(session_profile(a, b, fs_hz, params)[3], fs_hz)[0]

    return statistic


#: The session statistic. Chosen by measurement (3-min pairs at 20 Hz, default parameters,
#: recurrence rate 0.05, 100 circular shifts, prediction reading). False positives over 300
#: independent pairs (AR(1) phi = 0.95 and band-limited 0.1-1 Hz movement, half each):
#: smoothed peak 5.0 %, raw peak (crqa ``maxrec``; peak / mean ranks the same) 8.0 %, profile
#: SD / mean 6.7 %, mean of the top five lags 7.0 %, mean of the windows' peaks 0 %. Power
#: (30 pairs, tau in {+0.5, -0.5, +1.2} s): c = 0.6: 100 % for all but the windows' peaks
#: (0 %); c = 0.3: smoothed peak 43 %, raw peak 33 %, SD / mean 40 %.
SMOOTHED_PEAK_RATE = SessionStatistic(
    name="smoothed_profile_peak_rate",
    description="largest recurrence rate of the session diagonal recurrence profile after "
                "smoothing over lags (Gaussian, SD 0.1 s); the band's mean is the target rate",
    build=_smoothed_peak_rate,
)


@dataclass(frozen=True, slots=True)
class RecurrenceDetail:
    """What the recurrence method keeps beyond strength and lag.

    Attributes
    ----------
    profile : the session's diagonal recurrence profile, radius and band rate.
    lags_s : (n_lags,) the profile's lags in seconds (lag > 0: A leads).
    peak_rate, peak_lag_s : peak of the profile smoothed over lags and its lag (s,
        parabolic refinement): the session strength and lag.
    max_rate, max_lag_s : the raw profile's largest rate and its lag in seconds
        (crqa ``drpfromts``'s ``maxrec`` and ``maxlag``, the latter as a lag).
    asymmetry : mean rate at positive minus negative lags (> 0: A leads).
    rqa : per-window %REC, %DET and diagonal rates.
    embedding_dim, embedding_delay_s : the embedding used (delay 0 without embedding).
    """

    profile: rec.RecurrenceProfile
    lags_s: np.ndarray
    peak_rate: float
    peak_lag_s: float
    max_rate: float
    max_lag_s: float
    asymmetry: float
    rqa: rec.WindowedRqa
    embedding_dim: int
    embedding_delay_s: float


class RecurrenceMethod:
    """Cross-recurrence: diagonal profile, windowed %REC/%DET (see the module docstring)."""

    name = "recurrence"
    #: The session statistic the surrogate test compares: swap it here.
    statistic = SMOOTHED_PEAK_RATE

    def reach_s(self, params: AnalysisParameters) -> float:
        """Window plus maximum lag plus the embedding span, in seconds."""
        span = (params.embedding_dim - 1) * params.embedding_delay_s
        return params.window_s + params.max_lag_s + max(span, 0.0)

    def windows(self, a: np.ndarray, b: np.ndarray, *, fs_hz: float,
                params: AnalysisParameters) -> MethodWindows:
        """Session profile, then per window %REC, %DET and the peak diagonal rate and lag."""
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        lay, ea, eb, profile = session_profile(a, b, fs_hz, params)
        rqa = rec.windowed_rqa(ea, eb, radius=profile.radius, window=lay.window,
                               step=lay.step, max_lag=lay.max_lag, metric=METRIC)
        lags_s = profile.lag_samples / fs_hz
        strength, lag_s = profile_peaks(
            rec.smooth_lags(rqa.diagonal_rate, LAG_SMOOTHING_S * fs_hz), lags_s)
        peak_rate, peak_lag_s = smoothed_peak(profile, fs_hz)
        max_rate, max_lag = rec.profile_peak(profile.rate, profile.lag_samples)
        span_s = (lay.dim - 1) * lay.delay / fs_hz
        start_s = rqa.start / fs_hz
        detail = RecurrenceDetail(profile, lags_s, peak_rate, peak_lag_s, max_rate,
                                  max_lag / fs_hz, asymmetry(profile.rate), rqa, lay.dim,
                                  lay.delay / fs_hz)
        return MethodWindows(window_start_s=start_s,
                             window_end_s=start_s + lay.window / fs_hz + span_s,
                             strength=strength, lag_s=lag_s, detail=detail)

    def summarize(self, result: MethodResult) -> dict[str, object]:
        """Build the summary block: common keys, radius, rates, asymmetry, %REC/%DET, embedding."""
        detail: RecurrenceDetail = result.detail
        summary = method_summary(result)
        leader, who_leads = verdict(detail.peak_lag_s, result.surrogate, grid_hz=result.fs_hz)
        rqa = detail.rqa
        summary.update({
            "lag_s": detail.peak_lag_s, "lag_estimator": LAG_ESTIMATOR,
            "leader": leader, "who_leads": who_leads,
            "radius": detail.profile.radius,
            "recurrence_rate": detail.profile.band_rate,
            "max_recurrence_rate": detail.max_rate,
            "max_recurrence_lag_s": detail.max_lag_s,
            "profile_asymmetry": detail.asymmetry,
            "median_window_lag_s": float(np.nanmedian(result.lag_s))
            if np.isfinite(result.lag_s).any() else math.nan,
            "mean_rec_percent": _nanmean(rqa.rec_percent),
            "mean_det_percent": _nanmean(rqa.det_percent),
            "embedding_dim": detail.embedding_dim,
            "embedding_delay_s": detail.embedding_delay_s,
            "metric": METRIC,
        })
        return summary


def _nanmean(x: np.ndarray) -> float:
    return float(np.nanmean(x)) if np.isfinite(x).any() else math.nan


RECURRENCE = register_method(RecurrenceMethod())
