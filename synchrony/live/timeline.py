"""The live synchrony timeline: heatmap rows, their peaks, and one record per signal and window.

A heatmap row is the WCC of one window (r at every lag, Boker trailing windows: the lag-0
window ends at the newest grid sample). :class:`RowPeaks` picks its peak with
:func:`synchrony.engine.peaks.pick_peaks` (the Boker et al. 2002 peak nearest lag 0; a row
with missing cells but at least half of its lags falls back to its largest r) and packs
rows as ``[end time, peak lag, peak r, r at each lag...]``.

:class:`SynchronyRow` is what outputs receive for each new window of each signal. How its
``strength`` and ``state`` are derived from a row is decided in ONE place,
:func:`synchrony_row`: today ``strength`` = |peak r|, ``lag_s`` = the peak lag,
``chance_level`` = the live chance level of that signal, ``state`` from their comparison.

Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from synchrony.engine.peaks import pick_peaks
from synchrony.engine.wcc import WccResult

STATES = ("in_sync", "not_in_sync", "unknown")
"""Values of :attr:`SynchronyRow.state`."""
#: pick_peaks needs at least this many lags (its defaults: lsize 8, span 0.25).
MIN_PICKABLE_LAGS = 17
#: Columns before the r values in a packed row: end time, peak lag, peak r.
ROW_HEAD = 3


@dataclass(frozen=True, slots=True)
class SynchronyRow:
    """Synchrony of one signal in one window, as the live view saw it.

    Attributes
    ----------
    signal : signal name (``body``, ``head``, ``face``, ``motion``).
    window_start_s, window_end_s : the lag-0 window, seconds of the source's timeline
        (``window_end_s - window_start_s`` = the WCC window).
    strength : synchrony strength of the window (today |peak r|); NaN when unknown.
    lag_s : lag of the peak in seconds (lag > 0: A leads, B follows); NaN when none.
    chance_level : the strength expected by chance (today the live 95 % surrogate
        threshold of this signal); NaN while unknown.
    state : ``"in_sync"`` (strength > chance level), ``"not_in_sync"`` or ``"unknown"``.
    """

    signal: str
    window_start_s: float
    window_end_s: float
    strength: float
    lag_s: float
    chance_level: float
    state: str

    def as_dict(self) -> dict[str, float | str]:
        """Return the row as a plain dict (column name -> value), e.g. for JSON or a table."""
        return {"signal": self.signal, "window_start_s": self.window_start_s,
                "window_end_s": self.window_end_s, "strength": self.strength,
                "lag_s": self.lag_s, "chance_level": self.chance_level, "state": self.state}


def synchrony_row(signal: str, *, last_sample_s: float, window_s: float, grid_hz: float,
                  peak_r: float, peak_lag_s: float, chance_level: float) -> SynchronyRow:
    """Make the record of one heatmap row (the one place that decides strength and state).

    Parameters
    ----------
    signal : signal name.
    last_sample_s : time (s) of the newest grid sample in the lag-0 window.
    window_s : WCC window in seconds.
    grid_hz : rate of the grid in Hz.
    peak_r, peak_lag_s : the row's peak (NaN when none was found).
    chance_level : the live chance level of ``signal`` (NaN while unknown).
    """
    end_s = float(last_sample_s) + 1.0 / grid_hz
    strength = abs(float(peak_r))
    if math.isfinite(strength) and math.isfinite(chance_level):
        state = "in_sync" if strength > chance_level else "not_in_sync"
    else:
        state = "unknown"
    return SynchronyRow(signal=signal, window_start_s=end_s - window_s, window_end_s=end_s,
                        strength=strength, lag_s=float(peak_lag_s),
                        chance_level=float(chance_level), state=state)


class RowPeaks:
    """Peak picking and packing of heatmap rows for one set of lags.

    Parameters
    ----------
    lags_s : (n_lags,) lags in seconds, symmetric around 0.
    grid_hz : rate of the grid in Hz.
    window_s, step_s : WCC window and step (s), for the picked grid's metadata.
    """

    def __init__(self, lags_s: np.ndarray, *, grid_hz: float, window_s: float,
                 step_s: float) -> None:
        self.lags_s = np.asarray(lags_s, dtype=float)
        self.grid_hz, self.window_s, self.step_s = float(grid_hz), window_s, step_s
        self.pickable = len(self.lags_s) >= MIN_PICKABLE_LAGS

    def peaks(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Peak lag (s) and peak r of each row of ``r`` (n_rows, n_lags); NaN when none."""
        lag = np.full(len(r), np.nan)
        peak = np.full(len(r), np.nan)
        finite = np.isfinite(r)
        complete = finite.all(axis=1) & self.pickable
        if complete.any():
            grid = WccResult(window_start_s=np.arange(int(complete.sum()), dtype=float),
                             lags_s=self.lags_s, r=r[complete], fs_hz=self.grid_hz,
                             window_s=self.window_s, step_s=self.step_s, method="boker")
            picked = pick_peaks(grid)
            lag[complete], peak[complete] = picked.peak_lag_s, picked.peak_r
        fallback = ~complete & (2 * finite.sum(axis=1) >= r.shape[1])
        if fallback.any():
            best = np.argmax(np.where(finite[fallback], r[fallback], -np.inf), axis=1)
            lag[fallback] = self.lags_s[best]
            peak[fallback] = r[fallback][np.arange(len(best)), best]
        return lag, peak

    def table(self, row_t: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Packed rows ``[end time, peak lag, peak r, r at each lag...]``."""
        lag, peak = self.peaks(r)
        return np.column_stack([row_t, lag, peak, r])
