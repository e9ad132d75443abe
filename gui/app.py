"""Start the live dashboard: ``run_monitor(MonitorConfig(...))`` (used by ``synchrony monitor``)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PyQt6 import QtCore, QtWidgets

from synchrony.live import (
    CapturedFrame,
    LatestFrameMailbox,
    LiveParameters,
    LivePipeline,
    limit_blas_threads,
)
from synchrony.tracking import PersonTracker

from .qt_dashboard import MainWindow
from .workers import LiveSession, SourceChoice

TrackerFactory = Callable[[], PersonTracker]


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
    """

    source: SourceChoice | None
    parameters: LiveParameters = field(default_factory=LiveParameters)
    model_dir: Path | None = None
    pose_variant: str = "lite"
    exit_after_s: float | None = None
    screenshot: Path | None = None
    window_size: tuple[int, int] = (1280, 800)


def mediapipe_tracker_factory(model_dir: Path | None, pose_variant: str) -> TrackerFactory:
    """A factory that finds the bundles (no download) and builds a MediaPipeTracker."""

    def make() -> PersonTracker:
        from synchrony.models import find_model
        from synchrony.tracking import MediaPipeTracker

        pose = find_model("pose", variant=pose_variant, model_dir=model_dir,
                          allow_download=False)
        face = find_model("face", model_dir=model_dir, allow_download=False)
        return MediaPipeTracker(pose_model=pose, face_model=face)

    return make


def make_pipeline(mailbox: LatestFrameMailbox[CapturedFrame],
                  parameters: LiveParameters) -> LivePipeline:
    """A pipeline with the dashboard's defaults (20 Hz grid, 60 s of history), updated by
    the session's analysis thread."""
    return LivePipeline(window_s=parameters.window_s, step_s=parameters.step_s,
                        max_lag_s=parameters.max_lag_s, signal=parameters.signal,
                        mailbox=mailbox, auto_update=False)


def build_window(config: MonitorConfig, tracker_factory: TrackerFactory | None = None
                 ) -> MainWindow:
    """The main window around a fresh session (not started, not shown)."""
    limit_blas_threads(1)
    factory = tracker_factory or mediapipe_tracker_factory(config.model_dir,
                                                            config.pose_variant)
    session = LiveSession(factory, make_pipeline)
    window = MainWindow(session, config.parameters, config.source)
    window.resize(*config.window_size)
    return window


def run_monitor(config: MonitorConfig, tracker_factory: TrackerFactory | None = None) -> int:
    """Show the dashboard until closed (or ``exit_after_s``); print one summary line.

    Returns
    -------
    int
        0; 1 when the run failed before any frame was processed (the reason is printed) or
        the screenshot could not be written.
    """
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(
        [sys.argv[0] if sys.argv else "synchrony"])
    window = build_window(config, tracker_factory)
    window.show()
    if config.source is not None:
        window.start(config.source)
    saved = [True]
    if config.exit_after_s is not None:
        screenshot = str(config.screenshot) if config.screenshot else None
        QtCore.QTimer.singleShot(int(config.exit_after_s * 1000),
                                 lambda: saved.__setitem__(0, window.finish(screenshot)))
    app.exec()
    window.session.stop()
    stats = window.last_stats
    errors = [text for level, text in window.session.messages.values() if level == "error"]
    if errors and stats.n_processed == 0:
        print(f"synchrony monitor: failed: {errors[0]}", file=sys.stderr)
        return 1
    unsaved = "" if saved[0] else f"; error: could not write {config.screenshot}"
    print(f"synchrony monitor: {stats.summary_line()}{unsaved}", file=sys.stderr)
    return 0 if saved[0] else 1
