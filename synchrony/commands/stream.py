"""``synchrony stream``: the live runner without a window, for a lab PC, a server or a script.

Outputs: LSL outlets (``--lsl``: ``<prefix>.signals``, ``.timeline``, ``.frames``), JSON
lines (``--jsonl PATH`` or ``-`` for standard output: one object per synchrony row), a
crash-safe session (``--record DIR``, landmarks only; its ``session.json`` holds the LSL
clock at its start), LSL markers into that session (``--markers-lsl NAME``). Files are
played at real time, like a camera. Ctrl-C or SIGTERM end it cleanly.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any

from synchrony.commands.options import (
    add_group_readable_argument,
    add_live_source_arguments,
    live_source_block,
    open_live_source,
    run_with_signals,
)
from synchrony.engine.lead import SIGN_CONVENTION
from synchrony.errors import InputError
from synchrony.live.lsl import DEFAULT_PREFIX

MARKER_TIMEOUT_S = 10.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``stream`` subcommand."""
    p = subparsers.add_parser(
        "stream", help="live synchrony without a window: LSL outlets, JSON lines, a session",
        description="Track A (left) and B (right) live, without a window, and publish the "
        "signals, the synchrony timeline and the frame times over Lab Streaming Layer "
        "(--lsl), as JSON lines (--jsonl), and/or record a session (--record). Files play at "
        f"real time. {SIGN_CONVENTION}.")
    add_live_source_arguments(p, required=True)
    p.add_argument("--lsl", action="store_true", help="open the three LSL outlets")
    p.add_argument("--lsl-prefix", default=DEFAULT_PREFIX,
                   help=f"LSL stream names are PREFIX.signals etc. (default {DEFAULT_PREFIX})")
    p.add_argument("--lsl-wait-s", type=float, default=0.0, metavar="S",
                   help="before the source starts, wait up to S s for a consumer (LabRecorder, "
                   "a script) on each outlet: LSL delivers only samples pushed after a "
                   "consumer connected (default 0: start at once)")
    p.add_argument("--jsonl", metavar="PATH|-", default=None,
                   help="write one JSON object per synchrony row (- = standard output)")
    p.add_argument("--record", type=Path, metavar="DIR", default=None,
                   help="also record a session (landmarks only) into DIR (new or empty)")
    add_group_readable_argument(p)
    p.add_argument("--markers-lsl", metavar="NAME", default=None,
                   help="store the markers of this LSL stream in the recorded session")
    p.add_argument("--marker-timeout-s", type=float, default=MARKER_TIMEOUT_S,
                   help=f"wait this long for the marker stream (default {MARKER_TIMEOUT_S:g})")
    p.add_argument("--exit-after-s", type=float, default=None,
                   help="stop after this many seconds (of the video, or of wall time)")
    p.add_argument("--window-s", type=float, default=5.0, help="WCC window in s (default 5)")
    p.add_argument("--step-s", type=float, default=0.5, help="step between rows in s (0.5)")
    p.add_argument("--max-lag-s", type=float, default=2.0, help="largest lag in s (default 2)")
    p.add_argument("--model-dir", type=Path, help="folder with the MediaPipe .task bundles")
    p.add_argument("--pose-variant", choices=("lite", "full"), default="lite")
    p.set_defaults(func=run)


def _check(args: argparse.Namespace) -> None:
    if not (args.lsl or args.jsonl or args.record):
        raise InputError("nothing to do: give --lsl, --jsonl PATH|- and/or --record DIR")
    if args.exit_after_s is not None and not args.exit_after_s > 0:
        raise InputError(f"--exit-after-s must be > 0, got {args.exit_after_s:g}")
    if not 0 <= args.lsl_wait_s <= 24 * 3600 or (args.lsl_wait_s and not args.lsl):
        raise InputError("--lsl-wait-s must be between 0 and 86400 s and needs --lsl")
    if args.markers_lsl and not args.record:
        raise InputError("--markers-lsl stores markers in a session: give --record DIR too")
    if args.record is not None and args.record.exists() and (
            not args.record.is_dir() or any(args.record.iterdir())):
        raise InputError(f"--record {args.record} exists and is not an empty directory; a "
                         "recording is never overwritten")


def run(args: argparse.Namespace) -> int:
    """Run headless until the source ends, --exit-after-s, or a signal."""
    from synchrony.capture.factory import tracker_factory
    from synchrony.live.jsonl import JsonlOutput
    from synchrony.live.lsl import outlets_for, require_lsl
    from synchrony.live.pipeline import LivePipeline
    from synchrony.live.runner import MAX_SILENCE_S, LiveRunner
    from synchrony.live.threads import LatestFrameMailbox

    _check(args)
    if args.lsl or args.markers_lsl:
        require_lsl()  # no liblsl: one line, exit 2, before anything opens
    mailbox: LatestFrameMailbox[Any] = LatestFrameMailbox()
    pipeline = LivePipeline(window_s=args.window_s, step_s=args.step_s,
                            max_lag_s=args.max_lag_s, mailbox=mailbox, auto_update=False)
    outlets = outlets_for(pipeline, args.lsl_prefix) if args.lsl else None
    if outlets is not None and args.lsl_wait_s > 0:
        alone = outlets.wait_for_consumers(args.lsl_wait_s)
        if alone:
            print(f"warning: no consumer on {', '.join(alone)} after {args.lsl_wait_s:g} s; "
                  "starting anyway", file=sys.stderr)
    jsonl = JsonlOutput(args.jsonl, outlets.clock if outlets else None) if args.jsonl else None
    with open_live_source(args) as source:
        make_tracker = tracker_factory(args.model_dir, args.pose_variant)
        is_file = args.video is not None
        runner = LiveRunner(source, make_tracker, pipeline=pipeline, mailbox=mailbox,
                            duration_s=args.exit_after_s if is_file else None,
                            max_silence_s=None if is_file else MAX_SILENCE_S)
        for output in (outlets, jsonl):
            if output is not None:
                runner.add_output(output)
        recorder, markers = _recording(args, source, runner)
        timer = (threading.Timer(args.exit_after_s, runner.stop, kwargs={"ended": "clean"})
                 if args.exit_after_s and not is_file else None)
        try:
            if timer:
                timer.start()
            ended = run_with_signals(runner)
        finally:
            if timer:
                timer.cancel()
            if markers is not None:
                markers.stop()
            if recorder is not None:
                recorder.close(runner.ended or "interrupted")
    return _report(args, runner, ended, outlets, jsonl, recorder)


def _recording(args: argparse.Namespace, source: Any, runner: Any) -> tuple[Any, Any]:
    """Return the session recorder (``--record``) and the marker inlet (``--markers-lsl``)."""
    if args.record is None:
        return None, None
    from synchrony.live.lsl_markers import MarkerInlet
    from synchrony.records import HALVES, PERSONS
    from synchrony.session.recorder import SessionRecorder
    from synchrony.session.store import SessionWriter

    writer = SessionWriter(args.record, source=live_source_block(source, args),
                           fps=source.fps_hint,
                           parameters={"pose_variant": args.pose_variant, "command": "stream"},
                           regions=HALVES,
                           participants={p: {"code": None, "role": None} for p in PERSONS},
                           consent={"confirmed": False}, video_saved=False,
                           group_readable=args.group_readable)
    recorder = SessionRecorder(writer, fps_hint=source.fps_hint)
    runner.add_output(recorder, required=True)
    markers = None
    if args.markers_lsl:
        markers = MarkerInlet(args.markers_lsl, recorder.add_lsl_marker, runner.report,
                              timeout_s=args.marker_timeout_s).start()
    return recorder, markers



def _report(args: argparse.Namespace, runner: Any, ended: str, outlets: Any, jsonl: Any,
            recorder: Any) -> int:
    if runner.failure is not None:
        raise runner.failure
    stats = runner.stats()
    parts = [f"stream ended: {ended}; {stats.n_processed} of {stats.n_captured} frames "
             f"tracked ({stats.n_dropped} dropped by the tracker, {stats.mean_processed_fps:.1f} "
             "fps)"]
    if outlets is not None:
        parts.append("LSL samples pushed: " + ", ".join(
            f"{outlets.names[k]} {n}" for k, n in outlets.n_pushed.items()))
    if jsonl is not None:
        parts.append(f"{jsonl.n_rows} JSON rows")
    if recorder is not None:
        parts.append(f"session in {args.record}")
    print("; ".join(parts), file=sys.stderr)
    for key, (level, text) in sorted(runner.messages.items()):
        if level in ("error", "warning"):
            print(f"  {key}: {text}", file=sys.stderr)
    return 0 if ended in ("clean", "interrupted") else 1
