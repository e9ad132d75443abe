"""Start the live dashboard: ``run_monitor(MonitorConfig(...))`` (used by ``synchrony monitor``)."""

from __future__ import annotations

import functools
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from PyQt6 import QtCore, QtWidgets

from synchrony.calibration.profile import CalibrationProfile
from synchrony.capture import factory as capture_factory
from synchrony.capture.factory import TrackerFactory
from synchrony.live import (
    CapturedFrame,
    LatestFrameMailbox,
    LiveParameters,
    LivePipeline,
    limit_blas_threads,
)
from synchrony.records import HALVES, PERSONS

from .qt_dashboard import MainWindow
from .workers import LiveSession, SourceChoice


@dataclass(frozen=True)
class MonitorConfig:
    """What ``synchrony monitor`` was asked to do.

    Attributes
    ----------
    source : camera, file or stream; None = choose in the window.
    parameters : WCC window, step, max lag (s) and the signal shown.
    model_dir : searched first for the MediaPipe bundles.
    pose_variant : ``"lite"`` or ``"full"``.
    exit_after_s : quit after this many seconds (None: run until closed).
    screenshot : PNG of the window saved just before exit.
    window_size : initial (width, height) in pixels.
    record : record the session into this (new or empty) directory from the start.
    calibration : regions (tracker), roles (labels), body scale (live ``body`` signal) and
        the profile itself (stored in recordings).
    group_readable : recordings readable by the owner's group (default: owner only).
    lsl, lsl_prefix : publish the run's signals, timeline and frames over Lab Streaming
        Layer (streams ``<prefix>.signals`` …, :mod:`synchrony.live.lsl`).
    markers_lsl : LSL marker stream whose markers go into recordings.
    """

    source: SourceChoice | None
    parameters: LiveParameters = field(default_factory=LiveParameters)
    model_dir: Path | None = None
    pose_variant: str = "lite"
    exit_after_s: float | None = None
    screenshot: Path | None = None
    window_size: tuple[int, int] = (1280, 800)
    record: Path | None = None
    calibration: CalibrationProfile | None = None
    group_readable: bool = False
    lsl: bool = False
    lsl_prefix: str = "synchrony"
    markers_lsl: str | None = None


def mediapipe_tracker_factory(model_dir: Path | None, pose_variant: str) -> TrackerFactory:
    """Return a factory that finds the bundles when the tracking thread starts (no download)."""
    return capture_factory.tracker_factory(model_dir, pose_variant, allow_download=False,
                                           lazy=True)


def make_pipeline(mailbox: LatestFrameMailbox[CapturedFrame], parameters: LiveParameters,
                  *, labels: tuple[str, str] = ("A", "B"),
                  body_scale_px: Mapping[str, float] | None = None) -> LivePipeline:
    """Make a pipeline with the dashboard's defaults (20 Hz grid, 60 s of history).

    It does not update itself: the session's analysis thread updates it.
    """
    return LivePipeline(window_s=parameters.window_s, step_s=parameters.step_s,
                        max_lag_s=parameters.max_lag_s, signal=parameters.signal,
                        body_scale_px=body_scale_px, labels=labels,
                        mailbox=mailbox, auto_update=False)


def person_labels(roles: Mapping[str, str | None]) -> tuple[str, str]:
    """Label the IDs with their roles, where set: ``("A (therapist)", "B")``."""
    a, b = (f"{p} ({roles[p]})" if roles.get(p) else p for p in PERSONS)
    return a, b


def outlets_list(pipeline: LivePipeline, *, prefix: str) -> list[object]:
    """Return the LSL outlets of a run, as a list of outputs."""
    from synchrony.live.lsl import outlets_for

    return [outlets_for(pipeline, prefix)]


def build_window(config: MonitorConfig, tracker_factory: TrackerFactory | None = None
                 ) -> MainWindow:
    """Build the main window around a fresh session (not started, not shown).

    ``tracker_factory`` builds a tracker for the (A, B) regions on the tracking thread
    (``synchrony.capture.factory.TrackerFactory``; default: MediaPipe, bundles found then).
    """
    limit_blas_threads(1)
    profile = config.calibration
    regions = profile.regions if profile else HALVES
    roles = profile.roles if profile else dict.fromkeys(PERSONS)
    factory = tracker_factory or mediapipe_tracker_factory(config.model_dir,
                                                            config.pose_variant)
    # body scale in px of frames as wide as the calibration's (the camera it was made with)
    pipeline = functools.partial(
        make_pipeline, labels=person_labels(roles),
        body_scale_px=profile.body_scale_px(profile.frame_size_px[0]) if profile else None)
    extra = (functools.partial(outlets_list, prefix=config.lsl_prefix) if config.lsl
             else None)
    session = LiveSession(factory, pipeline, regions=regions, extra_outputs=extra,
                          marker_stream=config.markers_lsl, recording_metadata={
        "parameters": {"pose_variant": config.pose_variant}, "regions": regions,
        "calibration": profile.to_dict() if profile else None,
        "participants": {p: {"role": roles[p]} for p in PERSONS},
        "group_readable": config.group_readable})
    window = MainWindow(session, config.parameters, config.source)
    window.resize(*config.window_size)
    return window


def run_monitor(config: MonitorConfig, tracker_factory: TrackerFactory | None = None) -> int:
    """Show the dashboard until closed (or ``exit_after_s``); print one summary line.

    Returns
    -------
    int
        0; 1 when the run failed before any frame was processed (the reason is printed),
        the screenshot could not be written or the recording failed (disk full …); 2 when
        ``record`` was refused (not an empty directory).
    """
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(
        [sys.argv[0] if sys.argv else "synchrony"])
    window = build_window(config, tracker_factory)
    window.show()
    refused = False
    if config.record is not None:  # recorded from the first frame
        refused = not window.start_recording(config.record, config.source)
    elif config.source is not None:
        window.start(config.source)
    if refused:
        window.close()
        reason = window.session.messages.get("recording", ("", "not recording"))[1]
        print(f"synchrony monitor: error: {reason}", file=sys.stderr)
        return 2
    saved = [True]
    if config.exit_after_s is not None:
        screenshot = str(config.screenshot) if config.screenshot else None
        QtCore.QTimer.singleShot(int(config.exit_after_s * 1000),
                                 lambda: saved.__setitem__(0, window.finish(screenshot)))
    recording = window.session.recording
    previous = {number: signal.signal(number, lambda *_: window.interrupt())
                for number in (signal.SIGINT, signal.SIGTERM)}  # recording: "interrupted"
    try:
        app.exec()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    window.session.stop()
    stats = window.last_stats
    errors = [text for level, text in window.session.messages.values() if level == "error"]
    if errors and stats.n_processed == 0:
        print(f"synchrony monitor: failed: {errors[0]}", file=sys.stderr)
        return 1
    unsaved = "" if saved[0] else f"; error: could not write {config.screenshot}"
    recorded = (f"; recorded {recording.writer.metadata['frames_recorded']} frames into "
                f"{recording.path} (ended: {recording.writer.metadata['ended']})"
                if recording is not None else "")
    print(f"synchrony monitor: {stats.summary_line()}{recorded}{unsaved}", file=sys.stderr)
    failed = recording is not None and recording.writer.metadata["ended"] not in (
        "clean", "interrupted")
    return 0 if saved[0] and not failed else 1
