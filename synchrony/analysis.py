"""From signals to synchrony numbers: WCC grids, peaks, surrogate tests and the summary.

Qt-free; used by ``synchrony analyze`` (videos and sessions) and by replay.

Per signal:
- ``windowed_xcorr`` (rMEA windows) of A's and B's series on the signal grid;
- Boker et al. (2002) peak picking per window (``pick_peaks``) for the lag;
- ``mean_abs_peak_r``: the mean over windows of the largest |r| over lags -- the
  session's synchrony strength, and the statistic the surrogate test compares;
- a surrogate test of that statistic (B circularly shifted against A, by default);
- ``leader``: ``"A"``/``"B"`` only if the test is significant (p < 0.05) and the median
  peak lag is at least one grid sample away from 0; otherwise ``"none"``.
Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from synchrony.lead import SIGN_CONVENTION, describe_lag, leader_of
from synchrony.peaks import PeakResult, pick_peaks
from synchrony.signals import SIGNALS, SignalSet
from synchrony.surrogates import SurrogateMethod, SurrogateTest, surrogate_test
from synchrony.wcc import Method, WccResult, check_parameters, windowed_xcorr

ALPHA = 0.05
SURROGATE_METHODS = ("circular_shift", "segment_shuffle")


@dataclass(frozen=True, slots=True)
class AnalysisParameters:
    """Parameters of one analysis, in seconds and Hz."""

    window_s: float = 5.0
    step_s: float = 0.5
    max_lag_s: float = 2.0
    n_surrogates: int = 200
    surrogate_method: SurrogateMethod = "circular_shift"
    seed: int = 0
    method: Method = "rmea"

    def as_dict(self) -> dict[str, object]:
        """Plain dict for ``summary.json``."""
        return {
            "window_s": self.window_s, "step_s": self.step_s, "max_lag_s": self.max_lag_s,
            "n_surrogates": self.n_surrogates, "surrogate_method": self.surrogate_method,
            "seed": self.seed, "wcc_method": self.method, "sign_convention": SIGN_CONVENTION,
        }


@dataclass(frozen=True, slots=True)
class SignalAnalysis:
    """Everything computed for one signal."""

    signal: str
    wcc: WccResult
    peaks: PeakResult
    window_abs_max_r: np.ndarray  # (n_windows,) largest |r| over lags, NaN if none
    surrogate: SurrogateTest | None
    summary: dict[str, object] = field(default_factory=dict)


def mean_abs_peak_r(r: np.ndarray) -> float:
    """Mean over windows of the largest |r| over lags (windows without any r left out)."""
    peak = window_abs_max(r)
    return float(np.nanmean(peak)) if np.isfinite(peak).any() else math.nan


def window_abs_max(r: np.ndarray) -> np.ndarray:
    """(n_windows,) largest |r| over lags of each window; NaN for an all-NaN window."""
    finite = np.isfinite(r)
    out = np.where(finite, np.abs(r), -np.inf).max(axis=1)
    return np.where(finite.any(axis=1), out, np.nan)


def _statistic(params: AnalysisParameters, fs_hz: float) -> Callable[[np.ndarray, np.ndarray],
                                                                       float]:
    def stat(a: np.ndarray, b: np.ndarray) -> float:
        res = windowed_xcorr(a, b, fs_hz=fs_hz, window_s=params.window_s, step_s=params.step_s,
                             max_lag_s=params.max_lag_s, method=params.method)
        return mean_abs_peak_r(res.r)

    return stat


def analyze_pair(a: np.ndarray, b: np.ndarray, *, fs_hz: float, signal: str,
                 params: AnalysisParameters) -> SignalAnalysis:
    """WCC, peaks, surrogate test and summary for one signal's (A, B) series."""
    res = windowed_xcorr(a, b, fs_hz=fs_hz, window_s=params.window_s, step_s=params.step_s,
                         max_lag_s=params.max_lag_s, method=params.method)
    peaks = pick_peaks(res)
    abs_max = window_abs_max(res.r)
    test = None
    usable = np.isfinite(a) & np.isfinite(b)
    if params.n_surrogates > 0 and usable.mean() > 0.5 and np.isfinite(abs_max).any():
        min_shift_s = min(params.window_s + params.max_lag_s, len(a) / fs_hz / 4)
        test = surrogate_test(
            a, b, fs_hz=fs_hz, statistic=_statistic(params, fs_hz),
            method=params.surrogate_method, n_surrogates=params.n_surrogates,
            min_shift_s=min_shift_s, segment_s=params.window_s + params.max_lag_s,
            seed=params.seed,
        )
    summary = summarize(res, peaks, abs_max, test, grid_hz=fs_hz)
    return SignalAnalysis(signal, res, peaks, abs_max, test, summary)


def summarize(res: WccResult, peaks: PeakResult, abs_max: np.ndarray,
              test: SurrogateTest | None, *, grid_hz: float) -> dict[str, object]:
    """The ``summary.json`` block of one signal (see ARCHITECTURE.md, contract)."""
    found = np.isfinite(peaks.peak_lag_s)
    lags = peaks.peak_lag_s[found]
    median_lag = float(np.median(lags)) if lags.size else math.nan
    n_found = int(found.sum())
    lead_fraction = {
        "A": float(np.mean(lags > 0)) if n_found else math.nan,
        "B": float(np.mean(lags < 0)) if n_found else math.nan,
    }
    significant = test is not None and math.isfinite(test.p) and test.p < ALPHA
    leader = leader_of(median_lag, tolerance_s=1.0 / grid_hz - 1e-9) if significant else "none"
    return {
        "mean_abs_peak_r": float(np.nanmean(abs_max)) if np.isfinite(abs_max).any() else math.nan,
        "median_peak_lag_s": median_lag,
        "median_peak_r": float(np.nanmedian(peaks.peak_r)) if n_found else math.nan,
        "leader": leader,
        "who_leads": describe_lag(median_lag) if leader != "none" else
        ("no significant synchrony" if not significant else "no consistent leader"),
        "lead_fraction": lead_fraction,
        "n_windows": int(len(abs_max)),
        "n_windows_with_peak": n_found,
        "surrogate": {
            "method": test.method if test else None,
            "n": int(test.n) if test else 0,
            "z": float(test.z) if test else math.nan,
            "p": float(test.p) if test else math.nan,
            "null_mean": float(test.null_mean) if test else math.nan,
        },
    }


def not_computed_summary(reason: str) -> dict[str, object]:
    """A signal's summary block when no synchrony could be computed (keys kept, values null)."""
    return {
        "mean_abs_peak_r": math.nan, "median_peak_lag_s": math.nan, "median_peak_r": math.nan,
        "leader": "none", "who_leads": f"not computed: {reason}",
        "lead_fraction": {"A": math.nan, "B": math.nan}, "n_windows": 0,
        "n_windows_with_peak": 0,
        "surrogate": {"method": None, "n": 0, "z": math.nan, "p": math.nan,
                      "null_mean": math.nan},
    }


def too_short_reason(n_samples: int, fs_hz: float, params: AnalysisParameters) -> str | None:
    """Why a series of ``n_samples`` cannot hold one window plus the lag, or None if it can."""
    need_s = params.window_s + params.max_lag_s
    if n_samples / fs_hz >= need_s:
        return None
    return (f"the recording is {n_samples / fs_hz:.1f} s long, shorter than one window plus "
            f"the maximum lag ({need_s:g} s)")


def analyze_signals(signals: SignalSet, params: AnalysisParameters,
                    names: Sequence[str] = SIGNALS,
                    progress: Callable[[str], None] | None = None) -> dict[str, SignalAnalysis]:
    """Analyse each named signal; a signal too short or empty for one window is skipped."""
    check_parameters(len(signals.time_s), fs_hz=signals.grid_hz, window_s=params.window_s,
                     step_s=params.step_s, max_lag_s=params.max_lag_s, method=params.method)
    out = {}
    for name in names:
        if progress:
            progress(name)
        a, b = signals.pair(name)
        out[name] = analyze_pair(a, b, fs_hz=signals.grid_hz, signal=name, params=params)
    return out
