"""Calibration steps on a frame source: propose regions, record a baseline, build the profile.

Used by ``synchrony calibrate`` (non-interactive) and by the wizard (which runs
:func:`record_baseline` in a worker thread). Qt-free.

Which frames are used
---------------------
- The proposal reads the first ``search_s`` seconds (default 3 s) of the source and searches
  ``n_samples`` frames spread evenly over them; every frame's timestamp feeds the camera
  check's measured frame rate.
- The baseline measures ``baseline_s`` seconds (default 3 s) during which both people sit
  still. For a video file (opened again) either the stretch the user names
  (``stretch_s``, e.g. ``--baseline 0:5``) or the stillest ``baseline_s`` seconds in its
  first ``search_s`` seconds (default 60 s, :func:`calibration.baseline.baseline_from_stillest`);
  for a camera or stream the **next** seconds after the proposal. Whoever moved during it
  is flagged: their floors are stored but not applied (:mod:`calibration.baseline`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from synchrony.capture.factory import ModelPaths, build_tracker
from synchrony.capture.sources import FrameSource
from synchrony.errors import InputError
from synchrony.records import PERSONS, Frame, Region
from synchrony.signals.registry import signal_names

from .baseline import (
    DEFAULT_GRID_HZ,
    Baseline,
    baseline_from_stillest,
    measure_baseline,
    track_with_warmup,
)
from .camera import camera_report
from .detect import PeopleDetector
from .estimate import RegionProposal, group_people, merge_measured, propose_regions
from .profile import CalibrationProfile, PersonCalibration

__all__ = [
    "DEFAULT_BASELINE_S",
    "DEFAULT_BASELINE_SEARCH_S",
    "DEFAULT_SEARCH_S",
    "ModelPaths",
    "SceneProposal",
    "build_profile",
    "calibrate_source",
    "frames_for",
    "propose_scene",
    "record_baseline",
]

DEFAULT_SEARCH_S = 3.0
DEFAULT_BASELINE_S = 3.0
#: Seconds at the start of a video searched for the stillest baseline stretch (all of it
#: is tracked, so this bounds the time calibration takes).
DEFAULT_BASELINE_SEARCH_S = 60.0
DEFAULT_N_SAMPLES = 6
#: Frame rate assumed for the tracker warm-up when the source reports none.
DEFAULT_FPS = 25.0
#: A live source that delivers nothing this many times in a row has failed.
MAX_LIVE_MISSES = 100

SourceOpener = Callable[[], FrameSource]


@dataclass(frozen=True, slots=True)
class SceneProposal:
    """The automatic proposal plus what the wizard shows.

    Attributes
    ----------
    regions : regions, people and warnings (:class:`calibration.estimate.RegionProposal`).
    camera : the profile's ``camera`` block (:func:`calibration.camera.camera_report`).
    preview_rgb : (H, W, 3) uint8 RGB frame to draw the regions on (the last sampled frame).
    """

    regions: RegionProposal
    camera: dict[str, Any]
    preview_rgb: np.ndarray


def frames_for(source: FrameSource, duration_s: float) -> Iterator[Frame]:
    """Frames of ``source`` from now until ``duration_s`` seconds have passed (by timestamp).

    A file ends early if it is shorter. A live source's missed frames are skipped; after
    ``MAX_LIVE_MISSES`` misses in a row it counts as failed (:class:`InputError`).
    """
    first: float | None = None
    misses = 0
    while True:
        frame = source.read()
        if frame is None:
            if not source.is_live:
                return
            misses += 1
            if misses >= MAX_LIVE_MISSES:
                raise InputError(f"{source.description} delivered no frames "
                                 f"({misses} attempts in a row)")
            continue
        misses = 0
        first = frame.timestamp_s if first is None else first
        if frame.timestamp_s - first > duration_s:
            return
        yield frame


def _sample(frames: Iterator[Frame], duration_s: float, n_samples: int
            ) -> tuple[list[Frame], list[float]]:
    """Keep ``n_samples`` frames spread evenly over ``duration_s``; all timestamps."""
    targets = list(np.linspace(0.0, duration_s, n_samples)) if n_samples > 1 else [0.0]
    kept: list[Frame] = []
    times: list[float] = []
    for frame in frames:
        times.append(frame.timestamp_s)
        if targets and frame.timestamp_s - times[0] >= targets[0] - 1e-9:
            kept.append(frame)
            while targets and frame.timestamp_s - times[0] >= targets[0] - 1e-9:
                targets.pop(0)
    return kept, times


def propose_scene(source: FrameSource, models: ModelPaths, *,
                  search_s: float = DEFAULT_SEARCH_S,
                  n_samples: int = DEFAULT_N_SAMPLES) -> SceneProposal:
    """Find both people in the next ``search_s`` seconds and propose their regions.

    Raises
    ------
    InputError
        No frame could be read, or fewer than two people were found.
    """
    kept, times = _sample(frames_for(source, search_s), search_s, n_samples)
    if not kept:
        raise InputError(f"{source.description} delivered no frames")
    with PeopleDetector(pose_model=models.pose, face_model=models.face) as detector:
        detections = [d for i, frame in enumerate(kept)
                      for d in detector.detect(frame.image_rgb, i)]
    span_s = times[-1] - times[0]
    searched = (f"in the first {search_s:g} s" if span_s >= 0.9 * search_s
                else f"in the {span_s:.1f} s of video")
    proposal = propose_regions(group_people(detections), kept[0].size_px, len(kept),
                               searched=searched)
    camera = camera_report(images=[f.image_rgb for f in kept], timestamps_s=times,
                           claimed_fps=source.fps_hint, source=source.description)
    return SceneProposal(regions=proposal, camera=camera, preview_rgb=kept[-1].image_rgb)


def frames_between(source: FrameSource, start_s: float, end_s: float) -> Iterator[Frame]:
    """Frames of a video whose timestamps lie in [``start_s``, ``end_s``] (seconds)."""
    eps = 1e-6
    for frame in frames_for(source, end_s + eps):
        if frame.timestamp_s >= start_s - eps:
            yield frame


def record_baseline(source: FrameSource, models: ModelPaths, regions: tuple[Region, Region],
                    *, baseline_s: float = DEFAULT_BASELINE_S,
                    grid_hz: float = DEFAULT_GRID_HZ,
                    stretch_s: tuple[float, float] | None = None,
                    search_s: float = DEFAULT_BASELINE_SEARCH_S) -> Baseline:
    """Measure the baseline (jitter, body scale, stillness) with ``regions``.

    Parameters
    ----------
    source : a camera or stream (its next ``baseline_s`` seconds), or a video file opened
        at its start.
    models : MediaPipe bundles.
    regions : (A, B) regions to track.
    baseline_s : seconds measured; for a video without ``stretch_s`` the length of the
        stillest stretch looked for.
    grid_hz : rate of the signal grid in Hz.
    stretch_s : (start_s, end_s) of a video to measure, named by the user.
    search_s : seconds at the start of a video searched for the stillest stretch.

    Raises
    ------
    InputError
        Fewer than two frames could be read, or the video ends before ``stretch_s`` does.
    """
    fps = source.fps_hint or DEFAULT_FPS
    with build_tracker(models, regions, crowd_check_every_s=0.0) as tracker:
        try:
            if source.is_live:  # its clock is no position in a recording: not stored
                return replace(measure_baseline(frames_for(source, baseline_s), tracker,
                                                grid_hz=grid_hz, frame_interval_s=1 / fps,
                                                chosen="next"), start_s=math.nan)
            if stretch_s is not None:
                base = measure_baseline(frames_between(source, *stretch_s), tracker,
                                        grid_hz=grid_hz, frame_interval_s=1 / fps,
                                        chosen="named")
                end_s = base.start_s + base.duration_s
                if end_s < stretch_s[1] - 1.5 / fps:
                    raise InputError(f"--baseline {stretch_s[0]:g}:{stretch_s[1]:g} ends after "
                                     f"the video (its last frame is at {end_s:.2f} s)")
                return base
            tracked = track_with_warmup(frames_for(source, search_s), tracker,
                                        frame_interval_s=1 / fps)
            return baseline_from_stillest(tracked, baseline_s, grid_hz=grid_hz)
        except ValueError as exc:
            raise InputError(f"baseline from {source.description}: {exc}") from None


def build_profile(proposal: SceneProposal, baseline: Baseline | None, *,
                  regions: tuple[Region, Region] | None = None,
                  roles: tuple[str | None, str | None] = (None, None)) -> CalibrationProfile:
    """Combine proposal, baseline and roles into a profile.

    Parameters
    ----------
    proposal : the automatic proposal (camera block, body scale from the still passes).
    baseline : the still-stretch measurement, or None (noise floor not measured).
    regions : (A, B) regions to store; default the proposed ones (the wizard passes the
        edited ones).
    roles : (A's role, B's role), free text or None.
    """
    regions = regions or proposal.regions.regions
    scale = merge_measured(baseline.body_scale if baseline else {},
                           proposal.regions.body_scale)
    people = {}
    for person, region, role in zip(PERSONS, regions, roles, strict=True):
        floor = baseline.noise_floor[person] if baseline else dict.fromkeys(signal_names())
        people[person] = PersonCalibration(region=region, role=role or None,
                                           body_scale=_rounded(scale[person]),
                                           noise_floor={k: _rounded(v) for k, v in floor.items()})
    return CalibrationProfile(people=people, camera=proposal.camera,
                              baseline=baseline.as_dict() if baseline else {})


def _rounded(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.6g}")


def calibrate_source(open_source: SourceOpener, models: ModelPaths, *,
                     search_s: float = DEFAULT_SEARCH_S,
                     baseline_s: float = DEFAULT_BASELINE_S,
                     roles: tuple[str | None, str | None] = (None, None),
                     say: Callable[[str], None] = lambda text: None,
                     baseline_stretch_s: tuple[float, float] | None = None,
                     baseline_search_s: float = DEFAULT_BASELINE_SEARCH_S
                     ) -> CalibrationProfile:
    """Run the non-interactive calibration: proposal, baseline (if ``baseline_s`` > 0), profile.

    Parameters
    ----------
    open_source : opens the video file or camera (called again for a file's baseline).
    models : MediaPipe bundles.
    search_s : seconds searched for the people.
    baseline_s : seconds of still sitting measured (for a video: the length of the still
        stretch looked for); 0 skips the baseline.
    roles : (A's role, B's role).
    say : receives progress messages for the user.
    baseline_stretch_s : (start_s, end_s) of a video to measure instead of searching.
    baseline_search_s : seconds at the start of a video searched for the still stretch.
    """
    source = open_source()
    try:
        say(f"looking for two people in the first {search_s:g} s of {source.description}")
        proposal = propose_scene(source, models, search_s=search_s)
        baseline = None
        if baseline_s > 0:
            if source.is_live:
                say(f"baseline: both people please sit still for {baseline_s:g} s")
            else:
                source.close()
                source = open_source()
                if baseline_stretch_s is not None:
                    say(f"baseline: {baseline_stretch_s[0]:g}-{baseline_stretch_s[1]:g} s "
                        "(both people should sit still then)")
                else:
                    say(f"baseline: looking for {baseline_s:g} s in which both people sit "
                        f"still, in the first {baseline_search_s:g} s")
            baseline = record_baseline(source, models, proposal.regions.regions,
                                       baseline_s=baseline_s, stretch_s=baseline_stretch_s,
                                       search_s=baseline_search_s)
            if not source.is_live:
                say(f"baseline: measured {baseline.start_s:.1f}-"
                    f"{baseline.start_s + baseline.duration_s:.1f} s of the video")
    finally:
        source.close()
    return build_profile(proposal, baseline, roles=roles)
