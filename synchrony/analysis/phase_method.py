"""Phase synchrony as a synchrony method: the registered method ``"phase"``.

Per signal (:mod:`synchrony.engine.phase` does the work):

- the instantaneous phase of each person's series: band-pass to ``params.band_hz``
  (Butterworth, zero phase), angle of the analytic signal; gaps are interpolated for the
  filter and masked back to missing with a margin;
- per window (rMEA windows of ``window_s``, every ``step_s``), the **lagged PLV**: PLV of
  A(t) with B(t + k) for every lag k up to ``max_lag_s``; the window's **strength** is the
  largest PLV over lags and its **lag** that PLV's argmax, refined by the relative phase
  at the argmax (:func:`synchrony.engine.phase.peak_lags`). The lag-0
  PLV and the mean relative phase (phi_A - phi_B, rad; > 0: A's phase ahead) of each
  window are kept in :class:`PhaseDetail`;
- the **session statistic** (what the surrogate test compares) is ``session_peak_plv``: the
  PLV of the whole session at its best lag. Chosen over the peak of the mean windowed-PLV
  profile by a known-truth comparison (see :data:`SESSION_PEAK_PLV`);
- the **session lag** ``lag_s`` is the argmax of the same whole-session lagged PLV,
  refined the same way: the mean relative phase alone gives the lag only modulo one
  period (1.2 s at 0.5 Hz wraps), the lag of best locking does not; the phase only
  refines it within a few samples.

Sign convention, as everywhere: lag > 0 means A leads and B follows.
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
from synchrony.engine import phase
from synchrony.engine.surrogates import Statistic
from synchrony.engine.wcc import check_parameters
from synchrony.errors import InputError

#: How ``lag_s`` (the session lead/lag, which the leader rule uses) is estimated.
LAG_ESTIMATOR = ("argmax over lags of the whole session's phase-locking value of A(t) with "
                 "B(t + lag), refined by the relative phase there / (2 pi x mean "
                 "instantaneous frequency)")


@dataclass(frozen=True, slots=True)
class PhaseDetail:
    """What the phase method keeps beyond strength and lag.

    Attributes
    ----------
    locking : the window x lag grid of mean phasors (PLV = magnitude), the whole session's
        lagged mean phasor and the mean instantaneous frequencies.
    band_hz : the band-pass band in Hz.
    plv_lag0 : (n_windows,) PLV of each window at lag 0.
    relative_phase_rad : (n_windows,) mean relative phase at lag 0 (rad, -pi..pi;
        > 0: A's phase ahead), NaN where undefined.
    """

    locking: phase.PhaseLocking
    band_hz: tuple[float, float]
    plv_lag0: np.ndarray
    relative_phase_rad: np.ndarray

    @property
    def grid(self) -> phase.PlvGrid:
        """The windowed lagged grid."""
        return self.locking.grid

    @property
    def session_plv(self) -> np.ndarray:
        """(n_lags,) whole-session PLV per lag."""
        return np.abs(self.locking.session_phasor)

    @property
    def window_profile(self) -> np.ndarray:
        """(n_lags,) mean windowed PLV per lag."""
        return phase.plv_profile(self.grid.mean_phasor)

    def session_peak(self) -> tuple[float, float]:
        """``(plv, lag_s)`` at the peak of the whole session's lagged PLV (lag > 0: A leads)."""
        peak, lag = phase.peak_lags(self.locking.session_phasor[None, :], self.grid.lags_s,
                                    np.array([self.locking.session_frequency_hz]))
        return float(peak[0]), float(lag[0])


def _grid_samples(fs_hz: float, params: AnalysisParameters) -> tuple[int, int, int]:
    """``(window, step, max_lag)`` in samples (as WCC checks them), or InputError."""
    try:
        return check_parameters(2**62, fs_hz=fs_hz, window_s=params.window_s,
                                step_s=params.step_s, max_lag_s=params.max_lag_s)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def sample_parameters(n_samples: int, fs_hz: float, params: AnalysisParameters
                      ) -> tuple[tuple[float, float], int, int, int]:
    """Check the parameters against the series; return ``(band_hz, window, step, max_lag)``.

    Window, step and lag in samples. Runs before any filtering.

    Raises
    ------
    InputError
        A band the grid rate does not allow, window/step/lag out of range, or a series
        shorter than one window plus the maximum lag or than the band's filter needs.
    """
    band = phase.check_band(params.band_hz, fs_hz)
    window, step, max_lag = _grid_samples(fs_hz, params)
    if n_samples < window + max_lag:
        raise InputError(
            f"series must be at least one window plus the maximum lag long for the phase "
            f"method ({(window + max_lag) / fs_hz:g} s = {window + max_lag} samples at "
            f"{fs_hz:g} Hz), got {n_samples} samples")
    phase.check_length(n_samples, band, fs_hz)
    return band, window, step, max_lag


def _statistic(kind: str) -> SessionStatistic:
    def build(fs_hz: float, params: AnalysisParameters) -> Statistic:
        band = phase.check_band(params.band_hz, fs_hz)
        window, step, max_lag = _grid_samples(fs_hz, params)
        return phase.plv_statistic(kind, fs_hz=fs_hz, band_hz=band, window=window, step=step,
                                   max_lag=max_lag)

    descriptions = {
        "session_peak_plv": "phase-locking value of the whole session at its best lag "
                            "(max over lags of |mean exp(i(phi_A(t) - phi_B(t + lag)))|)",
        "profile_peak_plv": "peak over lags of the windowed phase-locking value averaged "
                            "over all windows",
    }
    return SessionStatistic(name=kind, description=descriptions[kind], build=build)


#: Whole-session PLV at the best lag: the session statistic. Known-truth comparison (3-min
#: series at 20 Hz, 5 s windows, 1 s step, lags +-2 s, band 0.1-1 Hz, 99 circular-shift
#: surrogates, P(p < 0.05)): B = c A(t - 0.5 s) + sqrt(1 - c^2) band-limited noise, 50
#: pairs: c = 0.3: 0.90 (profile peak: 0.28), c = 0.2: 0.46 (0.06); 100 independent pairs:
#: band-limited 0.1-1 Hz 0.02 (0.01), AR(1) phi = 0.95 0.04 (0.04).
SESSION_PEAK_PLV = _statistic("session_peak_plv")
#: Peak of the mean windowed-PLV profile: the candidate not chosen (still reported).
PROFILE_PEAK_PLV = _statistic("profile_peak_plv")


class PhaseMethod:
    """Band-passed Hilbert phase, windowed lagged PLV (see the module docstring)."""

    name = "phase"
    #: The session statistic the surrogate test compares: swap it here.
    statistic = SESSION_PEAK_PLV

    def reach_s(self, params: AnalysisParameters) -> float:
        """How far (s) a window sees: window + maximum lag + the filter's two half-widths.

        The zero-phase band-pass spreads each sample over
        :func:`synchrony.engine.phase.filter_half_width_s` on each side (6.55 s at
        0.1-1 Hz and 20 Hz, set by the band's low edge). Assumes the 20 Hz grid when the
        rate is unknown here; the half-width barely depends on the rate.
        """
        band = (float(params.band_hz[0]), float(params.band_hz[1]))
        fs_hz = max(20.0, 4.0 * band[1])
        return params.window_s + params.max_lag_s + 2.0 * phase.filter_half_width_s(band, fs_hz)

    def windows(self, a: np.ndarray, b: np.ndarray, *, fs_hz: float,
                params: AnalysisParameters) -> MethodWindows:
        """Per window: peak PLV over lags (strength) and its lag (s, > 0: A leads)."""
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        if a.shape != b.shape or a.ndim != 1:
            raise ValueError(f"a and b must be 1-D of one length, got {a.shape} and {b.shape}")
        band, window, step, max_lag = sample_parameters(len(a), fs_hz, params)
        locking = phase.phase_locking(a, b, fs_hz=fs_hz, band_hz=band, window=window,
                                      step=step, max_lag=max_lag)
        grid = locking.grid
        strength, lag_s = phase.peak_lags(grid.mean_phasor, grid.lags_s,
                                          locking.window_frequency_hz)
        lag0 = grid.mean_phasor[:, max_lag]
        detail = PhaseDetail(locking=locking, band_hz=band, plv_lag0=np.abs(lag0),
                             relative_phase_rad=np.angle(lag0))
        return MethodWindows(window_start_s=grid.window_start_s,
                             window_end_s=grid.window_start_s + grid.window_s,
                             strength=strength, lag_s=lag_s, detail=detail)

    def summarize(self, result: MethodResult) -> dict[str, object]:
        """Build the ``summary.json`` block: common keys plus the phase method's own."""
        detail: PhaseDetail = result.detail
        grid = detail.grid
        summary = method_summary(result)
        median_window_lag_s = summary["lag_s"]
        session_plv = detail.session_plv
        plv_at_lag, lag_s = detail.session_peak()
        leader, who_leads = verdict(lag_s, result.surrogate, grid_hz=result.fs_hz)
        centre = len(grid.lags_s) // 2
        plv0 = detail.plv_lag0[np.isfinite(detail.plv_lag0)]
        profile = detail.window_profile
        summary.update({
            "lag_s": lag_s, "lag_estimator": LAG_ESTIMATOR,
            "leader": leader, "who_leads": who_leads,
            "band_hz": [float(detail.band_hz[0]), float(detail.band_hz[1])],
            "mean_plv": float(plv0.mean()) if plv0.size else math.nan,
            "plv_at_lag": plv_at_lag,
            "plv_lag0": float(session_plv[centre]),
            "mean_relative_phase_rad": float(np.angle(detail.locking.session_phasor[centre])),
            "mean_frequency_hz": detail.locking.session_frequency_hz,
            "median_window_lag_s": median_window_lag_s,
            "profile_peak_plv": float(np.nanmax(profile)) if np.isfinite(profile).any()
            else math.nan,
        })
        return summary


#: The registered instance.
PHASE = PhaseMethod()
register_method(PHASE)
