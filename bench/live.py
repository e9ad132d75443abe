"""Live monitor benchmark: a 30 fps "camera" made from the demo clip, for a few minutes.

    python bench/live.py [--duration-s 180] [--input-fps 30] [--mode window|session|runner]
                         [--clip sample_videos/demo_dyad_a_leads_0.5s.mp4] [--model-dir DIR]

Baseline (same run, first): the tracker alone on 140 pre-decoded frames, one after another.
Then the clip is decoded in a loop and delivered at ``--input-fps`` on the capture thread,
timed on arrival like a camera. Everything else is the product: the ``LiveRunner`` threads,
the one-slot mailbox, ``MediaPipeTracker``, ``LivePipeline`` and, with ``--mode window``
(default), the dashboard redrawing at ~30 Hz offscreen. ``--mode session``: the dashboard's
Qt adapter (``LiveSession``) without a window; ``--mode runner``: the Qt-free ``LiveRunner``
alone, as ``record`` and headless streaming use it. Printed: processed fps and its ratio to
the 25 fps target, dropped fraction, capture -> record latency p50/p95 (last 5000 frames),
the pipeline's own cost (``push`` on the tracking thread, ``update`` on the analysis
thread), and resident memory (VmRSS from /proc/self/status) after 10 s of warm-up, every
30 s, and at the end (last reading before the run stops).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from PyQt6 import QtCore, QtWidgets

from synchrony.capture.sources import VideoFileSource
from synchrony.gui.app import mediapipe_tracker_factory
from synchrony.gui.qt_dashboard import MainWindow
from synchrony.gui.workers import LiveSession, SourceChoice
from synchrony.live import (
    CapturedFrame,
    LatestFrameMailbox,
    LiveParameters,
    LivePipeline,
    LiveRunner,
    limit_blas_threads,
)
from synchrony.records import Frame

REPO = Path(__file__).resolve().parents[1]
TARGET_FPS = 25.0
WARMUP_S = 10.0


def rss_mb() -> float:
    """Resident set size of this process in MB (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class PacedClip:
    """A looped video file delivered at ``fps`` on a monotonic clock, like a camera."""

    is_live = True
    n_consecutive_failures = 0

    def __init__(self, path: Path, fps: float) -> None:
        self._inner = VideoFileSource(path, loop=True)
        self.fps, self.description = fps, f"{path.name} paced at {fps:g} fps"
        self._start: float | None = None
        self._k = 0

    def read(self) -> Frame | None:
        now = time.perf_counter()
        self._start = now if self._start is None else self._start
        due = self._start + self._k / self.fps
        if due > now:
            time.sleep(due - now)
        frame = self._inner.read()
        if frame is None:
            return None
        self._k += 1
        return Frame(frame.image_rgb, time.perf_counter() - self._start, self._k - 1)

    def close(self) -> None:
        self._inner.close()


class TimedPipeline(LivePipeline):
    """LivePipeline that records how long each ``push`` and each ``update`` take (s)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.push_s: list[float] = []
        self.update_s_taken: list[float] = []

    def push(self, *args: object, **kwargs: object) -> None:
        start = time.perf_counter()
        super().push(*args, **kwargs)  # type: ignore[arg-type]
        self.push_s.append(time.perf_counter() - start)

    def update(self) -> bool:
        start = time.perf_counter()
        done = super().update()
        if done:
            self.update_s_taken.append(time.perf_counter() - start)
        return done


def bare_tracking_fps(clip: Path, make_tracker, n_frames: int = 150) -> float:  # noqa: ANN001
    """Baseline: frames/s of the tracker alone, one frame after another, pre-decoded frames."""
    with VideoFileSource(clip) as source:
        frames = [source.read() for _ in range(n_frames)]
    tracker = make_tracker()
    try:
        for frame in frames[:10]:  # graph warm-up
            tracker.track(frame)
        start = time.perf_counter()
        for frame in frames[10:]:
            tracker.track(frame)
        return (n_frames - 10) / (time.perf_counter() - start)
    finally:
        tracker.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration-s", type=float, default=180.0)
    parser.add_argument("--input-fps", type=float, default=30.0)
    parser.add_argument("--mode", choices=("window", "session", "runner"), default="window")
    parser.add_argument("--clip", type=Path,
                        default=REPO / "sample_videos" / "demo_dyad_a_leads_0.5s.mp4")
    parser.add_argument("--model-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    limit_blas_threads(1)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QtWidgets.QApplication(sys.argv[:1])
    pipelines: list[TimedPipeline] = []

    def make_pipeline(mailbox, parameters: LiveParameters) -> TimedPipeline:  # noqa: ANN001
        pipelines.append(TimedPipeline(window_s=parameters.window_s, step_s=parameters.step_s,
                                       max_lag_s=parameters.max_lag_s,
                                       signal=parameters.signal, mailbox=mailbox,
                                       auto_update=False))
        return pipelines[-1]

    make_tracker = mediapipe_tracker_factory(args.model_dir, "lite")
    baseline_fps = bare_tracking_fps(args.clip, make_tracker)
    session = LiveSession(make_tracker, make_pipeline)
    window = None
    runner = None
    if args.mode == "window":
        window = MainWindow(session, LiveParameters())
        window.resize(1280, 800)
        window.show()
    if args.mode == "runner":
        mailbox: LatestFrameMailbox[CapturedFrame] = LatestFrameMailbox()
        runner = LiveRunner(lambda: PacedClip(args.clip, args.input_fps), make_tracker,
                            pipeline=make_pipeline(mailbox, LiveParameters()),
                            mailbox=mailbox, retry=True)
        runner.start()
    else:
        session.start(SourceChoice("camera", 0), LiveParameters(),
                      open_source=lambda: PacedClip(args.clip, args.input_fps))
    rss: dict[str, float] = {}
    marks: list[tuple[float, float]] = []
    start = time.perf_counter()

    def sample() -> None:
        elapsed = time.perf_counter() - start
        if elapsed > WARMUP_S + args.duration_s - 0.5:
            return  # quitting: pyqtgraph's clean-up on aboutToQuit frees memory
        rss["end"] = rss_mb()  # the last reading of the running dashboard
        if os.environ.get("BENCH_TRACE_RSS"):
            print(f"{elapsed:6.1f} s  {rss['end']:.0f} MB", file=sys.stderr)
        if elapsed >= WARMUP_S and "start" not in rss:
            rss["start"] = rss_mb()
            marks.append((elapsed, rss["start"]))
        elif "start" in rss and elapsed - marks[-1][0] >= 30:
            marks.append((elapsed, rss_mb()))

    timer = QtCore.QTimer()
    timer.setInterval(1000)
    timer.timeout.connect(sample)
    timer.start()
    QtCore.QTimer.singleShot(int((args.duration_s + WARMUP_S) * 1000), app.quit)
    app.exec()
    stats = pipelines[-1].stats()
    if runner is not None:
        runner.stop()
        runner.join(10.0)
    session.stop()
    if window is not None:
        window.close()
    errors = [text for _, text in (runner or session).messages.values()]
    if stats.n_processed == 0:
        print(f"bench/live.py: nothing processed: {errors}", file=sys.stderr)
        return 1
    push_ms = np.array(pipelines[-1].push_s) * 1000
    update_ms = np.array(pipelines[-1].update_s_taken) * 1000
    print(f"live monitor, {args.duration_s:g} s after {WARMUP_S:g} s warm-up, input "
          f"{args.input_fps:g} fps ({args.clip.name} looped), pose lite + face, "
          f"mode {args.mode}, {os.cpu_count()} CPUs")
    print(f"processed fps        {stats.mean_processed_fps:6.1f}   ratio to "
          f"{TARGET_FPS:g} fps target: {stats.mean_processed_fps / TARGET_FPS:.2f}")
    print(f"baseline             {baseline_fps:6.1f}   fps of the tracker alone (same run, "
          f"no capture/pipeline/GUI); live / baseline: "
          f"{stats.mean_processed_fps / baseline_fps:.2f}")
    print(f"dropped fraction     {stats.dropped_fraction:6.2f}   ({stats.n_dropped} of "
          f"{stats.n_captured} captured frames)")
    print(f"latency p50 / p95    {stats.latency_p50_s * 1000:6.0f} / "
          f"{stats.latency_p95_s * 1000:.0f} ms (capture -> tracked record)")
    print(f"pipeline push        {push_ms.mean():6.2f} ms mean per frame, p95 "
          f"{np.percentile(push_ms, 95):.1f} ms (tracking thread)")
    print(f"pipeline update      {update_ms.mean():6.1f} ms mean, p95 "
          f"{np.percentile(update_ms, 95):.0f} ms, {len(update_ms)} updates "
          f"(analysis thread, every 0.5 s)")
    print(f"RSS start / end      {rss.get('start', float('nan')):6.0f} / {rss['end']:.0f} MB "
          f"(+{rss['end'] - rss.get('start', float('nan')):.1f} MB); every 30 s: "
          + ", ".join(f"{mb:.0f}" for _, mb in marks))
    if errors:
        print(f"messages: {errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
