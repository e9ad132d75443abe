"""``synchrony calibrate (VIDEO | --camera N) --out PROFILE.json``: set the scene once.

Without ``--interactive`` the automatic proposal is written: both people found in the first
seconds, one region each (A = left, B = right), body scale, a camera check, and a baseline
(noise floor) measured while both people sit still: for a video the seconds named with
``--baseline START:END``, or else the stillest ``--baseline-s`` seconds found in its first
``--baseline-search-s`` seconds; for a camera the next ``--baseline-s`` seconds. A person who
moved during the baseline is flagged in the profile and gets no noise floor (a warning says
so; the regions and body scale are still written, exit 0). ``--interactive`` opens the
wizard to adjust the regions, set roles and record the baseline. The profile is used with
``analyze --calibration`` (and ``monitor`` / ``record``).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from synchrony.calibration.workflow import DEFAULT_BASELINE_S, DEFAULT_BASELINE_SEARCH_S
from synchrony.capture.sources import CameraSource, FrameSource, VideoFileSource
from synchrony.errors import InputError

if TYPE_CHECKING:
    from synchrony.calibration.baseline import Baseline
    from synchrony.capture.factory import ModelPaths
    from synchrony.records import Region


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` subcommand."""
    p = subparsers.add_parser(
        "calibrate",
        help="find both people, propose their regions, measure body size and tracker "
        "noise; write a calibration profile",
        description="Propose one region per person (A = left, B = right) from the first "
        "seconds of a video or camera, measure each person's body scale and the tracker's "
        "noise floor while both sit still, check the camera, and write PROFILE.json for "
        "'analyze --calibration'. The noise floor comes from a baseline during which both "
        "people sit still: the seconds of a video named with --baseline START:END, else the "
        "stillest --baseline-s seconds found in the video's first --baseline-search-s "
        "seconds; for a camera the next --baseline-s seconds. A person who moved during it "
        "gets no noise floor (flagged in the profile, with a warning).",
    )
    p.add_argument("video", type=Path, nargs="?", help="video file (or use --camera N)")
    p.add_argument("--camera", type=int, default=None, metavar="N", help="camera index")
    p.add_argument("--out", type=Path, required=True, metavar="PROFILE.json",
                   help="where to write the profile (JSON)")
    p.add_argument("--interactive", action="store_true",
                   help="open the calibration wizard to adjust regions, roles and baseline")
    p.add_argument("--search-s", type=float, default=3.0,
                   help="seconds searched for the two people (default 3)")
    p.add_argument("--baseline", default=None, metavar="START:END",
                   help="seconds of the video in which both people sit still, measured for "
                   "the noise floor (e.g. 0:5); default: the stillest --baseline-s seconds "
                   "are searched for")
    p.add_argument("--baseline-s", type=float, default=None,
                   help="length in seconds of the still stretch searched for in a video, or "
                   "of the baseline from a camera (default 3; 0 = no baseline, no noise "
                   "floor)")
    p.add_argument("--baseline-search-s", type=float, default=DEFAULT_BASELINE_SEARCH_S,
                   help="seconds at the start of a video searched for the still stretch "
                   f"(default {DEFAULT_BASELINE_SEARCH_S:g}; all of them are tracked)")
    p.add_argument("--role-a", default=None, help="role of A, the left person (e.g. therapist)")
    p.add_argument("--role-b", default=None, help="role of B, the right person (e.g. client)")
    p.add_argument("--model-dir", type=Path, default=None,
                   help="folder with the MediaPipe .task bundles")
    p.add_argument("--pose-variant", choices=("lite", "full"), default="lite")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.set_defaults(func=run)


def _source_opener(args: argparse.Namespace) -> Callable[[], FrameSource]:
    """Return a function opening the chosen video or camera (checked now)."""
    if (args.video is None) == (args.camera is None):
        raise InputError("give either a VIDEO file or --camera N (not both)")
    if args.video is not None:
        video: Path = args.video
        if video.is_dir():
            raise InputError(f"{video} is a directory, not a video file")
        if not video.is_file():
            raise InputError(f"no such video file: {video}")
        return lambda: VideoFileSource(video)
    index: int = args.camera
    return lambda: CameraSource(index)


def parse_stretch(text: str) -> tuple[float, float]:
    """``"START:END"`` in seconds -> (start_s, end_s), as ``--baseline`` takes it.

    Raises
    ------
    InputError
        Not two numbers separated by a colon, START < 0, or END <= START.
    """
    parts = text.split(":")
    try:
        if len(parts) != 2:
            raise ValueError(text)
        start_s, end_s = (float(v) for v in parts)
    except ValueError:
        raise InputError(f"--baseline must be START:END in seconds (e.g. 0:5), got "
                         f"{text!r}") from None
    if not (math.isfinite(start_s) and math.isfinite(end_s)):
        raise InputError(f"--baseline needs finite seconds, got {text!r}")
    if start_s < 0:
        raise InputError(f"--baseline {text}: START must be >= 0 s, got {start_s:g}")
    if end_s <= start_s:
        raise InputError(f"--baseline {text}: END must be after START, got {end_s:g} <= "
                         f"{start_s:g}")
    return start_s, end_s


def _check_arguments(args: argparse.Namespace) -> None:
    if not 0 < args.search_s < math.inf:
        raise InputError(f"--search-s must be > 0 and finite, got {args.search_s}")
    if args.baseline_s is not None and not 0 <= args.baseline_s < math.inf:
        raise InputError(f"--baseline-s must be >= 0 and finite, got {args.baseline_s}")
    if not 0 < args.baseline_search_s < math.inf:
        raise InputError(f"--baseline-search-s must be > 0 and finite, got "
                         f"{args.baseline_search_s}")
    args.stretch_s = None
    if args.baseline is not None:
        if args.baseline_s is not None:
            raise InputError("give --baseline START:END or --baseline-s, not both (--baseline "
                             "sets the baseline's length)")
        if args.camera is not None:
            raise InputError("--baseline START:END names seconds of a video file; a camera's "
                             "baseline is its next --baseline-s seconds")
        args.stretch_s = parse_stretch(args.baseline)
    out: Path = args.out
    if out.exists() and not args.overwrite:
        raise InputError(f"--out {out} exists; choose another file or use --overwrite")
    if not out.resolve().parent.is_dir():
        raise InputError(f"cannot write {out}: {out.resolve().parent} does not exist")
    if not os.access(out.resolve().parent, os.W_OK):
        raise InputError(f"cannot write {out}: {out.resolve().parent} is not writable")


def _baseline_s(args: argparse.Namespace) -> float:
    """Seconds of baseline: the named stretch's length, ``--baseline-s``, or 3 s."""
    if args.stretch_s is not None:
        return float(args.stretch_s[1] - args.stretch_s[0])
    return DEFAULT_BASELINE_S if args.baseline_s is None else float(args.baseline_s)


def _check_stretch_in_video(stretch_s: tuple[float, float], video: Path) -> None:
    """InputError if ``--baseline`` ends after the video (its header, within a frame)."""
    with VideoFileSource(video) as source:
        length_s = source.duration_s_hint
        frame_s = 1.0 / (source.fps_hint or 25.0)
    if length_s is not None and stretch_s[1] > length_s + frame_s:
        raise InputError(f"--baseline {stretch_s[0]:g}:{stretch_s[1]:g} ends after the video "
                         f"({video.name} is {length_s:.2f} s long)")


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def describe(profile_dict: dict) -> list[str]:
    """Lines for the terminal: each person's region, role, body scale and noise floor."""
    lines = []
    usable = profile_dict.get("baseline", {}).get("usable", {})
    for person, block in profile_dict["people"].items():
        region = ", ".join(f"{v:.3f}" for v in block["region"])
        scale = block["body_scale"]
        floor = ", ".join(f"{k} {v:.3g}" if v is not None else f"{k} -"
                          for k, v in block["noise_floor"].items())
        unused = " (not used: see the warning)" if usable.get(person) is False else ""
        lines.append(f"{person} ({'left' if person == 'A' else 'right'}, role "
                     f"{block['role'] or '-'}): region [{region}], body scale "
                     f"{'-' if scale is None else f'{scale:.3f}'} of the frame width; "
                     f"noise floor{unused} {floor}")
    warnings = list(profile_dict["camera"].get("warnings", []))
    warnings += profile_dict.get("baseline", {}).get("warnings", [])
    lines += [f"warning: {w}" for w in warnings]
    return lines


def run(args: argparse.Namespace) -> int:
    """Calibrate from the video or camera and write the profile."""
    from synchrony.calibration.profile import save_profile
    from synchrony.calibration.workflow import calibrate_source
    from synchrony.capture.factory import find_models

    _check_arguments(args)
    opener = _source_opener(args)
    if args.stretch_s is not None:
        _check_stretch_in_video(args.stretch_s, args.video)
    models = find_models(args.model_dir, args.pose_variant)
    roles = (args.role_a, args.role_b)
    if args.interactive:
        return _run_wizard(args, opener, models, roles)
    profile = calibrate_source(opener, models, search_s=args.search_s,
                               baseline_s=_baseline_s(args), roles=roles, say=_say,
                               baseline_stretch_s=args.stretch_s,
                               baseline_search_s=args.baseline_search_s)
    save_profile(profile, args.out)
    for line in describe(profile.to_dict()):
        _say(line)
    _say(f"calibration profile written to {args.out}")
    return 0


def _run_wizard(args: argparse.Namespace, opener: Callable[[], FrameSource],
                models: ModelPaths, roles: tuple[str | None, str | None]) -> int:
    """Propose, then hand over to the Qt wizard (Qt is imported only here)."""
    from synchrony.calibration.workflow import propose_scene, record_baseline
    from synchrony.gui.qt_calibration import run_wizard

    source = opener()
    try:
        _say(f"looking for two people in the first {args.search_s:g} s of "
             f"{source.description}")
        proposal = propose_scene(source, models, search_s=args.search_s)

        def baseline(regions: tuple[Region, Region]) -> Baseline:
            """Record the baseline (runs in the wizard's worker thread)."""
            nonlocal source
            if not source.is_live:  # a file: from its start, as without the wizard
                source.close()
                source = opener()
            return record_baseline(source, models, regions,
                                   baseline_s=_baseline_s(args) or DEFAULT_BASELINE_S,
                                   stretch_s=args.stretch_s,
                                   search_s=args.baseline_search_s)

        return run_wizard(proposal, baseline=baseline, out=args.out, roles=roles)
    finally:
        source.close()
