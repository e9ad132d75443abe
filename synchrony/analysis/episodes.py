"""Episodes: sustained synchrony, ruptures and repairs, per signal (Qt-free).

Input, per signal: the synchrony timeline (:mod:`synchrony.analysis.timeline`): each
window's state ``in_sync`` (smoothed strength above the surrogate chance level of the
same smoothed statistic), ``not_in_sync`` or ``unknown``.

Rules (``EpisodeRules``), on windows in time order:

1. a run of ``in_sync`` or ``not_in_sync`` windows lasting at least ``sustain =
   max(min_windows, ceil(min_s / step_s))`` windows switches the state; a shorter run is
   absorbed into the current state (hysteresis: a blip does not end an episode);
   ``unknown`` windows (no data, or too little in the horizon) end every episode;
2. an in-sync stretch is a ``"synchrony"`` episode;
3. a not-in-sync stretch that directly follows an in-sync stretch is a ``"rupture"``:
   coupling dropped below chance level for a sustained time after having been above it;
4. the in-sync stretch that directly follows a rupture is a ``"repair"`` (instead of
   ``"synchrony"``; kinds do not overlap).

Boundaries: the smoothed strength crosses the chance level late (the horizon averages
both sides of a change), so where two stretches meet the boundary is placed by a
least-squares step fit to the *unsmoothed* per-window r at the session lag
(``Timeline.window_r``; r, not Fisher z, so that a window half in each stretch sits
half-way) within one horizon on either side
(:func:`step_boundary`); elsewhere an episode runs from ``centre[first] - step/2`` to
``centre[last] + step/2`` (window centres on the session clock). ``strength`` is the mean
smoothed strength of its windows; ``confidence`` the fraction of its windows whose state
agrees with its kind. Accuracy on generated dyads: ``docs/validation.md``.
Sign convention of the lags in the timeline: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from synchrony.analysis.pair import AnalysisParameters, SignalAnalysis
from synchrony.analysis.timeline import COLUMNS, Timeline, TimelineRules, build_timeline
from synchrony.engine.lead import SIGN_CONVENTION
from synchrony.signals.extract import SignalSet

EPISODES_SCHEMA = "synchrony.episodes/2"
KINDS = ("synchrony", "rupture", "repair")
CSV_HEADER = ("signal", "kind", "start_s", "end_s", "duration_s", "strength", "confidence",
              "n_windows", "chance_level")
_HIGH, _LOW, _UNKNOWN = 1, 0, -1
_CODES = {"in_sync": _HIGH, "not_in_sync": _LOW, "unknown": _UNKNOWN}
#: old name of the per-signal timeline (replay, render and the GUI import it)
SignalTimeline = Timeline


@dataclass(frozen=True, slots=True)
class EpisodeRules:
    """How episodes are found (see the module docstring).

    Attributes
    ----------
    min_windows : a state must last at least this many windows to count.
    min_s : … and at least this many seconds of window steps.
    refine : place boundaries between stretches by a step fit (module docstring).
    """

    min_windows: int = 3
    min_s: float = 15.0  # docs/validation.md: 5 s gave 6.5 false ruptures per 10 min
    refine: bool = True

    def sustain_windows(self, step_s: float) -> int:
        """Windows a state must last at a window step of ``step_s`` seconds."""
        return max(self.min_windows, math.ceil(self.min_s / step_s - 1e-9))


@dataclass(frozen=True, slots=True)
class Episode:
    """One episode: ``kind`` in KINDS, times in seconds on the session clock.

    ``strength``: mean smoothed strength of its windows; ``confidence``: fraction of its
    windows whose state agrees with its kind (in sync for synchrony and repair).
    """

    signal: str
    kind: str
    start_s: float
    end_s: float
    strength: float
    n_windows: int
    confidence: float = math.nan

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class EpisodeReport:
    """Timelines and episodes of all analysed signals."""

    timelines: dict[str, Timeline]
    episodes: list[Episode]
    rules: EpisodeRules = field(default_factory=EpisodeRules)
    timeline_rules: TimelineRules = field(default_factory=TimelineRules)

    def to_json(self) -> dict[str, Any]:
        """Return the content of ``episodes.json``."""
        return {
            "schema": EPISODES_SCHEMA, "sign_convention": SIGN_CONVENTION,
            "rules": asdict(self.rules), "timeline_rules": asdict(self.timeline_rules),
            "signals": {name: {**{k: v for k, v in t.columns().items() if k != "signal"},
                               "window_r": np.asarray(t.window_r, dtype=float).tolist(),
                               "horizon_s": t.horizon_s}
                        for name, t in self.timelines.items()},
            "episodes": [asdict(e) for e in self.episodes],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EpisodeReport:
        """Inverse of :meth:`to_json` (null numbers become NaN)."""
        timelines = {}
        for name, t in data["signals"].items():
            arrays = {k: np.array([math.nan if v is None else v for v in t[k]], dtype=float)
                      for k in (*COLUMNS[1:-1], "window_r")}
            timelines[name] = Timeline(signal=name, **arrays,
                                       state=np.array(t["state"], dtype=str),
                                       horizon_s=float(t["horizon_s"]))
        episodes = [Episode(**{k: math.nan if v is None else v  # type: ignore[arg-type]
                               for k, v in e.items()}) for e in data["episodes"]]
        return cls(timelines, episodes, EpisodeRules(**data.get("rules", {})),
                   TimelineRules(**data.get("timeline_rules", {})))


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


def step_boundary(y: np.ndarray, lo: int, hi: int) -> int | None:
    """Index ``k`` in ``(lo, hi)`` that best splits ``y[lo:hi]`` into two constant parts.

    Least squares over the finite values (NaN left out); at least two finite values on each
    side. None when no split qualifies.
    """
    seg = np.asarray(y[lo:hi], dtype=float)
    ok = np.isfinite(seg)
    n_left = np.cumsum(ok)
    s_left = np.cumsum(np.where(ok, seg, 0.0))
    q_left = np.cumsum(np.where(ok, seg * seg, 0.0))
    n_tot, s_tot, q_tot = n_left[-1] if len(seg) else 0, s_left[-1] if len(seg) else 0.0, \
        q_left[-1] if len(seg) else 0.0
    # split before position j (1..len-1): left = seg[:j]
    nl, sl, ql = n_left[:-1], s_left[:-1], q_left[:-1]
    nr, sr, qr = n_tot - nl, s_tot - sl, q_tot - ql
    valid = (nl >= 2) & (nr >= 2)
    if not valid.any():
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        sse = (ql - sl * sl / np.maximum(nl, 1)) + (qr - sr * sr / np.maximum(nr, 1))
    j = int(np.argmin(np.where(valid, sse, np.inf)))
    return lo + j + 1


def _boundaries(timeline: Timeline, segments: list[list[int]], horizon: int,
                refine: bool) -> dict[int, float]:
    """Time (s) of each boundary where two stretches meet, keyed by the later one's first."""
    centre, step = timeline.centre_s, timeline.step_s
    y = np.asarray(timeline.window_r, dtype=float)
    out: dict[int, float] = {}
    for prev, nxt in zip(segments, segments[1:], strict=False):
        if prev[2] != nxt[1]:
            continue
        b = nxt[1]
        k = step_boundary(y, max(prev[1], b - horizon), min(nxt[2], b + horizon)) \
            if refine else None
        k = b if k is None else k
        out[b] = float(0.5 * (centre[k - 1] + centre[k])) if k > 0 else float(centre[0] - step / 2)
    return out


def find_episodes(timeline: Timeline, rules: EpisodeRules | None = None) -> list[Episode]:
    """Synchrony, rupture and repair episodes of one signal (rules: module docstring)."""
    rules = rules or EpisodeRules()
    n = len(timeline.state)
    if n == 0:
        return []
    step = timeline.step_s
    states = np.array([_CODES.get(str(s), _UNKNOWN) for s in timeline.state])
    segments = sustained_segments(states, rules.sustain_windows(step))
    horizon = max(1, int(round(timeline.horizon_s / step)))
    bounds = _boundaries(timeline, segments, horizon, rules.refine)
    centre = timeline.centre_s
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
        strength = timeline.strength[first:stop]
        agree = states[first:stop] == state
        episodes.append(Episode(
            timeline.signal, kind, bounds.get(first, float(centre[first] - step / 2)),
            bounds.get(stop, float(centre[stop - 1] + step / 2)),
            float(np.mean(strength[np.isfinite(strength)])) if np.isfinite(strength).any()
            else math.nan, stop - first, float(agree.mean())))
        previous = (kind, stop)
    return episodes


def analysis_episodes(signals: SignalSet, analyses: Mapping[str, SignalAnalysis],
                      params: AnalysisParameters, rules: EpisodeRules | None = None,
                      timeline_rules: TimelineRules | None = None) -> EpisodeReport:
    """Timelines and episodes of every analysed signal."""
    rules = rules or EpisodeRules()
    timeline_rules = timeline_rules or TimelineRules(seed=params.seed)
    origin_s = float(signals.time_s[0]) if len(signals.time_s) else 0.0
    timelines = {
        name: build_timeline(name, analysis.wcc, *signals.pair(name), fs_hz=signals.grid_hz,
                             origin_s=origin_s, params=params, rules=timeline_rules)
        for name, analysis in analyses.items()
    }
    episodes = [e for t in timelines.values() for e in find_episodes(t, rules)]
    return EpisodeReport(timelines, episodes, rules, timeline_rules)
