"""``synchrony calibrate (VIDEO | --camera N) --out PROFILE.json``: set the scene once.

Without ``--interactive`` the automatic proposal is written: both people found in the first
seconds, one region each (A = left, B = right), body scale, a camera check, and a baseline
(noise floor) from the first ``--baseline-s`` seconds of a video or the next seconds of a
camera, during which both people should sit still. ``--interactive`` opens the wizard to
adjust the regions, set roles and record the baseline. The profile is used with
``analyze --calibration`` (and ``monitor`` / ``record``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

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
        "'analyze --calibration'. During the baseline (the first --baseline-s seconds of a "
        "video, the next seconds of a camera) both people should sit still.",
    )
    p.add_argument("video", type=Path, nargs="?", help="video file (or use --camera N)")
    p.add_argument("--camera", type=int, default=None, metavar="N", help="camera index")
    p.add_argument("--out", type=Path, required=True, metavar="PROFILE.json",
                   help="where to write the profile (JSON)")
    p.add_argument("--interactive", action="store_true",
                   help="open the calibration wizard to adjust regions, roles and baseline")
    p.add_argument("--search-s", type=float, default=3.0,
                   help="seconds searched for the two people (default 3)")
    p.add_argument("--baseline-s", type=float, default=3.0,
                   help="seconds of still sitting for the noise floor (default 3; 0 = none)")
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
        if not video.is_file():
            raise InputError(f"no such video file: {video}")
        return lambda: VideoFileSource(video)
    index: int = args.camera
    return lambda: CameraSource(index)


def _check_arguments(args: argparse.Namespace) -> None:
    if not args.search_s > 0:
        raise InputError(f"--search-s must be > 0, got {args.search_s}")
    if not args.baseline_s >= 0:
        raise InputError(f"--baseline-s must be >= 0, got {args.baseline_s}")
    out: Path = args.out
    if out.exists() and not args.overwrite:
        raise InputError(f"--out {out} exists; choose another file or use --overwrite")
    if not out.resolve().parent.is_dir():
        raise InputError(f"cannot write {out}: {out.resolve().parent} does not exist")


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def describe(profile_dict: dict) -> list[str]:
    """Lines for the terminal: each person's region, role, body scale and noise floor."""
    lines = []
    for person, block in profile_dict["people"].items():
        region = ", ".join(f"{v:.3f}" for v in block["region"])
        scale = block["body_scale"]
        floor = ", ".join(f"{k} {v:.3g}" if v is not None else f"{k} -"
                          for k, v in block["noise_floor"].items())
        lines.append(f"{person} ({'left' if person == 'A' else 'right'}, role "
                     f"{block['role'] or '-'}): region [{region}], body scale "
                     f"{'-' if scale is None else f'{scale:.3f}'} of the frame width; "
                     f"noise floor {floor}")
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
    models = find_models(args.model_dir, args.pose_variant)
    roles = (args.role_a, args.role_b)
    if args.interactive:
        return _run_wizard(args, opener, models, roles)
    profile = calibrate_source(opener, models, search_s=args.search_s,
                               baseline_s=args.baseline_s, roles=roles, say=_say)
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
            if not source.is_live:  # a file: its first seconds, as without the wizard
                source.close()
                source = opener()
            return record_baseline(source, models, regions,
                                   baseline_s=args.baseline_s or 3.0)

        return run_wizard(proposal, baseline=baseline, out=args.out, roles=roles)
    finally:
        source.close()
