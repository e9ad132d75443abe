"""Episodes: sustained high synchrony, ruptures and repairs, per signal (Qt-free).

Input, per signal: the per-window synchrony strength ``peak_abs_r`` -- the largest |r| over
lags of each WCC window (:func:`synchrony.analysis.pair.window_abs_max`, the quantity whose mean
is ``mean_abs_peak_r`` in summary.json) -- and a chance threshold.

Threshold (``threshold_r``): the ``quantile`` (default 95th percentile) of the same per-window
statistic over ``n_shifts`` surrogate pairs in which B is circularly shifted against A by at
least one window plus the maximum lag (the shift rule of the session's surrogate test in
:mod:`synchrony.analysis`), all surrogate windows pooled. The session test's own null
(``SurrogateTest.null``) holds *means over windows*, whose spread is far narrower than one
window's, so it cannot serve as a per-window threshold; the pooled per-window null can: a
window of an independent pair exceeds it with probability ~5 %.

Rules (``EpisodeRules``), on windows in time order, each window labelled *high*
(``peak_abs_r >= threshold_r``), *low*, or *unknown* (NaN):

1. a run of high or low windows lasting at least ``sustain = max(min_windows,
   ceil(min_s / step_s))`` windows switches the state; a shorter run is absorbed into the
   current state (a blip does not end an episode); unknown windows end every episode;
2. a high stretch is a ``"synchrony"`` episode;
3. a low stretch that directly follows a high stretch is a ``"rupture"``: coupling dropped
   below chance level for a sustained time after having been above it;
4. the high stretch that directly follows a rupture is a ``"repair"`` (instead of
   ``"synchrony"``; kinds do not overlap, so synchrony and repair together are the
   high-synchrony stretches).

Times: window ``k`` stands for the ``step_s`` around its centre (its start + ``window_s``/2,
on the session clock), so an episode of windows ``i..j`` runs from ``centre[i] - step/2`` to
``centre[j] + step/2``. ``strength`` is the mean ``peak_abs_r`` of its windows.
Sign convention of the lags in the timeline: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from synchrony.analysis.pair import (
    AnalysisParameters,
    SignalAnalysis,
    too_short_reason,
    window_abs_max,
)
from synchrony.engine.lead import SIGN_CONVENTION
from synchrony.engine.wcc import windowed_xcorr
from synchrony.signals.extract import SignalSet

EPISODES_SCHEMA = "synchrony.episodes/1"
KINDS = ("synchrony", "rupture", "repair")
CSV_HEADER = ("signal", "kind", "start_s", "end_s", "duration_s", "strength_mean_abs_peak_r",
              "n_windows", "threshold_r")
_HIGH, _LOW, _UNKNOWN = 1, 0, -1


@dataclass(frozen=True, slots=True)
class EpisodeRules:
    """How episodes are found (see the module docstring).

    Attributes
    ----------
    min_windows : a state must last at least this many windows to count.
    min_s : … and at least this many seconds of window steps.
    quantile : quantile of the surrogate per-window null used as threshold (0-1).
    n_shifts : surrogate circular shifts pooled for the threshold.
    seed : random seed of the shifts.
    """

    min_windows: int = 3
    min_s: float = 3.0
    quantile: float = 0.95
    n_shifts: int = 19
    seed: int = 0

    def sustain_windows(self, step_s: float) -> int:
        """Windows a state must last at a window step of ``step_s`` seconds."""
        return max(self.min_windows, math.ceil(self.min_s / step_s - 1e-9))


@dataclass(frozen=True, slots=True)
class Episode:
    """One episode: ``kind`` in KINDS, times in seconds on the session clock."""

    signal: str
    kind: str
    start_s: float
    end_s: float
    strength: float
    n_windows: int

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class SignalTimeline:
    """Per-window synchrony of one signal, on the session clock.

    Attributes
    ----------
    signal : signal name.
    window_s, step_s : WCC window and step in seconds.
    centre_s : (n_windows,) centre time of each window in seconds.
    peak_abs_r : (n_windows,) largest |r| over lags (NaN: no data).
    peak_r, peak_lag_s : (n_windows,) Boker peak r and its lag in s (lag > 0: A leads).
    threshold_r : chance threshold of ``peak_abs_r`` (NaN if it could not be computed).
    """

    signal: str
    window_s: float
    step_s: float
    centre_s: np.ndarray
    peak_abs_r: np.ndarray
    peak_r: np.ndarray
    peak_lag_s: np.ndarray
    threshold_r: float

    def window_at(self, time_s: float) -> int | None:
        """Index of the window centred nearest ``time_s`` (within one step), else None."""
        if self.centre_s.size == 0:
            return None
        k = int(np.argmin(np.abs(self.centre_s - time_s)))
        return k if abs(self.centre_s[k] - time_s) <= self.step_s else None


@dataclass(frozen=True)
class EpisodeReport:
    """Timelines and episodes of all analysed signals."""

    timelines: dict[str, SignalTimeline]
    episodes: list[Episode]
    rules: EpisodeRules = field(default_factory=EpisodeRules)

    def to_json(self) -> dict[str, Any]:
        """Return the content of ``episodes.json``."""
        return {
            "schema": EPISODES_SCHEMA, "sign_convention": SIGN_CONVENTION,
            "rules": asdict(self.rules),
            "signals": {name: {k: v for k, v in vars_of(t).items() if k != "signal"}
                        for name, t in self.timelines.items()},
            "episodes": [asdict(e) for e in self.episodes],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EpisodeReport:
        """Inverse of :meth:`to_json` (null numbers become NaN)."""
        timelines = {}
        for name, t in data["signals"].items():
            arrays = {k: np.array([math.nan if v is None else v for v in t[k]], dtype=float)
                      for k in ("centre_s", "peak_abs_r", "peak_r", "peak_lag_s")}
            threshold = t["threshold_r"] if t["threshold_r"] is not None else math.nan
            timelines[name] = SignalTimeline(name, t["window_s"], t["step_s"], **arrays,
                                             threshold_r=threshold)
        episodes = [Episode(**{**e, "strength": math.nan if e["strength"] is None
                               else e["strength"]}) for e in data["episodes"]]
        return cls(timelines, episodes, EpisodeRules(**data.get("rules", {})))


def vars_of(timeline: SignalTimeline) -> dict[str, Any]:
    """Return a timeline's fields as a dict (arrays kept)."""
    return {name: getattr(timeline, name) for name in SignalTimeline.__dataclass_fields__}


def _runs(states: np.ndarray) -> list[tuple[int, int, int]]:
    """(state, first, stop) of each run of equal states (stop exclusive)."""
    if states.size == 0:
        return []
    edges = np.flatnonzero(np.diff(states)) + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [states.size]])
    return [(int(states[a]), int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def sustained_segments(states: np.ndarray, sustain: int) -> list[list[int]]:
    """``[state, first, stop]`` stretches after absorbing runs shorter than ``sustain``."""
    segments: list[list[int]] = []
    current: list[int] | None = None
    for state, first, stop in _runs(states):
        if state == _UNKNOWN:
            current = None
        elif current is not None and state == current[0]:
            current[2] = stop
        elif stop - first >= sustain:
            current = [state, first, stop]
            segments.append(current)
        elif current is not None:
            current[2] = stop  # a blip: absorbed into the ongoing state
    return segments


def find_episodes(timeline: SignalTimeline, rules: EpisodeRules | None = None) -> list[Episode]:
    """Synchrony, rupture and repair episodes of one signal (rules: module docstring)."""
    rules = rules or EpisodeRules()
    r = timeline.peak_abs_r
    if not math.isfinite(timeline.threshold_r) or r.size == 0:
        return []
    states = np.where(np.isfinite(r), np.where(r >= timeline.threshold_r, _HIGH, _LOW),
                      _UNKNOWN)
    segments = sustained_segments(states, rules.sustain_windows(timeline.step_s))
    episodes: list[Episode] = []
    previous: tuple[str, int] | None = None  # kind and stop of the stretch before
    for state, first, stop in segments:
        adjacent = previous is not None and previous[1] == first
        after = previous[0] if adjacent and previous is not None else None
        if state == _HIGH:
            kind = "repair" if after == "rupture" else "synchrony"
        elif after in ("synchrony", "repair"):
            kind = "rupture"
        else:
            previous = ("low", stop)
            continue
        window = r[first:stop]
        half = timeline.step_s / 2
        episodes.append(Episode(
            timeline.signal, kind, float(timeline.centre_s[first] - half),
            float(timeline.centre_s[stop - 1] + half),
            float(np.mean(window[np.isfinite(window)])), stop - first))
        previous = (kind, stop)
    return episodes


def window_null_threshold(a: np.ndarray, b: np.ndarray, *, fs_hz: float,
                          params: AnalysisParameters, rules: EpisodeRules | None = None
                          ) -> float:
    """Chance threshold of the per-window peak |r|: surrogate quantile (module docstring).

    Parameters
    ----------
    a, b : (n,) A's and B's series on the grid.
    fs_hz : grid rate in Hz.
    params : the analysis' window, step, maximum lag (s) and WCC windowing.
    rules : quantile, number of shifts and seed.

    Returns
    -------
    float
        The threshold, NaN when the series is too short for any shift or has no windows.
    """
    rules = rules or EpisodeRules()
    n = len(a)
    min_shift = max(1, round(min(params.window_s + params.max_lag_s, n / fs_hz / 4) * fs_hz))
    offsets = np.arange(min_shift, n - min_shift + 1)
    if offsets.size == 0 or rules.n_shifts < 1 or too_short_reason(n, fs_hz, params):
        return math.nan
    rng = np.random.default_rng(rules.seed)
    chosen = rng.choice(offsets, size=min(rules.n_shifts, offsets.size), replace=False)
    pooled = np.concatenate([window_abs_max(windowed_xcorr(
        a, np.roll(b, int(k)), fs_hz=fs_hz, window_s=params.window_s, step_s=params.step_s,
        max_lag_s=params.max_lag_s, windowing=params.windowing).r) for k in chosen])
    pooled = pooled[np.isfinite(pooled)]
    return float(np.quantile(pooled, rules.quantile)) if pooled.size else math.nan


def timeline_of(analysis: SignalAnalysis, a: np.ndarray, b: np.ndarray, *, fs_hz: float,
                origin_s: float, params: AnalysisParameters,
                rules: EpisodeRules | None = None) -> SignalTimeline:
    """Build the :class:`SignalTimeline` of one analysed signal (``origin_s``: first grid time)."""
    return SignalTimeline(
        signal=analysis.signal, window_s=params.window_s, step_s=params.step_s,
        centre_s=origin_s + analysis.wcc.window_start_s + params.window_s / 2,
        peak_abs_r=analysis.window_abs_max_r, peak_r=analysis.peaks.peak_r,
        peak_lag_s=analysis.peaks.peak_lag_s,
        threshold_r=window_null_threshold(a, b, fs_hz=fs_hz, params=params, rules=rules))


def analysis_episodes(signals: SignalSet, analyses: Mapping[str, SignalAnalysis],
                      params: AnalysisParameters, rules: EpisodeRules | None = None
                      ) -> EpisodeReport:
    """Timelines and episodes of every analysed signal."""
    rules = rules or EpisodeRules(seed=params.seed)
    origin_s = float(signals.time_s[0]) if len(signals.time_s) else 0.0
    timelines = {
        name: timeline_of(analysis, *signals.pair(name), fs_hz=signals.grid_hz,
                          origin_s=origin_s, params=params, rules=rules)
        for name, analysis in analyses.items()
    }
    episodes = [e for t in timelines.values() for e in find_episodes(t, rules)]
    return EpisodeReport(timelines, episodes, rules)
