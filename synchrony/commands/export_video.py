"""``synchrony export-video SESSION_DIR --out ANNOTATED.mp4``: a session as annotated video.

Every frame of the session: the saved video when there is one, else the skeletons on a grey
background at the recorded size and timing. See :mod:`synchrony.render.frames` for what is drawn.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from synchrony.engine.lead import SIGN_CONVENTION
from synchrony.errors import InputError
from synchrony.session.store import open_session_reporting
from synchrony.signals.registry import signal_names

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export-video`` subcommand."""
    p = subparsers.add_parser(
        "export-video", help="write a recorded session as an annotated H.264 video",
        description="Skeletons, region boxes, a synchrony gauge and a timeline of the "
        "session's per-window peak r with its episodes, on every frame of the session "
        f"(the saved video, or a grey background without one). {SIGN_CONVENTION}.")
    p.add_argument("session", type=Path, help="session directory (synchrony record --out)")
    p.add_argument("--out", type=Path, required=True, help="annotated video (.mp4)")
    p.add_argument("--signal", choices=signal_names(), default="body",
                   help="signal shown in the gauge and timeline (default body)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Export the annotated video and say where it is."""
    from synchrony.session.export_video import export_annotated_video

    out: Path = args.out
    if out.suffix.lower() not in VIDEO_SUFFIXES:
        raise InputError(f"--out must end in {', '.join(VIDEO_SUFFIXES)}, got {out.name}")
    if out.exists() and not args.overwrite:
        raise InputError(f"--out {out} exists; use --overwrite to replace it")
    if not out.resolve().parent.is_dir():
        raise InputError(f"cannot write {out}: {out.resolve().parent} does not exist")
    if not os.access(out.resolve().parent, os.W_OK):
        raise InputError(f"cannot write {out}: {out.resolve().parent} is not writable")
    session = open_session_reporting(args.session)
    n_frames = export_annotated_video(session, out, signal=args.signal,
                                      progress=not args.no_progress)
    print(f"{n_frames} annotated frames written to {out}", file=sys.stderr)
    return 0
