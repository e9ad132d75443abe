"""Windowed cross-correlation (WCC) as a synchrony method: the built-in method ``"wcc"``.

Per signal:

- ``windowed_xcorr`` of A's and B's series on the signal grid, in the windowing of
  ``AnalysisParameters.windowing`` (rMEA windows by default);
- per window, the **strength** is the largest |r| over lags (``window_abs_max``) and the
  **lag** is the Boker et al. (2002) peak lag (``pick_peaks``; NaN where no peak);
- the **session statistic** is ``profile_peak_z``: the peak of the session's lag profile
  (mean Fisher z per lag over all windows) -- the session's synchrony strength, and the
  statistic the surrogate test compares (B circularly shifted against A, by default). It
  is set in one place, ``WccMethod.statistic``; the first version's ``mean_abs_peak_r``
  is still reported. Chosen from the power study in ``docs/validation.md``;
- the **session lag** ``lag_s`` is the argmax of the same profile
  (:func:`synchrony.engine.lag_profile.profile_peak_lag_s`); the per-window Boker peaks are
  still reported (``median_peak_lag_s``, ``lead_fraction``) but no longer decide the leader:
  their median is pulled toward 0 (see ``docs/validation.md``);
- the summary block is the ``summary.json`` contract block (:func:`summarize`): ``leader``
  is ``"A"``/``"B"`` only if the test is significant (p < 0.05) and ``lag_s`` is at least
  one grid sample away from 0; otherwise ``"none"``.

Window times: a window runs from the start of its lag-0 window for ``window_s``; its lags
reach ``max_lag_s`` beyond. Sign convention: lag > 0 means A leads and B follows.
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
    register_method,
    surrogate_block,
    verdict,
)
from synchrony.engine.lag_profile import profile_peak_lag_s, profile_peak_z
from synchrony.engine.peaks import PeakResult, pick_peaks
from synchrony.engine.surrogates import Statistic, SurrogateTest, profile_peak_z_statistic
from synchrony.engine.wcc import WccResult, mean_abs_peak_r, window_abs_max, windowed_xcorr


@dataclass(frozen=True, slots=True)
class WccDetail:
    """What WCC keeps beyond strength and lag.

    Attributes
    ----------
    grid : the window x lag grid of Pearson r.
    peaks : Boker peak lag (s) and peak r of each window.
    window_abs_max_r : (n_windows,) largest |r| over lags, NaN if none (= the strength).
    """

    grid: WccResult
    peaks: PeakResult
    window_abs_max_r: np.ndarray


def _profile_peak_z(fs_hz: float, params: AnalysisParameters) -> Statistic:
    return profile_peak_z_statistic(fs_hz, params.window_s, params.step_s, params.max_lag_s,
                                    windowing=params.windowing)


#: How ``lag_s`` (the session lead/lag, which the leader rule uses) is estimated.
LAG_ESTIMATOR = ("argmax of the session lag profile (mean Fisher z per lag over all windows), "
                 "parabolic sub-sample refinement")

PROFILE_PEAK_Z = SessionStatistic(
    name="profile_peak_z",
    description="peak of the session lag profile: the largest mean Fisher z over lags, "
                "averaged over all WCC windows",
    build=_profile_peak_z,
)


class WccMethod:
    """Windowed cross-correlation with Boker peak picking (see the module docstring)."""

    name = "wcc"
    #: The session statistic the surrogate test compares: swap it here.
    statistic = PROFILE_PEAK_Z

    def windows(self, a: np.ndarray, b: np.ndarray, *, fs_hz: float,
                params: AnalysisParameters) -> MethodWindows:
        """WCC grid, peaks and per-window strength (largest |r|) and lag (Boker peak)."""
        grid = windowed_xcorr(a, b, fs_hz=fs_hz, window_s=params.window_s,
                              step_s=params.step_s, max_lag_s=params.max_lag_s,
                              windowing=params.windowing)
        peaks = pick_peaks(grid)
        abs_max = window_abs_max(grid.r)
        return MethodWindows(window_start_s=grid.window_start_s,
                             window_end_s=grid.window_start_s + grid.window_s,
                             strength=abs_max, lag_s=peaks.peak_lag_s,
                             detail=WccDetail(grid, peaks, abs_max))

    def summarize(self, result: MethodResult) -> dict[str, object]:
        """Build the ``summary.json`` block of one signal (:func:`summarize`)."""
        detail: WccDetail = result.detail
        return summarize(detail.grid, detail.peaks, detail.window_abs_max_r, result.surrogate,
                         grid_hz=result.fs_hz)


def summarize(res: WccResult, peaks: PeakResult, abs_max: np.ndarray,
              test: SurrogateTest | None, *, grid_hz: float) -> dict[str, object]:
    """Build the ``summary.json`` block of one signal (see ARCHITECTURE.md, contract)."""
    found = np.isfinite(peaks.peak_lag_s)
    lags = peaks.peak_lag_s[found]
    median_lag = float(np.median(lags)) if lags.size else math.nan
    n_found = int(found.sum())
    lead_fraction = {
        "A": float(np.mean(lags > 0)) if n_found else math.nan,
        "B": float(np.mean(lags < 0)) if n_found else math.nan,
    }
    lag_s = profile_peak_lag_s(res)
    leader, who_leads = verdict(lag_s, test, grid_hz=grid_hz)
    return {
        "strength": profile_peak_z(res.r),
        "strength_statistic": WccMethod.statistic.name,
        "lag_s": lag_s,
        "lag_estimator": LAG_ESTIMATOR,
        "mean_abs_peak_r": mean_abs_peak_r(res.r),
        "median_peak_lag_s": median_lag,
        "median_peak_r": float(np.nanmedian(peaks.peak_r)) if n_found else math.nan,
        "leader": leader,
        "who_leads": who_leads,
        "lead_fraction": lead_fraction,
        "n_windows": int(len(abs_max)),
        "n_windows_with_peak": n_found,
        "surrogate": surrogate_block(test),
    }


def not_computed_summary(reason: str) -> dict[str, object]:
    """Build a signal's summary block when no synchrony could be computed (values null)."""
    return {
        "strength": math.nan, "strength_statistic": WccMethod.statistic.name,
        "lag_s": math.nan, "lag_estimator": LAG_ESTIMATOR,
        "mean_abs_peak_r": math.nan, "median_peak_lag_s": math.nan, "median_peak_r": math.nan,
        "leader": "none", "who_leads": f"not computed: {reason}",
        "lead_fraction": {"A": math.nan, "B": math.nan}, "n_windows": 0,
        "n_windows_with_peak": 0, "surrogate": surrogate_block(None),
    }


WCC = register_method(WccMethod())
