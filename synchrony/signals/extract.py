"""Tracked frames -> every registered signal of both people on a uniform grid (batch).

The signals themselves (names, units, features, compute functions) are the table in
:mod:`synchrony.signals.registry`; the built-in four are described in
:mod:`synchrony.signals.builtin`. Here, for a whole run of frames:

1. :func:`person_features`: each person's raw features per frame (every registered feature,
   NaN = not seen), made continuous where a feature asks for it (quaternion signs);
2. every feature is resampled by timestamp onto the grid ``t0 + k / grid_hz``
   (:func:`synchrony.signals.grid.resample`: linear interpolation across gaps of at most
   ``max_gap_s``; longer gaps and missing people stay NaN); frames with a whole-frame
   event (duplicated frame, lighting step, camera bump: :mod:`synchrony.signals.frame_events`)
   are missing samples there, not stillness;
3. :func:`signals_from_grid`: each registered signal's compute function (zero-phase
   low-pass at ``cutoff_hz``, then differentiated, for the built-in ones);
4. with a calibration noise floor, stretches below it become "no movement"
   (:func:`mark_no_movement`); :attr:`SignalSet.no_movement_fraction` says how much of each
   signal that took.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from synchrony.records import PERSONS, TrackedFrame

from .builtin import (
    MIN_RELIABLE_VISIBILITY,
    MIN_VISIBILITY,
    median_shoulder_width_px,
    reliable_landmarks,
)
from .frame_events import FrameEvent, bump_cuts, find_frame_events, missing_frames
from .grid import (
    DEFAULT_CUTOFF_HZ,
    DEFAULT_MAX_GAP_S,
    lowpass,
    resample,
    uniform_grid,
)
from .registry import (
    SignalContext,
    align_features,
    compute_signals,
    extract_run,
    registered_features,
)

__all__ = [
    "DEFAULT_CUTOFF_HZ",
    "DEFAULT_MAX_GAP_S",
    "MIN_RELIABLE_VISIBILITY",
    "MIN_STILL_S",
    "MOSTLY_NO_MOVEMENT",
    "MIN_VISIBILITY",
    "SignalSet",
    "extract_signals",
    "lowpass",
    "mark_no_movement",
    "no_movement_fraction",
    "median_shoulder_width_px",
    "person_features",
    "reliable_landmarks",
    "resample",
    "signals_from_grid",
    "uniform_grid",
]

#: A stretch below the noise floor must last this long to count as "no movement".
MIN_STILL_S = 1.0
#: A noise floor marking more than this fraction of a signal is reported (the baseline
#: was probably taken while the person moved).
MOSTLY_NO_MOVEMENT = 0.5


@dataclass(frozen=True, slots=True)
class SignalSet:
    """All signals of both people on one grid.

    Attributes
    ----------
    time_s : (n,) grid times in seconds (same clock as the frames' ``timestamp_s``).
    grid_hz : grid rate in Hz.
    values : ``"A_body"``, ``"B_body"``, … -> (n,) arrays, NaN where unknown.
    detected_fraction : person -> fraction of frames with a pose (``pose``) / face (``face``).
    """

    time_s: np.ndarray
    grid_hz: float
    values: dict[str, np.ndarray]
    detected_fraction: dict[str, dict[str, float]]
    #: ``"A_body"`` … -> fraction of the signal's known samples (finite before the noise
    #: floor) that the floor marked "no movement"; only signals that had a floor.
    no_movement_fraction: dict[str, float] = field(default_factory=dict)
    #: Frames with a whole-frame event, treated as missing samples (in time order).
    frame_events: tuple[FrameEvent, ...] = ()

    def pair(self, signal: str) -> tuple[np.ndarray, np.ndarray]:
        """Return the (A, B) series of one signal."""
        return self.values[f"A_{signal}"], self.values[f"B_{signal}"]

    def no_movement(self, signal: str) -> dict[str, float]:
        """Return ``{"A": fraction, "B": fraction}`` marked "no movement" (0.0 without a floor)."""
        return {p: self.no_movement_fraction.get(f"{p}_{signal}", 0.0) for p in PERSONS}

    def mostly_no_movement(self, above: float = MOSTLY_NO_MOVEMENT) -> dict[str, dict[str, float]]:
        """Return person -> {signal: fraction} for the signals marked more than ``above``."""
        out: dict[str, dict[str, float]] = {}
        for key, fraction in self.no_movement_fraction.items():
            if fraction > above:
                person, name = key.split("_", 1)
                out.setdefault(person, {})[name] = fraction
        return out


def person_features(frames: Sequence[TrackedFrame], person: int) -> dict[str, np.ndarray]:
    """Per-frame raw features of one person (index 0 = A): every registered feature.

    The built-in ones: ``upper_body_px`` (n, 7, 2), ``upper_body_visibility`` (n, 7),
    ``shoulder_width_px`` (n,), ``head_quat`` (n, 4), ``head_cm`` (n, 3),
    ``blendshapes`` (n, 51), ``motion`` (n,); in pixels / cm / coefficients, NaN = not
    seen. Features with an ``align`` function are made continuous over the frames.
    """
    observations = [f.people[person] for f in frames]
    sizes_px = np.array([f.size_px for f in frames], dtype=np.float64).reshape(len(frames), 2)
    return align_features({feature.name: extract_run(feature, observations, sizes_px)
                           for feature in registered_features()})


def signals_from_grid(grid: Mapping[str, np.ndarray], *, grid_hz: float, scale_px: float,
                      cutoff_hz: float = DEFAULT_CUTOFF_HZ, causal: bool = False,
                      landmarks: np.ndarray | None = None,
                      names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Every registered signal (or ``names``) of one person from features on the grid.

    ``grid`` holds :func:`person_features` keys resampled onto the grid; ``scale_px`` is
    the shoulder width used for ``body``; ``landmarks`` is an optional (7,) mask of the
    upper-body landmarks to use (see :func:`reliable_landmarks`). ``causal=True`` uses
    only past samples (live).
    """
    context = SignalContext(grid_hz=grid_hz, cutoff_hz=cutoff_hz, causal=causal,
                            scale_px=scale_px, landmarks=landmarks)
    return compute_signals(grid, context, names)


def _detected(raw: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Fraction of frames with a pose (any upper-body landmark) and with a face."""
    return {"pose": float(np.mean(np.isfinite(raw["upper_body_px"]).any(axis=(1, 2)))),
            "face": float(np.mean(np.isfinite(raw["blendshapes"][:, 0])))}


def extract_signals(
    frames: Sequence[TrackedFrame],
    *,
    grid_hz: float,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    cutoff_hz: float = DEFAULT_CUTOFF_HZ,
    body_scale_px: Mapping[str, float] | None = None,
    noise_floor: Mapping[str, Mapping[str, float]] | None = None,
) -> SignalSet:
    """Turn tracked frames into every registered signal of both people on a uniform grid.

    Parameters
    ----------
    frames : tracked frames in time order.
    grid_hz : rate of the output grid in Hz.
    max_gap_s : gaps up to this long are interpolated; longer ones stay NaN.
    cutoff_hz : low-pass cut-off applied to positions, angles and blendshapes.
    body_scale_px : person -> shoulder width in pixels (calibration); default: the
        median shoulder width seen in the session.
    noise_floor : person -> signal -> level (in the signal's unit) that a still person
        reaches from tracker jitter alone (calibration baseline); stretches that stay
        below it are marked as no movement (NaN), see :func:`mark_no_movement`.
    """
    if len(frames) < 2:
        raise ValueError(f"need at least 2 tracked frames to measure movement, got {len(frames)}")
    t_src = np.array([f.timestamp_s for f in frames], dtype=np.float64)
    if np.any(np.diff(t_src) <= 0):
        raise ValueError("frame timestamps must be strictly increasing")
    t_grid = uniform_grid(t_src, grid_hz)
    values: dict[str, np.ndarray] = {}
    detected: dict[str, dict[str, float]] = {}
    still: dict[str, float] = {}
    features = [person_features(frames, i) for i in range(len(PERSONS))]
    landmarks = reliable_landmarks(features)
    events = find_frame_events(frames)
    missing = missing_frames(frames, events)
    cut = bump_cuts(frames, events, missing, t_grid)
    for person, raw in zip(PERSONS, features, strict=True):
        detected[person] = _detected(raw)
        grid = {k: _cut(resample(t_src[~missing], v[~missing], t_grid, max_gap_s), cut)
                for k, v in raw.items()}
        scale = (body_scale_px or {}).get(person) or median_shoulder_width_px(raw)
        for name, series in signals_from_grid(grid, grid_hz=grid_hz, scale_px=scale,
                                              cutoff_hz=cutoff_hz,
                                              landmarks=landmarks).items():
            series = _cut(series, cut)  # central differences reach across a cut sample
            floor = (noise_floor or {}).get(person, {}).get(name)
            key = f"{person}_{name}"
            values[key] = mark_no_movement(series, floor, grid_hz) if floor else series
            if floor:
                still[key] = no_movement_fraction(series, values[key])
    return SignalSet(time_s=t_grid, grid_hz=float(grid_hz), values=values,
                     detected_fraction=detected, no_movement_fraction=still,
                     frame_events=tuple(events))


def _cut(values: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """``values`` with the grid samples in ``cut`` set to NaN (in place; returned)."""
    values[cut] = np.nan
    return values


def no_movement_fraction(before: np.ndarray, after: np.ndarray) -> float:
    """Fraction of the known samples of ``before`` that are NaN in ``after`` (0.0 if none known).

    ``before`` is a signal, ``after`` the same signal through :func:`mark_no_movement`: the
    result is the share of the signal the noise floor marked as "no movement", counted
    over the samples where the person was seen (not over the whole grid).
    """
    known = np.isfinite(before)
    n_known = int(known.sum())
    return float(np.sum(known & np.isnan(after)) / n_known) if n_known else 0.0


def mark_no_movement(x: np.ndarray, floor: float, grid_hz: float,
                     min_still_s: float = MIN_STILL_S) -> np.ndarray:
    """Replace stretches of at least ``min_still_s`` below ``floor`` by NaN ("no movement").

    A person sitting still produces only tracker jitter; correlating that jitter with the
    other person's movement would report noise as synchrony. Such stretches become missing
    samples, which the WCC treats as missing (rMEA drops windows that are mostly missing).
    """
    below = np.isfinite(x) & (x < floor)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], below.astype(np.int8), [0]])))
    out = np.array(x, dtype=np.float64, copy=True)
    min_len = max(1, int(round(min_still_s * grid_hz)))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if stop - start >= min_len:
            out[start:stop] = np.nan
    return out
