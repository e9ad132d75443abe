"""``synchrony analyze VIDEO --out DIR``: synchrony numbers, tables and plots for one video."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from synchrony.analysis.pair import AnalysisParameters
from synchrony.batch.analyze import analyze_video
from synchrony.batch.report import summary_lines
from synchrony.capture import factory
from synchrony.commands.options import (  # noqa: F401 (parse_signals: re-exported)
    add_analysis_arguments,
    check_analysis_arguments,
    parse_signals,
)
from synchrony.engine.lead import SIGN_CONVENTION
from synchrony.errors import InputError


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
    add_analysis_arguments(p)
    p.add_argument("--calibration", type=Path, default=None, metavar="PROFILE.json",
                   help="calibration profile (synchrony calibrate): regions, roles, body "
                   "scale and noise floor; default: left/right halves, no noise floor")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(func=run)


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
