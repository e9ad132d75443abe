"""``synchrony record``: record a session (landmarks always, the raw video only on request).

The command parses its arguments and drives the library: a
:class:`~synchrony.live.runner.LiveRunner` (capture -> one-slot mailbox -> tracking; a file is
paced at real time, like a camera) with a :class:`~synchrony.session.recorder.SessionRecorder`
(the session, and with ``--save-video`` every captured frame as H.264 in
``SESSION_DIR/video.mp4``) and a progress bar as its outputs. Frames the tracker skipped
because a newer one was waiting are counted in ``frames_dropped_by_tracker``.

Consent and privacy: landmarks only by default. ``--save-video`` keeps identifiable faces, so
it requires ``--consent-confirmed`` (else: one-line error, exit status 2). A landmark-only
recording without ``--consent-confirmed`` is allowed (no images are kept) and is stored with
``consent_confirmed: false`` so that it can be filtered out later.

SIGINT/SIGTERM stop the recording; everything captured and tracked is written and the session
is closed with ``ended: "interrupted"``. A full disk stops it with ``ended: "disk full"``; a
live source silent for ``MAX_SILENCE_S`` with ``ended: "source lost"`` (exit status 1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from synchrony.capture.sources import FrameSource
from synchrony.commands.options import (
    add_group_readable_argument,
    add_live_source_arguments,
    live_source_block,
    open_live_source,
    run_with_signals,
)
from synchrony.errors import InputError
from synchrony.live.outputs import ProgressOutput
from synchrony.live.runner import MAX_SILENCE_S, LiveRunner
from synchrony.progress import ProgressBar
from synchrony.records import HALVES, PERSONS, Region
from synchrony.session.recorder import SessionRecorder
from synchrony.session.store import VIDEO_FILE, SessionWriter, now_iso


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``record`` subcommand."""
    p = subparsers.add_parser(
        "record", help="record a session: landmarks (and, with consent, the video)",
        description="Track person A (left) and B (right) live and write their landmarks "
        "into a crash-safe session directory. Files are played at real time like a camera. "
        "--save-video also keeps every captured frame as H.264 and requires "
        "--consent-confirmed. Stop with Ctrl-C.")
    add_live_source_arguments(p, required=True)
    p.add_argument("--out", type=Path, required=True, help="new session directory")
    add_group_readable_argument(p)
    p.add_argument("--save-video", action="store_true",
                   help="also keep the raw video (needs --consent-confirmed)")
    p.add_argument("--consent-confirmed", action="store_true",
                   help="both participants consented to this recording")
    p.add_argument("--consent-by", metavar="NAME", help="who confirmed consent")
    for person in ("a", "b"):
        p.add_argument(f"--participant-{person}", metavar="CODE",
                       help=f"pseudonymous code of person {person.upper()}")
        p.add_argument(f"--role-{person}", metavar="ROLE",
                       help=f"role of person {person.upper()} (e.g. therapist)")
    p.add_argument("--duration-s", type=float, help="stop after this many seconds")
    p.add_argument("--calibration", type=Path, metavar="PROFILE.json",
                   help="calibration profile (synchrony calibrate): regions and roles of A "
                   "and B, stored in the session for analyze")
    p.add_argument("--model-dir", type=Path, help="folder with the MediaPipe .task bundles")
    p.add_argument("--pose-variant", choices=("lite", "full"), default="lite")
    p.add_argument("--no-progress", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def _check_arguments(args: argparse.Namespace) -> None:
    if args.save_video and not args.consent_confirmed:
        raise InputError("--save-video keeps identifiable video and requires "
                         "--consent-confirmed (landmark-only recording does not)")
    if args.duration_s is not None and not args.duration_s > 0:
        raise InputError(f"--duration-s must be > 0, got {args.duration_s}")
    if args.out.exists() and (not args.out.is_dir() or any(args.out.iterdir())):
        raise InputError(f"--out {args.out} exists and is not an empty directory; a recording "
                         "is never overwritten")


def run(args: argparse.Namespace) -> int:
    """Record a session; print where it is and how it ended."""
    from synchrony.calibration.apply import load_calibration
    from synchrony.capture.factory import tracker_factory

    _check_arguments(args)
    with open_live_source(args) as source:
        make_tracker = tracker_factory(args.model_dir, args.pose_variant)  # models found now
        calibration, regions, roles = (load_calibration(args.calibration, source.size_px)
                                       if args.calibration else
                                       (None, HALVES, dict.fromkeys(PERSONS)))
        writer = _session_writer(args, source, calibration=calibration, regions=regions,
                                 roles=roles)
        with writer:  # Ctrl-C/SIGTERM before or after the run: still closed "interrupted"
            recorder = SessionRecorder(writer, save_video=args.save_video,
                                       fps_hint=source.fps_hint)
            runner = LiveRunner(source, make_tracker, regions=regions,
                                duration_s=args.duration_s, max_silence_s=MAX_SILENCE_S)
            runner.add_output(recorder, required=True)
            if not args.no_progress:
                runner.add_output(ProgressOutput(ProgressBar("recording frames",
                                                             source.n_frames_hint)))
            try:
                run_with_signals(runner)
            finally:
                recorder.close(runner.ended or "interrupted")  # no-op when the run closed it
    return _report(args, recorder, runner)


def _session_writer(args: argparse.Namespace, source: FrameSource, *,
                    calibration: dict[str, Any] | None, regions: tuple[Region, Region],
                    roles: dict[str, str | None]) -> SessionWriter:
    participants = {p: {"code": getattr(args, f"participant_{p.lower()}"),
                        "role": getattr(args, f"role_{p.lower()}") or roles[p]}
                    for p in PERSONS}
    consent = {"confirmed": args.consent_confirmed, "by": args.consent_by,
               "at": now_iso() if args.consent_confirmed else None}
    return SessionWriter(
        args.out, source=live_source_block(source, args), fps=source.fps_hint,
        parameters={"pose_variant": args.pose_variant, "duration_s": args.duration_s},
        regions=regions, calibration=calibration, participants=participants,
        consent=consent, video_saved=args.save_video, group_readable=args.group_readable)


def _report(args: argparse.Namespace, recorder: SessionRecorder, runner: LiveRunner) -> int:
    """Print how the recording ended; return the exit status (1: disk full, source lost)."""
    meta = recorder.writer.metadata
    if meta["ended"] == "disk full":
        print(f"synchrony record: disk full: recording stopped; {meta['frames_recorded']} "
              f"frames written before are kept in {args.out}", file=sys.stderr)
        return 1
    failure = runner.failure or recorder.failure
    if failure is not None:
        raise failure
    print(f"recorded {meta['frames_recorded']} of {recorder.n_captured} captured frames "
          f"({meta['frames_dropped_by_tracker']} dropped by the tracker) into {args.out}; "
          f"ended: {meta['ended']}", file=sys.stderr)
    if args.save_video:
        print(f"video: {recorder.video_frames} frames in {args.out / VIDEO_FILE}",
              file=sys.stderr)
    return 1 if meta["ended"] == "source lost" else 0

