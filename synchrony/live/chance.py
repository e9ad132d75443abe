"""The live chance level of each signal: the timeline's null from circular shifts of B.

B's kept history is circularly shifted against A's (shifts of at least one window plus the
maximum lag from either end); the shifted pair's WCC grid (Boker trailing windows, as the
live rows) gives the *same* smoothed statistic as the live timeline -- the causal local
lag-profile peak of :func:`synchrony.analysis.timeline.local_strength`, searched within the
lag band around that surrogate's own profile peak -- and the pooled values give each live
window's chance level with :func:`synchrony.analysis.timeline.chance_levels` (the code
``analyze`` uses). One shift per signal is computed per call of :meth:`ChanceLevels.step`
(bounded cost); the pool holds the last ``n_shifts`` shifts. A level is known once
``min(MIN_SHIFTS, n_shifts)`` shifts are pooled.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from synchrony.analysis.timeline import TimelineRules, chance_levels, lag_band, local_strength
from synchrony.engine.lag_profile import profile_peak_lag_s
from synchrony.engine.wcc import windowed_xcorr

MIN_SHIFTS = 8
"""Shifts pooled before a chance level is given (fewer give levels that swing widely)."""


class ChanceLevels:
    """Running surrogate pools, one per signal (not thread-safe: the analysis thread owns it).

    Parameters
    ----------
    signals : signal names.
    n_shifts : circular shifts pooled (0: no chance level).
    grid_hz : rate of the grid in Hz.
    step_s : step (s) between the surrogate WCC windows (a multiple of 1 / grid_hz; coarser
        than the live rows' step to bound the cost).
    rules : the timeline's horizon, lag band and quantile.
    """

    def __init__(self, signals: tuple[str, ...], *, n_shifts: int, grid_hz: float,
                 step_s: float, rules: TimelineRules) -> None:
        self.signals = signals
        self.n_shifts = int(n_shifts)
        self.grid_hz = float(grid_hz)
        self.step_s = float(step_s)
        self.rules = rules
        self._pools: dict[str, deque[tuple[np.ndarray, np.ndarray]]] = {
            name: deque(maxlen=max(self.n_shifts, 1)) for name in signals}
        self._shift_i = dict.fromkeys(signals, 0)

    def ready(self, signal: str) -> bool:
        """Return True once enough shifts of ``signal`` are pooled for a chance level."""
        return self.n_shifts > 0 and len(self._pools[signal]) >= min(MIN_SHIFTS, self.n_shifts)

    def levels(self, signal: str, counts: np.ndarray, counts_step_s: float,
               quantile: float | None = None) -> np.ndarray:
        """Chance levels for windows whose horizons hold ``counts`` windows (NaN: unknown).

        ``counts_step_s``: the step between those windows; the counts are rescaled to the
        surrogates' step (``step_s``) so that equal horizons are compared. ``quantile``:
        of the null (default: the rules' chance quantile).
        """
        counts = np.round(np.asarray(counts) * counts_step_s / self.step_s)
        if not self.ready(signal):
            return np.full(counts.shape, np.nan)
        pool = list(self._pools[signal])
        return chance_levels(counts, np.concatenate([s for s, _ in pool]),
                             np.concatenate([c for _, c in pool]),
                             self.rules.quantile if quantile is None else quantile)

    def reset(self, step_s: float | None = None) -> None:
        """Forget every pool (after the window, step or maximum lag changed)."""
        if step_s is not None:
            self.step_s = float(step_s)
        for name in self.signals:
            self._pools[name].clear()
            self._shift_i[name] = 0

    def step(self, history: np.ndarray, *, window_s: float, max_lag_s: float,
             span_samples: int) -> bool:
        """One shift per signal; True if a pool changed.

        Parameters
        ----------
        history : (n, 1 + 2 * n_signals) grid rows ``[t, A_1, B_1, A_2, B_2, ...]``.
        window_s, max_lag_s : WCC parameters in seconds.
        span_samples : window plus maximum lag, in grid samples.
        """
        changed = False
        for j, name in enumerate(self.signals):
            changed |= self._shift(name, history[:, 1 + 2 * j], history[:, 2 + 2 * j],
                                   window_s, max_lag_s, span_samples)
        return changed

    def _shift(self, name: str, a: np.ndarray, b: np.ndarray, window_s: float,
               max_lag_s: float, span: int) -> bool:
        n = len(a)
        if self.n_shifts < 1 or n < 2 * span + 1 or (
                np.isfinite(a) & np.isfinite(b)).sum() < 2 * span:
            return False
        shifts = np.unique(np.linspace(span, n - span, self.n_shifts).round())
        shift = int(shifts[self._shift_i[name] % len(shifts)])
        self._shift_i[name] += 1
        res = windowed_xcorr(a, np.roll(b, shift), fs_hz=self.grid_hz, window_s=window_s,
                             step_s=self.step_s, max_lag_s=max_lag_s, windowing="boker")
        lags = lag_band(res.lags_s, profile_peak_lag_s(res), self.rules.lag_band_s)
        strength, _, counts = local_strength(
            res.r, res.lags_s, horizon_windows=self.rules.horizon_windows(self.step_s),
            causal=True, lags=lags)
        keep = np.isfinite(strength)
        if not keep.any():
            return False
        self._pools[name].append((strength[keep], counts[keep]))
        return True
