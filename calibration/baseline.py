"""Baseline: both people sit still for a few seconds; measure jitter and body size.

The frames are tracked with the proposed regions by the same tracker and turned into signals
by the same :func:`synchrony.signals.extract.extract_signals` as the analysis, so the noise floor is
in exactly the units the analysis compares it with. Body scale is measured first (median
shoulder width) and used for the ``body`` signal, as the analysis will use it.

Tracker warm-up: right after the first detection, the face landmarker's head pose and
blendshapes settle for about half a second, which would dominate the 95th percentile of a
3 s baseline. So the tracker is first fed the stretch's first frame, repeated for
``WARMUP_S`` seconds (the people are still, so this is what the camera would show), and only
then the stretch itself. On the still test clip this halved the head and face floors (head
0.18 -> 0.11 deg/s, face 0.039 -> 0.020 units/s). Slower pose drift stays in the floor on
purpose: on the generated astronaut (person A) the shoulder landmarks wander ~10 px within a
second even on a frozen frame (x264 changes the decoded frames by ~0.1 grey levels), and that
is exactly the tracker noise the floor must cover.

A baseline during which a person moved is no noise floor: the floor would sit at the
person's movement level and mark most of a session as "no movement". Each person's floors
are therefore checked (:func:`synchrony.calibration.estimate.movement_reason`: ``head`` above
8 deg/s or ``motion`` above 0.005 means moved); a person who moved keeps the measured
numbers in the profile, flagged unusable with the reason, and ``analyze`` ignores them.

Where the stretch comes from: a stretch the user names, the next seconds of a camera, or
the stillest stretch of a video (:func:`stillest_stretch`). A searched stretch is chosen
as the best of many, so it is accepted only if *both* people sat still in it: on the
generated clips, where nobody ever sits still, the stillest stretch of one person still
passed alone now and then (a slow moment: its face floor then marked 100 % of that person's
face signal as no movement), while the other person moved in it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import Any

import numpy as np

from synchrony.records import PERSONS, Frame, PersonTracker, TrackedFrame
from synchrony.signals.extract import extract_signals
from synchrony.signals.registry import get_signal

from .estimate import (
    EDGE_TRIM_S,
    NOISE_MARGIN,
    NOISE_PERCENTILE,
    STILL_LIMITS,
    body_scales,
    movement_reason,
    noise_floor,
    noise_floors,
    stillness_score,
)

__all__ = ["DEFAULT_GRID_HZ", "STRETCH_STEP_S", "WARMUP_S", "Baseline",
           "baseline_from_frames", "baseline_from_stillest", "measure_baseline",
           "stillest_stretch", "track_with_warmup"]

log = logging.getLogger(__name__)

#: Grid rate (Hz) of the baseline signals; the analysis default.
DEFAULT_GRID_HZ = 20.0
#: Seconds of the repeated first frame fed to the tracker before the stretch.
WARMUP_S = 1.0
#: What to do about an unusable baseline (ends the warnings).
REMEDY = ("record the baseline again while both people sit still (for a video: "
          "--baseline START:END over such seconds)")
#: Candidate stretches of :func:`stillest_stretch` start this many seconds apart.
STRETCH_STEP_S = 0.5
#: A person must be found in this fraction of the baseline frames.
MIN_DETECTED = 0.5


@dataclass(frozen=True, slots=True)
class Baseline:
    """What a still stretch says about each person.

    Attributes
    ----------
    noise_floor : person -> signal -> level in the signal's unit (None = not measured).
    body_scale : person -> shoulder width / frame width (None = not seen).
    duration_s : length of the tracked stretch in seconds.
    n_frames : frames tracked.
    grid_hz : rate of the signal grid in Hz.
    detected_fraction : person -> fraction of frames with a pose or a face.
    warnings : what the user should check (a person not found, movement).
    unusable : person -> why their floors are no noise floor (they moved, or stillness
        could not be checked); a person left out is usable.
    start_s : time of the stretch's first frame on the source's clock (seconds from the
        start of a video); NaN if not known.
    chosen : how the stretch was chosen: ``"named"`` (by the user), ``"stillest"`` (found
        in a video), ``"next"`` (the next seconds of a camera) or ``""`` (not recorded).
    """

    noise_floor: dict[str, dict[str, float | None]]
    body_scale: dict[str, float | None]
    duration_s: float
    n_frames: int
    grid_hz: float
    detected_fraction: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    unusable: dict[str, str] = field(default_factory=dict)
    start_s: float = math.nan
    chosen: str = ""

    @property
    def usable(self) -> dict[str, bool]:
        """Person -> True if their floors may be applied as a noise floor."""
        return {p: p not in self.unusable for p in PERSONS}

    def as_dict(self) -> dict[str, Any]:
        """Return the profile's ``baseline`` block (how the floor was measured).

        ``percentile`` and ``margin`` are the defaults; ``noise_floor_rules`` holds each
        measured signal's own rule (percentile, margin, lower bound) from the registry.
        ``usable`` (person -> bool) and ``unusable_reason`` (person -> text or null) say
        whose floors ``analyze`` applies; ``still_limits`` is the rule that decided it.
        """
        names = dict.fromkeys(n for floors in self.noise_floor.values() for n in floors)
        block: dict[str, Any] = {
            "duration_s": round(self.duration_s, 3), "n_frames": self.n_frames,
            "grid_hz": self.grid_hz, "percentile": NOISE_PERCENTILE,
            "margin": NOISE_MARGIN, "edge_trim_s": EDGE_TRIM_S,
            "noise_floor_rules": {n: get_signal(n).noise_floor.as_dict() for n in names},
            "detected_fraction": self.detected_fraction, "warnings": list(self.warnings),
            "usable": self.usable,
            "unusable_reason": {p: self.unusable.get(p) for p in PERSONS},
            "still_limits": dict(STILL_LIMITS)}
        if math.isfinite(self.start_s):
            block["start_s"] = round(self.start_s, 3)
            block["end_s"] = round(self.start_s + self.duration_s, 3)
        if self.chosen:
            block["chosen"] = self.chosen
        return block


def _detected(frames: Sequence[TrackedFrame], i: int) -> float:
    return float(np.mean([f.people[i].has_pose or f.people[i].has_face for f in frames]))


def baseline_from_frames(frames: Sequence[TrackedFrame], *, grid_hz: float = DEFAULT_GRID_HZ,
                         chosen: str = "") -> Baseline:
    """Noise floor, body scale and stillness check from tracked frames of a still stretch.

    Parameters
    ----------
    frames : the stretch's tracked frames in time order (timestamps on the source's clock).
    grid_hz : rate of the signal grid in Hz.
    chosen : how the stretch was chosen, recorded in the profile (see :class:`Baseline`).

    Raises
    ------
    ValueError
        Fewer than 2 frames.
    """
    if len(frames) < 2:
        raise ValueError(f"a baseline needs at least 2 tracked frames, got {len(frames)}")
    scales = body_scales(frames)
    width = float(np.median([f.size_px[0] for f in frames]))
    scale_px = {p: s * width for p, s in scales.items() if s}
    signals = extract_signals(frames, grid_hz=grid_hz, body_scale_px=scale_px)
    floors = noise_floors(signals)
    detected = {p: _detected(frames, i) for i, p in enumerate(PERSONS)}
    duration_s = frames[-1].timestamp_s - frames[0].timestamp_s
    warnings = []
    unusable = {}
    for person in PERSONS:
        if detected[person] < MIN_DETECTED:
            warnings.append(f"person {person} was found in only "
                            f"{100 * detected[person]:.0f} % of the baseline frames")
        missing = [name for name, level in floors[person].items() if level is None]
        if missing:
            warnings.append(f"no noise floor for person {person}'s {', '.join(missing)}: not "
                            "seen long enough during the baseline")
        reason = movement_reason(floors[person])
        if reason:
            unusable[person] = reason
            warnings.append(unusable_warning(person, reason))
    return Baseline(noise_floor=floors, body_scale=scales, duration_s=duration_s,
                    n_frames=len(frames), grid_hz=grid_hz, detected_fraction=detected,
                    warnings=warnings, unusable=unusable,
                    start_s=float(frames[0].timestamp_s), chosen=chosen)


def unusable_warning(person: str, reason: str) -> str:
    """Return the line telling the user that a person's baseline is not used."""
    return f"person {person}'s baseline is not used as a noise floor: {reason}; {REMEDY}"


def track_with_warmup(frames: Iterable[Frame], tracker: PersonTracker, *,
                      warmup_s: float = WARMUP_S, frame_interval_s: float = 0.04
                      ) -> list[TrackedFrame]:
    """Feed the first frame for ``warmup_s`` seconds, then track every frame (module docstring).

    The tracker sees the frames' timestamps shifted by the warm-up (its timestamps must
    increase); the returned frames carry their own timestamps again.

    Raises
    ------
    ValueError
        No frame at all.
    """
    stream = iter(frames)
    first = next(stream, None)
    if first is None:
        raise ValueError("a baseline needs at least 2 frames, got 0")
    n_warm = max(0, int(round(warmup_s / frame_interval_s)))
    for k in range(n_warm):
        tracker.track(Frame(first.image_rgb, first.timestamp_s + k * frame_interval_s, k))
    shift_s = n_warm * frame_interval_s
    return [replace(tracker.track(Frame(f.image_rgb, f.timestamp_s + shift_s, f.index)),
                    timestamp_s=f.timestamp_s)
            for f in chain([first], stream)]


def measure_baseline(frames: Iterable[Frame], tracker: PersonTracker, *,
                     grid_hz: float = DEFAULT_GRID_HZ, warmup_s: float = WARMUP_S,
                     frame_interval_s: float = 0.04, chosen: str = "") -> Baseline:
    """Warm the tracker up, track every frame of a still stretch, then measure.

    Parameters
    ----------
    frames : the still stretch (e.g. the first 3 s), in time order.
    tracker : a fresh tracker set to the proposed regions; the caller closes it.
    grid_hz : rate of the signal grid in Hz (the analysis default).
    warmup_s : seconds of the repeated first frame fed before the stretch (module
        docstring); the stretch's timestamps are shifted by as much, which changes nothing
        but keeps the tracker's timestamps increasing.
    frame_interval_s : spacing of the warm-up frames in seconds (the source's frame period).
    chosen : how the stretch was chosen, recorded in the profile (see :class:`Baseline`).
    """
    tracked = track_with_warmup(frames, tracker, warmup_s=warmup_s,
                                frame_interval_s=frame_interval_s)
    return baseline_from_frames(tracked, grid_hz=grid_hz, chosen=chosen)


# --------------------------------------------------------------------------- still stretch


def stillest_stretch(frames: Sequence[TrackedFrame], duration_s: float, *,
                     grid_hz: float = DEFAULT_GRID_HZ, step_s: float = STRETCH_STEP_S
                     ) -> tuple[float, float]:
    """Find the stretch of ``duration_s`` seconds in which both people are stillest.

    Every stretch starting a multiple of ``step_s`` after the first frame is scored by the
    larger of the two people's :func:`~synchrony.calibration.estimate.stillness_score`
    (their head and motion noise floors over the stretch, each divided by its limit in
    :data:`~synchrony.calibration.estimate.STILL_LIMITS`); the lowest score wins, the
    earliest among equals. The signals are computed once over all frames.

    Parameters
    ----------
    frames : tracked frames in time order (at least 2).
    duration_s : length of the stretch in seconds; all frames if they span less.
    grid_hz : rate of the signal grid in Hz.
    step_s : spacing of the candidate starts in seconds.

    Returns
    -------
    (start_s, end_s)
        On the frames' clock.
    """
    if len(frames) < 2:
        raise ValueError(f"a baseline needs at least 2 tracked frames, got {len(frames)}")
    signals = extract_signals(frames, grid_hz=grid_hz)
    t = signals.time_s
    n_win = int(round(duration_s * grid_hz)) + 1
    if n_win >= len(t):
        return float(frames[0].timestamp_s), float(frames[-1].timestamp_s)
    step = max(1, int(round(step_s * grid_hz)))
    names = [n for n in STILL_LIMITS if f"A_{n}" in signals.values]
    best_score, best_start = math.inf, 0
    for start in range(0, len(t) - n_win + 1, step):
        score = max(stillness_score({n: noise_floor(signals.values[f"{p}_{n}"]
                                                    [start:start + n_win], n, grid_hz)
                                     for n in names})
                    for p in PERSONS)
        if score < best_score:
            best_score, best_start = score, start
    log.debug("stillest %.1f s stretch starts at %.2f s (score %.2f)", duration_s,
              t[best_start], best_score)
    return float(t[best_start]), float(t[best_start]) + duration_s


def baseline_from_stillest(frames: Sequence[TrackedFrame], duration_s: float, *,
                           grid_hz: float = DEFAULT_GRID_HZ) -> Baseline:
    """Baseline over the :func:`stillest_stretch`; unusable for both unless both sat still.

    The stretch is the best of many candidates, so one person passing the stillness check
    alone in it is a slow moment rather than stillness (module docstring): if anybody
    moved, both people's floors are flagged unusable, with a reason saying that no still
    stretch was found.
    """
    start_s, end_s = stillest_stretch(frames, duration_s, grid_hz=grid_hz)
    stretch = [f for f in frames if start_s - 1e-9 <= f.timestamp_s <= end_s + 1e-9]
    base = baseline_from_frames(stretch, grid_hz=grid_hz, chosen="stillest")
    if not base.unusable:
        return base
    span_s = frames[-1].timestamp_s - frames[0].timestamp_s
    found = "; ".join(f"{p} {base.unusable[p]}" for p in PERSONS if p in base.unusable)
    reason = (f"no {duration_s:g} s in which both people sat still in the {span_s:.0f} s "
              f"searched (stillest {start_s:.1f}-{end_s:.1f} s: {found})")
    own = {unusable_warning(p, r) for p, r in base.unusable.items()}
    warnings = [w for w in base.warnings if w not in own]
    warnings.append(f"the baselines are not used as noise floors: {reason}; {REMEDY}")
    return replace(base, unusable=dict.fromkeys(PERSONS, reason), warnings=warnings)
