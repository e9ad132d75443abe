"""Candidate session statistics, lag estimators and surrogate tests for the power study.

Everything is derived from one WCC grid (window x lag Pearson r, ``synchrony.wcc``), so a
surrogate costs one grid and one Boker peak picking, whatever the number of candidates.
Sign convention: at lag > 0 **A leads and B follows**.

Statistics (larger = more synchrony):

``mean_abs_peak_r``     today's: mean over windows of the largest |r| over lags.
``profile_peak_abs_z``  the lag profile (mean Fisher z per lag over all windows, rMEA's lag
                        plot, SUSY-like), then the largest |.| over lags.
``profile_peak_z``      the same, signed: the largest mean z over lags (in-phase only).
``mean_boker_peak_r``   mean over windows of the Boker et al. (2002) peak r nearest lag 0.
``grand_mean_abs_z``    rMEA's grand average: mean |z| over the whole grid.

Lag estimators (seconds, > 0: A leads):

``median_boker_lag_s``         today's: median of the per-window Boker peak lags.
``profile_argmax_lag_s``       argmax of |lag profile|, refined by a parabola through the
                               peak and its two neighbours (sub-sample).
``profile_argmax_z_lag_s``     the same on the signed profile (largest mean z).
``median_window_argmax_lag_s`` median over windows of the lag of the largest |r|.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.stats import t as student_t

from synchrony.analysis.methods import AnalysisParameters, effective_surrogates
from synchrony.engine.lag_profile import lag_profile, parabolic_offset
from synchrony.surrogates import surrogate_test
from synchrony.wcc import WccResult, fisher_z, pick_peaks, windowed_xcorr

STATISTICS = ("mean_abs_peak_r", "profile_peak_abs_z", "profile_peak_z", "mean_boker_peak_r",
              "grand_mean_abs_z")
LAG_ESTIMATORS = ("median_boker_lag_s", "profile_argmax_lag_s", "profile_argmax_z_lag_s",
                  "median_window_argmax_lag_s")
SCHEMES = ("circular_shift", "segment_shuffle")
#: p-value readings of the same surrogates reported as extra "schemes" (no extra grids)
T_SCHEMES = ("circular_shift_t", "segment_shuffle_t")
TODAY_STATISTIC = "mean_abs_peak_r"
TODAY_LAG = "median_boker_lag_s"


@dataclass(frozen=True, slots=True)
class WccSettings:
    """The product's analysis settings (``synchrony analyze`` defaults), seconds."""

    window_s: float = 5.0
    step_s: float = 0.5
    max_lag_s: float = 2.0
    windowing: str = "rmea"

    @property
    def span_s(self) -> float:
        """One window plus the largest lag: the reach of one grid row."""
        return self.window_s + self.max_lag_s

    def grid(self, a: np.ndarray, b: np.ndarray, fs_hz: float) -> WccResult:
        """The WCC grid of (A, B)."""
        return windowed_xcorr(a, b, fs_hz=fs_hz, window_s=self.window_s, step_s=self.step_s,
                              max_lag_s=self.max_lag_s,
                              windowing=self.windowing)  # type: ignore[arg-type]

    def min_shift_s(self, duration_s: float) -> float:
        """Smallest circular shift, as ``analyze`` chooses it: min(window + lag, duration / 4)."""
        return min(self.span_s, duration_s / 4)

    def params(self, scheme: str = "circular_shift") -> AnalysisParameters:
        """The product's analysis parameters with these settings and ``scheme``."""
        return AnalysisParameters(window_s=self.window_s, step_s=self.step_s,
                                  max_lag_s=self.max_lag_s,
                                  surrogate_method=scheme,  # type: ignore[arg-type]
                                  windowing=self.windowing)  # type: ignore[arg-type]

    def effective_shifts(self, duration_s: float, scheme: str = "circular_shift") -> float:
        """Effectively independent surrogates, as ``analyze`` counts them
        (:func:`synchrony.analysis.methods.effective_surrogates`)."""
        return effective_surrogates(self.params(scheme), duration_s)

    def segment_s(self, duration_s: float) -> float:
        """Segment length for shuffling, as ``analyze`` chooses it (``shuffle_segment_s``)."""
        return max(self.span_s, min(max(30.0, 4 * self.span_s), duration_s / 4))


def _nanmean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else math.nan


def _nanmax(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.max()) if x.size else math.nan


def session_statistics(res: WccResult) -> dict[str, float]:
    """Every candidate statistic of one grid (NaN where undefined)."""
    r = res.r
    finite = np.isfinite(r)
    row_max = np.where(finite, np.abs(r), -np.inf).max(axis=1, initial=-np.inf)
    profile = lag_profile(r)
    peaks = pick_peaks(res)
    return {
        "mean_abs_peak_r": _nanmean(np.where(finite.any(axis=1), row_max, np.nan)),
        "profile_peak_abs_z": _nanmax(np.abs(profile)),
        "profile_peak_z": _nanmax(profile),
        "mean_boker_peak_r": _nanmean(peaks.peak_r),
        "grand_mean_abs_z": _nanmean(np.abs(fisher_z(r))),
    }


def _profile_argmax_s(values: np.ndarray, lags_s: np.ndarray) -> float:
    if not np.isfinite(values).any():
        return math.nan
    j = int(np.nanargmax(values))
    step_s = float(lags_s[1] - lags_s[0]) if len(lags_s) > 1 else 0.0
    return float(lags_s[j]) + parabolic_offset(values, j) * step_s


def lag_estimates(res: WccResult) -> dict[str, float]:
    """Every candidate session lag estimate of one grid, seconds (> 0: A leads)."""
    peaks = pick_peaks(res)
    boker = peaks.peak_lag_s[np.isfinite(peaks.peak_lag_s)]
    profile = lag_profile(res.r)
    full = np.isfinite(res.r).any(axis=1)
    absr = np.where(np.isfinite(res.r), np.abs(res.r), -np.inf)
    window_lags = res.lags_s[np.argmax(absr[full], axis=1)] if full.any() else np.zeros(0)
    return {
        "median_boker_lag_s": float(np.median(boker)) if boker.size else math.nan,
        "profile_argmax_lag_s": _profile_argmax_s(np.abs(profile), res.lags_s),
        "profile_argmax_z_lag_s": _profile_argmax_s(profile, res.lags_s),
        "median_window_argmax_lag_s": float(np.median(window_lags)) if window_lags.size
        else math.nan,
    }


@dataclass(frozen=True, slots=True)
class SchemeResult:
    """One surrogate test of every statistic against the same surrogates.

    Attributes
    ----------
    scheme : "circular_shift", "segment_shuffle", or either with "_t" (see ``t_variant``).
    n_grids : grids computed (observed + surrogates).
    observed, null_mean, p : statistic -> value; ``p = (1 + #{null >= observed}) / (n + 1)``
        over the surrogates where that statistic is finite (as ``surrogate_test``).
    null_sd : statistic -> SD (n - 1) of the finite null values.
    n : statistic -> surrogates used.
    """

    scheme: str
    n_grids: int
    observed: dict[str, float]
    null_mean: dict[str, float]
    null_sd: dict[str, float]
    p: dict[str, float]
    n: dict[str, int]

    def t_variant(self, n_effective: float) -> SchemeResult:
        """The same surrogates read parametrically, as ``<scheme>_t`` (no new grids).

        Circular shifts of a short session are strongly dependent: offsets closer than
        about one window plus the lag give nearly the same statistic, so 200 shifts of
        60 s hold only ``n_effective`` (~ usable offset range / (window + lag)) independent
        values, and the observed value beats all of them by chance with probability
        ~1 / (n_effective + 1). This reads the observed value as one more draw from a normal
        null with the surrogates' mean and SD estimated from ``n_effective`` values:
        ``t = (observed - mean) / (sd * sqrt(1 + 1 / n_eff))`` on ``n_eff - 1`` degrees of
        freedom (a prediction interval), one-sided.
        """
        k = max(2.0, n_effective)
        p = {}
        for name, obs in self.observed.items():
            mean, sd = self.null_mean[name], self.null_sd[name]
            ok = math.isfinite(obs) and math.isfinite(sd) and sd > 0
            t = (obs - mean) / (sd * math.sqrt(1.0 + 1.0 / k)) if ok else math.nan
            p[name] = float(student_t.sf(t, df=k - 1.0)) if ok else math.nan
        return replace(self, scheme=f"{self.scheme}_t", n_grids=0, p=p)


def surrogate_test_all(a: np.ndarray, b: np.ndarray, *, fs_hz: float, settings: WccSettings,
                        scheme: str, n_surrogates: int, seed: int) -> SchemeResult:
    """Surrogate-test every candidate statistic with ``surrogate_test``'s rearrangements.

    The statistic passed to ``surrogate_test`` computes the grid once and records every
    candidate; its first call is the observed pair, the others are the surrogates.
    """
    values: list[dict[str, float]] = []

    def record(x: np.ndarray, y: np.ndarray) -> float:
        stats = session_statistics(settings.grid(x, y, fs_hz))
        values.append(stats)
        return stats[TODAY_STATISTIC]

    duration_s = len(a) / fs_hz
    surrogate_test(a, b, fs_hz=fs_hz, statistic=record, method=scheme,  # type: ignore[arg-type]
                   n_surrogates=n_surrogates, min_shift_s=settings.min_shift_s(duration_s),
                   segment_s=settings.segment_s(duration_s), seed=seed)
    observed, null = values[0], values[1:]
    out_p, out_mean, out_sd, out_n = {}, {}, {}, {}
    for name in STATISTICS:
        obs = observed[name]
        vals = np.array([v[name] for v in null], dtype=float)
        vals = vals[np.isfinite(vals)]
        out_n[name] = int(vals.size)
        out_mean[name] = float(vals.mean()) if vals.size else math.nan
        out_sd[name] = float(vals.std(ddof=1)) if vals.size > 1 else math.nan
        out_p[name] = ((1 + int(np.count_nonzero(vals >= obs))) / (vals.size + 1)
                       if vals.size and math.isfinite(obs) else math.nan)
    return SchemeResult(scheme, len(values), observed, out_mean, out_sd, out_p, out_n)
