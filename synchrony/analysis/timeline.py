"""The synchrony timeline: per signal and window, strength, lag, chance level and state.

One piece of code for ``analyze`` (``timeline.csv``/``.parquet``, episodes), replay, the
annotated video and the live view (:mod:`synchrony.live.pipeline`, causally):

- **strength** of window ``i``: the peak of the *local* lag profile -- the mean Fisher z per
  lag over the WCC windows within ``horizon_s`` of it -- (Fisher z units, larger = more
  in-phase synchrony), searched within ``lag_band_s`` of the session lag; recorded data
  use a horizon centred on the window, the live view a trailing one
  (:func:`synchrony.engine.lag_profile.local_lag_profiles`). It is the session statistic
  (``profile_peak_z``) computed over a moving horizon instead of the whole session, so a
  window's strength averages enough windows that coupled and independent stretches
  separate (a single window's largest |r| over 81 lags is large by chance);
- **lag_s**: the argmax of the same local profile (parabolic refinement; lag > 0: A leads
  and B follows);
- **chance_level**: the ``quantile`` (96th percentile) of the *same* smoothed statistic on
  surrogate pairs (B circularly shifted against A by at least one window plus the maximum
  lag), pooled over the surrogate windows whose horizon holds about as many windows
  (within -20 % / +25 %) as this window's (:func:`chance_levels`);
- **state**: ``"in_sync"`` when strength > chance level (optionally, with
  ``TimelineRules.exit_quantile``, staying in sync until the strength falls to a lower
  quantile of the null), ``"not_in_sync"`` otherwise, ``"unknown"`` when the window
  itself has no data or its horizon holds fewer than half the windows of a full horizon
  (:func:`states_of`; the same rule live, where the trailing horizon fills up).

The horizon (25 s) and the episodes' sustain (15 s) were chosen on known truth with
``bench/episodes.py`` (docs/validation.md): against 15 s and 5 s they cut false ruptures
on constantly coupled dyads from 6.5 to 0.7 per 10 minutes and kept the timing of true
ruptures about where it was.

Episodes (:mod:`synchrony.analysis.episodes`) are sustained runs of these states.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from synchrony.analysis.methods import AnalysisParameters, min_shift_s
from synchrony.engine.lag_profile import local_lag_profiles, profile_peak_lag_s, profile_peaks
from synchrony.engine.surrogates import rearrangements
from synchrony.engine.wcc import WccResult, windowed_xcorr

STATES = ("in_sync", "not_in_sync", "unknown")
"""Values of a timeline's ``state``."""
STATE_WORDS = {"in_sync": "above chance", "not_in_sync": "not above chance",
               "unknown": "unknown"}
"""Each state in words, as the dashboard, replay and the annotated video say it."""
COLUMNS = ("signal", "window_start_s", "window_end_s", "strength", "lag_s", "chance_level",
           "state")
"""Columns of ``timeline.csv``/``.parquet`` and ``live_timeline.parquet`` (contract)."""
#: a horizon with fewer than this fraction of a full horizon's windows gives state unknown
MIN_HORIZON_FRACTION = 0.5
#: a surrogate window counts toward a window's chance level if its horizon holds between
#: these fractions of that window's windows
POOL_COUNT_RANGE = (0.8, 1.25)


@dataclass(frozen=True, slots=True)
class TimelineRules:
    """How the timeline is computed (see the module docstring).

    Attributes
    ----------
    horizon_s : smoothing horizon in seconds (windows within it are pooled).
    lag_band_s : the local peak is searched within this many seconds of the session lag
        (None: over all lags). A narrower search has a lower chance level, so coupled
        stretches separate better from independent ones (measured in docs/validation.md).
    quantile : quantile of the surrogate null that is the chance level (0-1): a window
        enters ``in_sync`` above it. The 96th percentile keeps the share of independent
        windows above chance at 5 %: the pooled null comes from shifts of one recording,
        which hold few independent alignments, and its 95th percentile let 6.4 % (1 min,
        600 pairs) and 6.3 % (2 min, 300 pairs) of independent windows through; the 96th
        5.5 % and 5.2 % (docs/validation.md).
    exit_quantile : hysteresis: an in-sync stretch ends only when the strength falls to
        this quantile of the same null (None, the default: every window on its own; the
        episodes' 15 s sustain rule is the hysteresis. An exit at the 75th percentile was
        measured and not kept: more independent windows in sync, no fewer false
        ruptures; docs/validation.md).
    n_shifts : circular shifts of B for the chance level.
    seed : seed of the shifts.
    """

    horizon_s: float = 25.0  # docs/validation.md: 15 s gave 6.5 false ruptures per 10 min
    lag_band_s: float | None = 0.5
    quantile: float = 0.96  # 5 % of independent windows above chance (docstring)
    exit_quantile: float | None = None
    n_shifts: int = 39
    seed: int = 0

    def horizon_windows(self, step_s: float) -> int:
        """Windows per horizon at a window step of ``step_s`` seconds (at least 1)."""
        return max(1, int(round(self.horizon_s / step_s)))


def lag_band(lags_s: np.ndarray, centre_s: float, half_width_s: float | None) -> np.ndarray:
    """Boolean mask of the lags within ``half_width_s`` of ``centre_s`` (all if None/NaN)."""
    lags = np.asarray(lags_s, dtype=float)
    if half_width_s is None or not math.isfinite(centre_s):
        return np.ones(len(lags), dtype=bool)
    nearest = lags[np.argmin(np.abs(lags - centre_s))]
    return np.abs(lags - nearest) <= half_width_s + 1e-9


def local_strength(r: np.ndarray, lags_s: np.ndarray, *, horizon_windows: int,
                   causal: bool = False, lags: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Strength, lag (s) and horizon window count of every window of a WCC grid.

    See the module docstring; ``causal``: trailing horizons (live), else centred; ``lags``:
    boolean mask of the lag columns searched for the peak (all by default).
    """
    profiles, counts = local_lag_profiles(r, horizon_windows=horizon_windows, causal=causal)
    if lags is not None:
        profiles = np.where(lags[None, :], profiles, np.nan)
    strength, lag_s = profile_peaks(profiles, lags_s)
    return strength, lag_s, counts


def chance_levels(counts: np.ndarray, null_strength: np.ndarray, null_counts: np.ndarray,
                  quantile: float) -> np.ndarray:
    """Chance level of each window from the pooled surrogate values (module docstring).

    Parameters
    ----------
    counts : (n,) windows in each observed window's horizon.
    null_strength, null_counts : surrogate strengths and their horizon counts (any shape,
        flattened).
    quantile : the quantile (0-1) that is the chance level.

    Returns
    -------
    numpy.ndarray
        (n,) chance levels; NaN where no surrogate value could be pooled.
    """
    values = np.asarray(null_strength, dtype=float).ravel()
    pool_counts = np.asarray(null_counts).ravel()
    ok = np.isfinite(values)
    values, pool_counts = values[ok], pool_counts[ok]
    out = np.full(len(counts), np.nan)
    lo, hi = POOL_COUNT_RANGE
    for c in np.unique(counts):
        mask = (pool_counts >= lo * c) & (pool_counts <= hi * c)
        if c > 0 and mask.any():
            out[counts == c] = np.quantile(values[mask], quantile)
    return out


def states_of(strength: np.ndarray, chance: np.ndarray, counts: np.ndarray,
              has_data: np.ndarray, horizon_windows: int,
              min_fraction: float = MIN_HORIZON_FRACTION, exit_level: np.ndarray | None = None,
              previous: str = "unknown") -> np.ndarray:
    """State of each window: ``in_sync``, ``not_in_sync`` or ``unknown`` (module docstring).

    ``min_fraction``: the fraction of a full horizon's windows a window's horizon must hold
    to be known (recorded and live alike: half a horizon). ``exit_level``
    (hysteresis): once in sync, a window stays in sync until its strength falls to or below
    this level (lower than ``chance``); ``previous`` is the state before the first window
    (for the live view, which goes on from its last row). Without ``exit_level`` every
    window is decided on its own: in sync when strength > chance.
    """
    known = (has_data & np.isfinite(strength) & np.isfinite(chance)
             & (counts >= min_fraction * horizon_windows))
    above = strength > chance
    if exit_level is None:
        return np.where(known, np.where(above, "in_sync", "not_in_sync"), "unknown")
    stay = strength > np.where(np.isfinite(exit_level), exit_level, chance)
    out = np.empty(len(strength), dtype=object)
    state = previous
    for i in range(len(strength)):
        if not known[i]:
            state = "unknown"
        elif above[i] or (state == "in_sync" and stay[i]):
            state = "in_sync"
        else:
            state = "not_in_sync"
        out[i] = state
    return out.astype(str)


@dataclass(frozen=True)
class Timeline:
    """The synchrony timeline of one signal (arrays (n_windows,), times in seconds).

    Attributes
    ----------
    signal : signal name.
    window_start_s, window_end_s : each WCC window, on the clock of the source.
    strength : local lag-profile peak (mean Fisher z); NaN where undefined.
    lag_s : its lag (lag > 0: A leads, B follows); NaN where undefined.
    chance_level : the surrogate level (``TimelineRules.quantile``) of the same statistic;
        NaN while unknown.
    state : ``in_sync``, ``not_in_sync`` or ``unknown``.
    window_r : r of each window (unsmoothed) at the session lag, for placing episode
        boundaries (NaN where undefined).
    horizon_s : the smoothing horizon.
    """

    signal: str
    window_start_s: np.ndarray
    window_end_s: np.ndarray
    strength: np.ndarray
    lag_s: np.ndarray
    chance_level: np.ndarray
    state: np.ndarray
    window_r: np.ndarray
    horizon_s: float

    @property
    def window_s(self) -> float:
        """WCC window length in seconds (NaN without windows)."""
        return float(self.window_end_s[0] - self.window_start_s[0]) if len(self.state) \
            else math.nan

    @property
    def step_s(self) -> float:
        """Step between windows in seconds (the window length if there is only one)."""
        starts = np.asarray(self.window_start_s, dtype=float)
        return float(np.median(np.diff(starts))) if len(starts) > 1 else self.window_s

    @property
    def centre_s(self) -> np.ndarray:
        """(n_windows,) centre time of each window in seconds."""
        return 0.5 * (np.asarray(self.window_start_s, dtype=float)
                      + np.asarray(self.window_end_s, dtype=float))

    def window_at(self, time_s: float) -> int | None:
        """Index of the window centred nearest ``time_s`` (within one step), else None."""
        centre = self.centre_s
        if centre.size == 0:
            return None
        k = int(np.argmin(np.abs(centre - time_s)))
        return k if abs(centre[k] - time_s) <= self.step_s else None

    def columns(self) -> dict[str, list[object]]:
        """Return the table columns (:data:`COLUMNS`) as lists, one row per window."""
        n = len(self.strength)
        return {"signal": [self.signal] * n,
                **{name: np.asarray(getattr(self, name), dtype=float).tolist()
                   for name in COLUMNS[1:-1]},
                "state": [str(s) for s in self.state]}


def null_strengths(a: np.ndarray, b: np.ndarray, *, fs_hz: float, params: AnalysisParameters,
                   rules: TimelineRules) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Local strengths and counts of each surrogate pair (circular shifts of B).

    Each surrogate's lag band is centred on its *own* session lag, as the observed one is
    (a band chosen on the observed data would otherwise favour it).
    """
    duration_s = len(a) / fs_hz
    shift_s = min_shift_s(params, duration_s)
    if rules.n_shifts < 1 or duration_s < 2 * shift_s + 1.0 / fs_hz:
        return
    horizon = rules.horizon_windows(params.step_s)
    for idx in rearrangements(len(a), fs_hz=fs_hz, method="circular_shift",
                              n_surrogates=rules.n_shifts, min_shift_s=shift_s,
                              seed=rules.seed):
        grid = windowed_xcorr(a, b[idx], fs_hz=fs_hz, window_s=params.window_s,
                              step_s=params.step_s, max_lag_s=params.max_lag_s,
                              windowing=params.windowing)
        lags = lag_band(grid.lags_s, profile_peak_lag_s(grid), rules.lag_band_s)
        strength, _, counts = local_strength(grid.r, grid.lags_s, horizon_windows=horizon,
                                             lags=lags)
        yield strength, counts


def build_timeline(signal: str, grid: WccResult, a: np.ndarray, b: np.ndarray, *,
                   fs_hz: float, origin_s: float, params: AnalysisParameters,
                   rules: TimelineRules | None = None) -> Timeline:
    """Compute the timeline of one signal of recorded data (centred horizons).

    Parameters
    ----------
    signal : signal name.
    grid : the WCC grid of (a, b) with ``params``.
    a, b : (n,) the series on the grid (NaN = missing).
    fs_hz : grid rate in Hz.
    origin_s : time of the first grid sample on the source's clock (s).
    params : the analysis parameters (window, step, lags, windowing).
    rules : horizon, quantile, shifts and seed.
    """
    rules = rules or TimelineRules(seed=params.seed)
    horizon = rules.horizon_windows(params.step_s)
    session_lag_s = profile_peak_lag_s(grid)
    lags = lag_band(grid.lags_s, session_lag_s, rules.lag_band_s)
    strength, lag_s, counts = local_strength(grid.r, grid.lags_s, horizon_windows=horizon,
                                             lags=lags)
    nulls = list(null_strengths(a, b, fs_hz=fs_hz, params=params, rules=rules))
    chance = exit_level = np.full(len(strength), np.nan)
    if nulls:
        pooled = (np.concatenate([s for s, _ in nulls]), np.concatenate([c for _, c in nulls]))
        chance = chance_levels(counts, *pooled, rules.quantile)
        if rules.exit_quantile is not None:
            exit_level = chance_levels(counts, *pooled, rules.exit_quantile)
    has_data = np.isfinite(grid.r).any(axis=1)
    start_s = origin_s + np.asarray(grid.window_start_s, dtype=float)
    return Timeline(signal=signal, window_start_s=start_s, window_end_s=start_s + params.window_s,
                    strength=strength, lag_s=lag_s, chance_level=chance,
                    state=states_of(strength, chance, counts, has_data, horizon,
                                    exit_level=exit_level if rules.exit_quantile else None),
                    window_r=r_at_lag(grid.r, grid.lags_s, np.full(len(lag_s), session_lag_s)),
                    horizon_s=rules.horizon_s)


def r_at_lag(r: np.ndarray, lags_s: np.ndarray, lag_s: np.ndarray) -> np.ndarray:
    """(n_windows,) each window's r at the grid lag nearest its ``lag_s`` (NaN if none)."""
    lags = np.asarray(lags_s, dtype=float)
    ok = np.isfinite(lag_s)
    col = np.abs(lags[None, :] - np.where(ok, lag_s, 0.0)[:, None]).argmin(axis=1)
    return np.where(ok, np.asarray(r)[np.arange(len(col)), col], math.nan)
