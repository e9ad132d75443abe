"""Video -> tracked frames -> signals -> analysis -> files: the ``analyze`` pipeline (Qt-free).

Decoding runs in its own thread ahead of tracking (a short queue, nothing dropped: a
recorded video is analysed frame by frame). Results are written into a temporary
directory beside the output and moved into place at the end, so a failure never leaves
half-written output.
"""

from __future__ import annotations

import math
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from synchrony import __version__
from synchrony.analysis import (
    AnalysisParameters,
    SignalAnalysis,
    analyze_signals,
    not_computed_summary,
    too_short_reason,
)
from synchrony.episodes import write_analysis_episodes
from synchrony.errors import InputError
from synchrony.exports import landmarks_table, write_grid_csv, write_json, write_signals
from synchrony.progress import ProgressBar
from synchrony.records import Frame
from synchrony.signals import SignalSet, extract_signals
from synchrony.sources import VideoFileSource, probe_video
from synchrony.tracking import HALVES, PERSONS, PersonTracker, Region, TrackedFrame

DEFAULT_GRID_HZ = 20.0
#: A person seen in fewer frames than this fraction, and than this many seconds' worth of
#: frames, counts as never in view (MediaPipe now and then "finds" a face in an empty scene
#: and tracks it for a few frames).
MIN_DETECTED_FRACTION = 0.02
MIN_DETECTED_S = 1.0
SUMMARY_SCHEMA = "synchrony.summary/1"


@dataclass(frozen=True, slots=True)
class TrackingRun:
    """Tracked frames of one video plus what the source said about itself."""

    frames: list[TrackedFrame]
    source: dict[str, Any]


def track_video(path: Path, tracker: PersonTracker, *, progress: bool = True) -> TrackingRun:
    """Decode every frame of ``path`` (in a reader thread) and track both people."""
    info = probe_video(path)
    frames: list[TrackedFrame] = []
    q: queue.Queue[Frame | None | BaseException] = queue.Queue(maxsize=8)
    stop = threading.Event()

    def reader() -> None:
        try:
            with VideoFileSource(path) as src:
                while not stop.is_set():
                    frame = src.read()
                    q.put(frame)
                    if frame is None:
                        return
        except BaseException as exc:  # handed to the main thread
            q.put(exc)

    thread = threading.Thread(target=reader, name="decoder", daemon=True)
    thread.start()
    bar = ProgressBar("tracking frames", info.n_frames) if progress else None
    try:
        while True:
            item = q.get()
            if isinstance(item, BaseException):
                raise item
            if item is None:
                break
            frames.append(tracker.track(item))
            if bar:
                bar.update()
    finally:
        stop.set()
        while thread.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)
        if bar:
            bar.close()
    if not frames:
        raise InputError(f"no frames could be decoded from {path}")
    timestamps = np.array([f.timestamp_s for f in frames])
    duration_s = float(timestamps[-1] - timestamps[0]) if len(frames) > 1 else 0.0
    fps = (len(frames) - 1) / duration_s if duration_s > 0 else (info.fps or math.nan)
    source = {"path": str(path), "fps": fps, "n_frames": len(frames), "duration_s": duration_s,
              "width_px": info.width, "height_px": info.height, "codec": info.codec,
              "nominal_fps": info.fps}
    return TrackingRun(frames, source)


def nobody_in_view(frames: Sequence[TrackedFrame]) -> bool:
    """True if neither person was seen long enough to be real (see MIN_DETECTED_*)."""
    if len(frames) < 2:
        return not any(p.has_pose or p.has_face for f in frames for p in f.people)
    fps = (len(frames) - 1) / max(frames[-1].timestamp_s - frames[0].timestamp_s, 1e-9)
    need = max(MIN_DETECTED_FRACTION * len(frames), MIN_DETECTED_S * fps)
    seen = [sum(f.people[i].has_pose or f.people[i].has_face for f in frames) for i in range(2)]
    return max(seen) < need


def people_report(frames: Sequence[TrackedFrame], signals: SignalSet,
                  roles: dict[str, str | None] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The ``people`` block of summary.json and warnings about who was (not) in view."""
    people: dict[str, Any] = {}
    warnings: list[str] = []
    for i, person in enumerate(PERSONS):
        seen = np.array([f.people[i].has_pose or f.people[i].has_face for f in frames])
        people[person] = {
            "position": "left" if person == "A" else "right",
            "detected_fraction": float(seen.mean()),
            "detected_fraction_pose": signals.detected_fraction[person]["pose"],
            "detected_fraction_face": signals.detected_fraction[person]["face"],
            "role": (roles or {}).get(person),
            "region_norm": frames[0].regions[i].as_list(),
        }
        marked = {k.split("_", 1)[1]: v for k, v in signals.no_movement_fraction.items()
                  if k.startswith(f"{person}_")}
        if marked:
            people[person]["no_movement_fraction"] = marked
            for name, fraction in marked.items():
                if fraction > 0.5:
                    warnings.append(f"{person}'s {name} stayed below the calibration noise floor "
                                    f"{100 * fraction:.0f} % of the time (marked as no "
                                    "movement, not correlated)")
        if seen.mean() < 0.5:
            warnings.append(f"person {person} ({people[person]['position']}) was found in only "
                            f"{100 * seen.mean():.0f} % of frames")
    counts = [f.n_people_in_view for f in frames if f.n_people_in_view is not None]
    if counts:
        crowd = float(np.mean(np.array(counts) >= 3))
        people["in_view"] = {"checks": len(counts), "max_people": int(max(counts)),
                             "fraction_3_or_more": crowd,
                             "fraction_1_or_fewer": float(np.mean(np.array(counts) <= 1))}
        if crowd > 0.1:
            warnings.append(f"3 or more people were in view in {100 * crowd:.0f} % of checks; "
                            "A and B are the people in the left and right regions")
        alone = people["in_view"]["fraction_1_or_fewer"]
        if alone > 0.5:
            warnings.append(f"only one person (or nobody) was in view in {100 * alone:.0f} % of "
                            "checks (faces counted in both regions)")
    return people, warnings


def build_summary(run: TrackingRun, signals: SignalSet, analyses: dict[str, SignalAnalysis],
                  params: AnalysisParameters, *, extra_parameters: dict[str, Any] | None = None,
                  roles: dict[str, str | None] | None = None) -> dict[str, Any]:
    """``summary.json`` (contract: schema synchrony.summary/1)."""
    people, warnings = people_report(run.frames, signals, roles)
    if 0 < params.n_surrogates < 19:
        warnings.append(f"with {params.n_surrogates} surrogates the smallest possible p is "
                        f"{1 / (params.n_surrogates + 1):.3f}: nothing can reach p < 0.05")
    parameters = params.as_dict() | {"grid_hz": signals.grid_hz} | (extra_parameters or {})
    return {
        "schema": SUMMARY_SCHEMA,
        "software": {"name": "synchrony", "version": __version__},
        "source": run.source,
        "people": people,
        "parameters": parameters,
        "signals": {name: a.summary for name, a in analyses.items()},
        "warnings": warnings,
    }


def write_outputs(out_dir: Path, run: TrackingRun, signals: SignalSet,
                  analyses: dict[str, SignalAnalysis], summary: dict[str, Any]) -> None:
    """Every analyze output file into ``out_dir`` (which must exist)."""
    write_json(out_dir / "summary.json", summary)
    write_signals(out_dir, signals)
    pq.write_table(landmarks_table(run.frames), out_dir / "landmarks.parquet")
    for name, analysis in analyses.items():
        write_grid_csv(out_dir / f"wcc_{name}.csv", analysis.wcc)
    if analyses:
        from synchrony.plots import write_analysis_plots

        write_analysis_plots(analyses, signals, out_dir)


def prepare_output_dir(out: Path, *, overwrite: bool) -> Path:
    """Check ``out`` can be written; return a fresh temporary directory beside it."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise InputError(f"--out {out} is not empty; choose another directory or use --overwrite")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise InputError(f"cannot write to {out}: {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(f"cannot write to {out}: {parent} is not writable")
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=parent))


def commit_output_dir(tmp: Path, out: Path) -> None:
    """Move the finished temporary directory into place (replacing an old ``out``)."""
    if out.exists():
        old = out.with_name(f".{out.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out)


def analyze_run(
    run: TrackingRun,
    out: Path,
    *,
    params: AnalysisParameters,
    signal_names: Sequence[str],
    grid_hz: float = DEFAULT_GRID_HZ,
    body_scale_px: dict[str, float] | None = None,
    noise_floor: dict[str, dict[str, float]] | None = None,
    roles: dict[str, str | None] | None = None,
    extra_parameters: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Signals, analysis and every output file from already tracked frames; return summary.

    Used for videos (after :func:`track_video`) and for recorded sessions (frames read
    back from the session's landmark files).
    """
    tmp = prepare_output_dir(out, overwrite=overwrite)
    try:
        if nobody_in_view(run.frames):
            raise InputError(f"nobody in view: no person was found in {run.source.get('path')}")
        if len(run.frames) < 2:
            raise InputError(f"{run.source.get('path')} has only one frame; movement needs at "
                             "least two")
        signals = extract_signals(run.frames, grid_hz=grid_hz, body_scale_px=body_scale_px,
                                  noise_floor=noise_floor)
        reason = too_short_reason(len(signals.time_s), signals.grid_hz, params)
        analyses = {} if reason else analyze_signals(signals, params, signal_names)
        summary = build_summary(run, signals, analyses, params,
                                extra_parameters=extra_parameters, roles=roles)
        if reason:
            summary["signals"] = {name: not_computed_summary(reason) for name in signal_names}
            summary["warnings"].append(f"no synchrony computed: {reason}")
        write_outputs(tmp, run, signals, analyses, summary)
        write_analysis_episodes(tmp, signals, analyses, params)  # episodes.csv/.json
        commit_output_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return summary


def analyze_video(
    video: Path,
    out: Path,
    *,
    make_tracker: Callable[[tuple[Region, Region]], PersonTracker],
    regions: tuple[Region, Region] = HALVES,
    progress: bool = True,
    overwrite: bool = False,
    **analysis: Any,
) -> dict[str, Any]:
    """Track every frame of ``video``, then :func:`analyze_run` into ``out``.

    ``analysis`` holds :func:`analyze_run`'s keyword arguments (params, signal_names, …).
    The output directory is checked before tracking starts, so a bad ``out`` fails fast.
    """
    shutil.rmtree(prepare_output_dir(out, overwrite=overwrite))
    tracker = make_tracker(regions)
    try:
        run = track_video(video, tracker, progress=progress)
    finally:
        tracker.close()
    return analyze_run(run, out, overwrite=overwrite, **analysis)
