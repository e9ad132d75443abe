"""The live synchrony timeline: heatmap rows, their peaks, and one record per signal and window.

A heatmap row is the WCC of one window (r at every lag, Boker trailing windows: the lag-0
window ends at the newest grid sample). :class:`RowPeaks` picks its peak with
:func:`synchrony.engine.peaks.pick_peaks` (the Boker et al. 2002 peak nearest lag 0; a row
with missing cells but at least half of its lags falls back to its largest r) and packs
rows as ``[end time, peak lag, peak r, r at each lag...]`` (the heatmap's peak path).

:class:`SynchronyRow` is what outputs receive for each new window of each signal: the
synchrony timeline of :mod:`synchrony.analysis.timeline`, computed causally by the same
functions ``analyze`` uses (:func:`live_timeline_rows`): ``strength`` = the local
lag-profile peak over the trailing horizon, ``lag_s`` its lag, ``chance_level`` the same
statistic's 96th-percentile surrogate level (:mod:`synchrony.live.chance`), ``state`` from their
comparison -- ``unknown`` until the trailing horizon holds half a horizon of windows (the
rule recorded data use at their edges) and the chance level rests on enough shifts (the
live warm-up).

Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from synchrony.analysis.timeline import STATES, TimelineRules, lag_band, local_strength, states_of
from synchrony.engine.lag_profile import lag_profile, profile_peaks
from synchrony.engine.peaks import pick_peaks
from synchrony.engine.wcc import WccResult

__all__ = ["STATES", "RowPeaks", "SynchronyRow", "live_timeline_rows"]
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
    strength : the timeline strength (local lag-profile peak over the trailing horizon,
        mean Fisher z); NaN when unknown.
    lag_s : its lag in seconds (lag > 0: A leads, B follows); NaN when none.
    chance_level : the 96th-percentile surrogate level of the same statistic; NaN while
        unknown.
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


def live_timeline_rows(signal: str, rows: np.ndarray, n_new: int, *, lags_s: np.ndarray,
                       window_s: float, step_s: float, grid_hz: float, rules: TimelineRules,
                       chance: Callable[[np.ndarray, float], np.ndarray],
                       previous: str = "unknown") -> list[SynchronyRow]:
    """Make the :class:`SynchronyRow` of each of the newest ``n_new`` packed heatmap rows.

    Parameters
    ----------
    signal : signal name.
    rows : (n, ROW_HEAD + n_lags) packed rows of the signal, oldest first, the new ones last.
    n_new : how many of the last rows are new.
    lags_s : (n_lags,) lags in seconds.
    window_s, step_s : WCC window and step between rows (s).
    grid_hz : rate of the grid in Hz.
    rules : horizon, lag band and quantile of the timeline.
    chance : ``(counts, quantile) -> levels`` (:meth:`~synchrony.live.chance.ChanceLevels.
        levels`).
    previous : the state of the row before the new ones (hysteresis).
    """
    if n_new <= 0:
        return []
    r = rows[:, ROW_HEAD:]
    horizon = rules.horizon_windows(step_s)
    profile = lag_profile(r)[None, :]
    centre = float(profile_peaks(profile, lags_s)[1][0]) if np.isfinite(profile).any() \
        else math.nan
    recent = r[-(n_new + horizon - 1):]
    strength, lag, counts = local_strength(recent, lags_s, horizon_windows=horizon, causal=True,
                                           lags=lag_band(lags_s, centre, rules.lag_band_s))
    strength, lag, counts = strength[-n_new:], lag[-n_new:], counts[-n_new:]
    levels = chance(counts, rules.quantile)
    exit_level = chance(counts, rules.exit_quantile) if rules.exit_quantile else None
    states = states_of(strength, levels, counts, np.isfinite(r[-n_new:]).any(axis=1), horizon,
                       exit_level=exit_level, previous=previous)
    out = []
    for k in range(n_new):
        end_s = float(rows[len(rows) - n_new + k, 0]) + 1.0 / grid_hz
        out.append(SynchronyRow(signal=signal, window_start_s=end_s - window_s,
                                window_end_s=end_s, strength=float(strength[k]),
                                lag_s=float(lag[k]), chance_level=float(levels[k]),
                                state=str(states[k])))
    return out


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
