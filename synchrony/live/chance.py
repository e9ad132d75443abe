"""The live chance level of each signal: circular shifts of B against A, peak-picked.

B's kept history is circularly shifted against A's (shifts of at least one window plus the
maximum lag from either end), the shifted pair's WCC rows are peak-picked like the real
ones (:class:`~synchrony.live.timeline.RowPeaks`), and the 95th percentile of their
|peak r| is the chance level. One shift per signal is computed per call of :meth:`step`
(bounded cost, ~1-2 ms each); a round of ``n_shifts`` shifts refreshes a level every few
seconds. A level is known once ``min(4, n_shifts)`` shifts are pooled.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from synchrony.engine.wcc import windowed_xcorr
from synchrony.live.timeline import RowPeaks

PERCENTILE = 95.0
"""Percentile of the surrogate |peak r| that is the chance level."""


class ChanceLevels:
    """Running chance levels, one per signal (not thread-safe: the analysis thread owns it).

    Parameters
    ----------
    signals : signal names.
    n_shifts : circular shifts per round (0: no chance level).
    grid_hz : rate of the grid in Hz.
    step_s : step (s) between the surrogate windows (a multiple of 1 / grid_hz).
    """

    def __init__(self, signals: tuple[str, ...], *, n_shifts: int, grid_hz: float,
                 step_s: float) -> None:
        self.signals = signals
        self.n_shifts = int(n_shifts)
        self.grid_hz = float(grid_hz)
        self.step_s = float(step_s)
        self._pools: dict[str, deque[np.ndarray]] = {
            name: deque(maxlen=max(self.n_shifts, 1)) for name in signals}
        self._shift_i = dict.fromkeys(signals, 0)
        self._levels = dict.fromkeys(signals, math.nan)

    def level(self, signal: str) -> float:
        """Return the chance level of ``signal`` (|peak r|), NaN while unknown."""
        return self._levels[signal]

    def reset(self) -> None:
        """Forget every pool (after the window, step or maximum lag changed)."""
        for name in self.signals:
            self._pools[name].clear()
            self._shift_i[name] = 0
            self._levels[name] = math.nan

    def step(self, history: np.ndarray, *, window_s: float, max_lag_s: float,
             span_samples: int, peaks: RowPeaks) -> bool:
        """One shift per signal; True if a level changed.

        Parameters
        ----------
        history : (n, 1 + 2 * n_signals) grid rows ``[t, A_1, B_1, A_2, B_2, ...]``.
        window_s, max_lag_s : WCC parameters in seconds.
        span_samples : window plus maximum lag, in grid samples.
        peaks : the peak picker of the current lags.
        """
        changed = False
        for j, name in enumerate(self.signals):
            level = self._shift(name, history[:, 1 + 2 * j], history[:, 2 + 2 * j],
                                window_s, max_lag_s, span_samples, peaks)
            if level is not None:
                self._levels[name] = level
                changed = True
        return changed

    def _shift(self, name: str, a: np.ndarray, b: np.ndarray, window_s: float,
               max_lag_s: float, span: int, peaks: RowPeaks) -> float | None:
        n = len(a)
        if self.n_shifts < 1 or n < 2 * span + 1 or (
                np.isfinite(a) & np.isfinite(b)).sum() < 2 * span:
            return None
        shifts = np.unique(np.linspace(span, n - span, self.n_shifts).round())
        shift = int(shifts[self._shift_i[name] % len(shifts)])
        self._shift_i[name] += 1
        res = windowed_xcorr(a, np.roll(b, shift), fs_hz=self.grid_hz, window_s=window_s,
                             step_s=self.step_s, max_lag_s=max_lag_s, windowing="boker")
        _, peak = peaks.peaks(res.r)
        peak = np.abs(peak[np.isfinite(peak)])
        pool = self._pools[name]
        if peak.size:
            pool.append(peak)
        if len(pool) >= min(4, self.n_shifts):
            return float(np.percentile(np.concatenate(list(pool)), PERCENTILE))
        return None
