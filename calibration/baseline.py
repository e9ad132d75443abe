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
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
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
    body_scales,
    noise_floors,
)

__all__ = ["DEFAULT_GRID_HZ", "MOVING_HEAD_LEVEL", "WARMUP_S", "Baseline",
           "baseline_from_frames", "measure_baseline"]

#: Grid rate (Hz) of the baseline signals; the analysis default.
DEFAULT_GRID_HZ = 20.0
#: Seconds of the repeated first frame fed to the tracker before the stretch.
WARMUP_S = 1.0
#: A still person's ``head`` noise floor stays well below this (deg/s; measured 0.1-0.2 on
#: frozen frames, 14-21 for the generated clips' moving people); above it, the person most
#: likely moved during the baseline.
MOVING_HEAD_LEVEL = 3.0
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
    """

    noise_floor: dict[str, dict[str, float | None]]
    body_scale: dict[str, float | None]
    duration_s: float
    n_frames: int
    grid_hz: float
    detected_fraction: dict[str, float]
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the profile's ``baseline`` block (how the floor was measured).

        ``percentile`` and ``margin`` are the defaults; ``noise_floor_rules`` holds each
        measured signal's own rule (percentile, margin, lower bound) from the registry.
        """
        names = dict.fromkeys(n for floors in self.noise_floor.values() for n in floors)
        return {"duration_s": round(self.duration_s, 3), "n_frames": self.n_frames,
                "grid_hz": self.grid_hz, "percentile": NOISE_PERCENTILE,
                "margin": NOISE_MARGIN, "edge_trim_s": EDGE_TRIM_S,
                "noise_floor_rules": {n: get_signal(n).noise_floor.as_dict() for n in names},
                "detected_fraction": self.detected_fraction, "warnings": list(self.warnings)}


def _detected(frames: list[TrackedFrame], i: int) -> float:
    return float(np.mean([f.people[i].has_pose or f.people[i].has_face for f in frames]))


def baseline_from_frames(frames: list[TrackedFrame], *, grid_hz: float = DEFAULT_GRID_HZ
                         ) -> Baseline:
    """Noise floor and body scale from already tracked frames of a still stretch.

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
    for person in PERSONS:
        if detected[person] < MIN_DETECTED:
            warnings.append(f"person {person} was found in only "
                            f"{100 * detected[person]:.0f} % of the baseline frames")
        missing = [name for name, level in floors[person].items() if level is None]
        if missing:
            warnings.append(f"no noise floor for person {person}'s {', '.join(missing)}: not "
                            "seen long enough during the baseline")
        head = floors[person]["head"]
        if head is not None and head > MOVING_HEAD_LEVEL:
            warnings.append(f"person {person} seems to move during the baseline (head noise "
                            f"floor {head:.1f} deg/s); record it again while both sit still")
    return Baseline(noise_floor=floors, body_scale=scales, duration_s=duration_s,
                    n_frames=len(frames), grid_hz=grid_hz, detected_fraction=detected,
                    warnings=warnings)


def measure_baseline(frames: Iterable[Frame], tracker: PersonTracker, *,
                     grid_hz: float = DEFAULT_GRID_HZ, warmup_s: float = WARMUP_S,
                     frame_interval_s: float = 0.04) -> Baseline:
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
    """
    stream = iter(frames)
    first = next(stream, None)
    if first is None:
        raise ValueError("a baseline needs at least 2 frames, got 0")
    n_warm = max(0, int(round(warmup_s / frame_interval_s)))
    for k in range(n_warm):
        tracker.track(Frame(first.image_rgb, first.timestamp_s + k * frame_interval_s, k))
    shift_s = n_warm * frame_interval_s
    tracked = [tracker.track(Frame(f.image_rgb, f.timestamp_s + shift_s, f.index))
               for f in chain([first], stream)]
    return baseline_from_frames(tracked, grid_hz=grid_hz)
