"""``synchrony replay SESSION_DIR``: replay a recorded session in a window.

The saved video (or, without one, the skeletons on a grey background) with both people's
overlays; play/pause/seek/speed; the synchrony timeline of the session under it (click to
seek); episodes (click to jump); markers (M) saved into the session. Lag > 0 means A leads
and B follows.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from synchrony.engine.lead import SIGN_CONVENTION
from synchrony.errors import InputError
from synchrony.gui.display import no_display
from synchrony.session.store import open_session_reporting
from synchrony.signals.registry import signal_names

SPEED_RANGE = (0.25, 4.0)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``replay`` subcommand."""
    p = subparsers.add_parser(
        "replay", help="replay a recorded session with its synchrony timeline and episodes",
        description="Video (or skeletons) with overlays, a synchrony timeline (click to "
        "seek), episodes and markers. Keys: Space play/pause, Left/Right step, M marker, "
        f"1-4 signal. {SIGN_CONVENTION}.")
    p.add_argument("session", type=Path, help="session directory (synchrony record --out)")
    p.add_argument("--signal", choices=signal_names(), default="body",
                   help="signal shown first (default body)")
    p.add_argument("--start-s", type=float, default=0.0, metavar="S",
                   help="start at this time in seconds (default 0)")
    p.add_argument("--speed", type=float, default=1.0,
                   help="playback speed, 0.25 to 4 (default 1)")
    p.add_argument("--play", action="store_true", help="start playing at once")
    p.add_argument("--exit-after-s", type=float, metavar="N",
                   help="close the window after N seconds (headless checks)")
    p.add_argument("--screenshot", type=Path, metavar="PNG",
                   help="save the window as PNG just before exit (needs --exit-after-s)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Open the replay window; return the exit status."""
    if args.screenshot is not None and args.exit_after_s is None:
        raise InputError("--screenshot needs --exit-after-s (the PNG is taken just before exit)")
    if args.exit_after_s is not None and not 0 < args.exit_after_s < math.inf:
        raise InputError(f"--exit-after-s must be > 0 and finite, got {args.exit_after_s:g}")
    if not 0 <= args.start_s < math.inf:
        raise InputError(f"--start-s must be >= 0 and finite, got {args.start_s:g}")
    if not SPEED_RANGE[0] <= args.speed <= SPEED_RANGE[1]:
        raise InputError(f"--speed must be between 0.25 and 4, got {args.speed:g}")
    session = open_session_reporting(args.session)
    if no_display("replay"):
        return 1
    from synchrony.gui.replay_app import ReplayConfig, run_replay

    config = ReplayConfig(signal=args.signal, start_s=args.start_s, speed=args.speed,
                          play=args.play, exit_after_s=args.exit_after_s,
                          screenshot=args.screenshot)
    return run_replay(session, config)
