"""``synchrony monitor``: the live dashboard (PyQt6 + pyqtgraph).

Qt is imported only inside :func:`run`, so the command line and the core stay Qt-free when
this module is imported.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from synchrony.capture.samples import sample_clip
from synchrony.commands.options import add_group_readable_argument
from synchrony.engine.lead import SIGN_CONVENTION
from synchrony.errors import InputError
from synchrony.gui.display import no_display
from synchrony.signals.registry import signal_names


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``monitor`` subcommand."""
    p = subparsers.add_parser(
        "monitor",
        help="live dashboard: video with skeletons, movement traces, WCC heatmap, gauge",
        description="Live synchrony dashboard for two people (A = left, B = right). Without a "
        "source it uses camera 0 if there is one, else the bundled sample clip (looped). "
        f"Files play at real time, like a camera. {SIGN_CONVENTION}. Keys: Space start/stop, "
        "R record, 1-4 signal, V video only, F11 full screen, Ctrl+Q quit.",
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument("video", nargs="?", type=Path, help="video file to play at real time")
    source.add_argument("--camera", type=int, metavar="N", help="camera index")
    source.add_argument("--stream", metavar="URL", help="network stream URL (rtsp, http, ...)")
    p.add_argument("--loop", action="store_true", help="play the video file in a loop")
    p.add_argument("--model-dir", type=Path, metavar="DIR",
                   help="directory searched first for the MediaPipe bundles")
    p.add_argument("--pose-variant", choices=("lite", "full"), default="lite",
                   help="pose model (default lite: faster)")
    p.add_argument("--window-s", type=float, default=5.0, help="WCC window in s (default 5)")
    p.add_argument("--step-s", type=float, default=0.5,
                   help="time between heatmap rows in s (default 0.5)")
    p.add_argument("--max-lag-s", type=float, default=2.0, help="largest lag in s (default 2)")
    p.add_argument("--signal", choices=signal_names(), default="body", help="signal shown first")
    p.add_argument("--exit-after-s", type=float, metavar="N", help="quit after N seconds")
    p.add_argument("--screenshot", type=Path, metavar="PNG",
                   help="save the window as PNG just before exit (with --exit-after-s)")
    p.add_argument("--record", type=Path, metavar="DIR",
                   help="record the session (landmarks only, crash-safe) into DIR, a new or "
                   "empty directory, like `synchrony record`")
    p.add_argument("--calibration", type=Path, metavar="PROFILE.json",
                   help="calibration profile (synchrony calibrate): regions and roles of A and "
                   "B, body scale; stored in the recorded session")
    add_group_readable_argument(p)
    p.add_argument("--lsl", action="store_true",
                   help="publish signals, timeline and frame times over Lab Streaming Layer")
    p.add_argument("--lsl-prefix", default="synchrony",
                   help="LSL stream names are PREFIX.signals etc. (default synchrony)")
    p.add_argument("--markers-lsl", metavar="NAME", default=None,
                   help="store the markers of this LSL stream in recordings")
    p.set_defaults(func=run)


def _camera_exists(index: int = 0) -> bool:
    """Probe quickly whether camera ``index`` can be opened (OpenCV's own messages silenced)."""
    if sys.platform.startswith("linux") and not Path(f"/dev/video{index}").exists():
        return False
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    capture = cv2.VideoCapture(index)
    try:
        return bool(capture.isOpened())
    finally:
        capture.release()


def _source(args: argparse.Namespace) -> tuple[str, str | int, bool]:
    """(kind, value, loop) of the source to open; says on stderr what was chosen by default."""
    if args.camera is not None:
        return "camera", args.camera, False
    if args.stream:
        return "stream", args.stream, False
    if args.video is not None:
        from synchrony.capture.sources import probe_video

        probe_video(args.video)  # a bad file is a one-line error before any window opens
        return "file", str(args.video), args.loop
    if _camera_exists(0):
        print("synchrony monitor: using camera 0", file=sys.stderr)
        return "camera", 0, False
    clip = sample_clip()
    if not clip.is_file():
        raise InputError(f"no camera found and the sample clip is missing: {clip}")
    print(f"synchrony monitor: no camera found; playing the sample clip {clip} (looped)",
          file=sys.stderr)
    return "file", str(clip), True


@contextlib.contextmanager
def _quiet_native_stderr(enabled: bool) -> Iterator[None]:
    """Send native libraries' log lines (MediaPipe, Qt, OpenCV) on fd 2 to /dev/null.

    Python's ``sys.stderr`` keeps writing to the real stderr, so our one-line messages
    still appear.
    """
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved_fd = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    original = sys.stderr
    sys.stderr = os.fdopen(os.dup(saved_fd), "w", buffering=1)
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr.close()
        sys.stderr = original
        os.dup2(saved_fd, 2)
        os.close(saved_fd)


def run(args: argparse.Namespace) -> int:
    """Open the dashboard; return the exit status."""
    record = args.record
    if record is not None and record.exists() and (
            not record.is_dir() or any(record.iterdir())):
        raise InputError(f"--record {record} exists and is not an empty directory; a "
                         "recording is never overwritten")
    profile = None
    if args.calibration is not None:
        from synchrony.calibration.profile import load_profile

        profile = load_profile(args.calibration)  # one-line InputError: exit 2
    if args.screenshot is not None and args.exit_after_s is None:
        raise InputError("--screenshot needs --exit-after-s (the PNG is taken just before exit)")
    if args.exit_after_s is not None and args.exit_after_s <= 0:
        raise InputError(f"--exit-after-s must be > 0, got {args.exit_after_s:g}")
    from synchrony.live import LivePipeline

    LivePipeline(window_s=args.window_s, step_s=args.step_s, max_lag_s=args.max_lag_s,
                 signal=args.signal)  # bad parameters: one-line error, exit 2
    if args.lsl or args.markers_lsl:
        from synchrony.live.lsl import require_lsl, taken_names

        require_lsl()  # no liblsl: one line, exit 2
        taken = taken_names([f"{args.lsl_prefix}.{k}" for k in ("signals", "timeline",
                                                                 "frames")]) if args.lsl else []
        if taken:
            raise InputError(f"the LSL stream name {taken[0]} is already taken (another "
                             "synchrony running?); choose other names with --lsl-prefix")
    kind, value, loop = _source(args)
    if no_display("monitor"):
        return 1
    with _quiet_native_stderr(not getattr(args, "debug", False)):
        from synchrony.gui.app import MonitorConfig, run_monitor
        from synchrony.gui.workers import SourceChoice
        from synchrony.live import LiveParameters

        parameters = LiveParameters(args.window_s, args.step_s, args.max_lag_s, args.signal)
        config = MonitorConfig(
            source=SourceChoice(kind, value, loop), parameters=parameters,
            model_dir=args.model_dir, pose_variant=args.pose_variant,
            exit_after_s=args.exit_after_s, screenshot=args.screenshot, record=record,
            calibration=profile, group_readable=args.group_readable, lsl=args.lsl,
            lsl_prefix=args.lsl_prefix,
            markers_lsl=args.markers_lsl)
        return run_monitor(config)
