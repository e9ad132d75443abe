"""``synchrony analyze VIDEO --out DIR``: synchrony numbers, tables and plots for one video."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from synchrony.analysis.pair import SURROGATE_METHODS, AnalysisParameters
from synchrony.batch.analyze import DEFAULT_GRID_HZ, analyze_video
from synchrony.batch.report import summary_lines
from synchrony.capture import factory
from synchrony.engine import validation
from synchrony.engine.lead import SIGN_CONVENTION
from synchrony.engine.wcc import check_parameters
from synchrony.errors import InputError
from synchrony.signals.registry import signal_names


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``analyze`` subcommand."""
    p = subparsers.add_parser(
        "analyze",
        help="track both people in a video and measure their movement synchrony",
        description="Track person A (left) and person B (right), turn their movement into "
        "signals, and measure coupling with windowed cross-correlation, peak picking and "
        f"surrogate tests. {SIGN_CONVENTION}.",
    )
    p.add_argument("video", type=Path, help="video file (mp4, mov, mkv, avi …) or a session "
                   "directory (synchrony record), analysed from its landmarks")
    p.add_argument("--out", type=Path, required=True, help="output directory (created)")
    p.add_argument("--window-s", type=float, default=5.0, help="WCC window in s (default 5)")
    p.add_argument("--step-s", type=float, default=0.5, help="step between windows in s (0.5)")
    p.add_argument("--max-lag-s", type=float, default=2.0, help="largest lag in s (default 2)")
    signals = ",".join(signal_names())
    p.add_argument("--signals", default=signals,
                   help=f"comma-separated signals (default {signals})")
    p.add_argument("--surrogates", type=int, default=200,
                   help="surrogate pairs for the significance test (default 200; 0 = none)")
    p.add_argument("--surrogate-method", choices=SURROGATE_METHODS, default="circular_shift")
    p.add_argument("--grid-hz", type=float, default=DEFAULT_GRID_HZ,
                   help=f"rate of the signal grid in Hz (default {DEFAULT_GRID_HZ:g})")
    p.add_argument("--seed", type=int, default=0, help="random seed of the surrogates")
    p.add_argument("--model-dir", type=Path, default=None,
                   help="folder with the MediaPipe .task bundles")
    p.add_argument("--calibration", type=Path, default=None, metavar="PROFILE.json",
                   help="calibration profile (synchrony calibrate): regions, roles, body "
                   "scale and noise floor; default: left/right halves, no noise floor")
    p.add_argument("--pose-variant", choices=("lite", "full"), default="lite")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(func=run)


def parse_signals(text: str) -> list[str]:
    """Comma-separated signal names, each a registered signal."""
    names = [s.strip() for s in text.split(",") if s.strip()]
    known = signal_names()
    bad = [s for s in names if s not in known]
    if not names or bad:
        raise InputError(f"--signals must be a comma-separated subset of {','.join(known)}, "
                         f"got {text!r}")
    return names


def check_analysis_arguments(args: argparse.Namespace) -> AnalysisParameters:
    """Validate the numeric arguments before any video is opened."""
    validation.positive("grid_hz", args.grid_hz)
    check_parameters(10**9, fs_hz=args.grid_hz, window_s=args.window_s, step_s=args.step_s,
                     max_lag_s=args.max_lag_s)
    if args.surrogates < 0:
        raise InputError(f"--surrogates must be >= 0, got {args.surrogates}")
    return AnalysisParameters(window_s=args.window_s, step_s=args.step_s,
                              max_lag_s=args.max_lag_s, n_surrogates=args.surrogates,
                              surrogate_method=args.surrogate_method, seed=args.seed)


def run(args: argparse.Namespace) -> int:
    """Analyse the video and print where the results are."""
    params = check_analysis_arguments(args)
    names = parse_signals(args.signals)
    if not args.video.exists():
        raise InputError(f"no such file: {args.video}")
    if args.video.is_dir():
        return run_session(args, params, names)
    from synchrony.calibration.apply import calibration_arguments

    calibration = calibration_arguments(args.calibration, args.video)
    extra = {"pose_variant": args.pose_variant, "signals": names,
             **calibration.pop("extra_parameters")}
    make = factory.tracker_factory(args.model_dir, args.pose_variant)
    summary = analyze_video(
        args.video, args.out, params=params, make_tracker=make,
        signal_names=names, grid_hz=args.grid_hz, extra_parameters=extra,
        overwrite=args.overwrite, progress=not args.no_progress, **calibration,
    )
    print_summary(summary, args.out)
    return 0


def run_session(args: argparse.Namespace, params: AnalysisParameters, names: list[str]) -> int:
    """Analyse a recorded session directory from its landmarks (no video, no MediaPipe).

    Also stores the episodes in the session and writes the tidy exports
    (:func:`synchrony.session.analysis.analyze_session`).
    """
    from synchrony.calibration.apply import session_calibration_arguments
    from synchrony.session.analysis import analyze_session
    from synchrony.session.store import open_session_reporting

    if getattr(args, "calibration", None) is not None:
        raise InputError("--calibration applies to videos; a session is analysed with the "
                         "calibration it was recorded with")
    session = open_session_reporting(args.video)
    summary = analyze_session(session, args.out, params=params, signal_names=names,
                              grid_hz=args.grid_hz, extra_parameters={"signals": names},
                              overwrite=args.overwrite, **session_calibration_arguments(session))
    print_summary(summary, args.out)
    return 0


def print_summary(summary: dict[str, Any], out: Path) -> None:
    """One line per signal, the warnings and where the results are, on stderr."""
    for line in summary_lines(summary, out):
        print(line, file=sys.stderr)
