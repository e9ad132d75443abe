"""``synchrony demo [--out DIR]``: analyse the bundled two-person clip (a first run).

The same analysis as ``synchrony analyze <bundled clip> --out DIR`` with the default
settings (what ``make demo`` runs), for people who installed the package with pip or pipx
and have no source tree. The clip is found in the installed package
(:func:`synchrony.capture.samples.sample_clip`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from synchrony.analysis.pair import AnalysisParameters
from synchrony.batch.analyze import DEFAULT_GRID_HZ, analyze_video
from synchrony.batch.report import summary_lines
from synchrony.capture import factory
from synchrony.capture.samples import sample_clip, sample_truth
from synchrony.engine.lead import describe_lag
from synchrony.signals.registry import signal_names

DEFAULT_OUT = Path("demo_output")
POSE_VARIANT = "lite"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand."""
    p = subparsers.add_parser(
        "demo",
        help="analyse the bundled 90 s two-person sample clip (B follows A by 0.5 s)",
        description="Analyse the sample clip that ships with synchrony (90 s, two people; "
        "person B on the right follows person A on the left by 0.5 s) with the default "
        "settings of `synchrony analyze`, and compare the result with the clip's truth.",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"output directory (created; default {DEFAULT_OUT})")
    p.add_argument("--model-dir", type=Path, default=None,
                   help="folder with the MediaPipe .task bundles")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Analyse the bundled clip into ``--out``; print one line per signal and the truth."""
    clip = sample_clip()
    if not clip.is_file():
        raise FileNotFoundError(f"the bundled sample clip is missing: {clip}; reinstall "
                                "synchrony")
    names = list(signal_names())
    # lazy: the output folder is checked (one line, exit 2) before the models are looked for
    make = factory.tracker_factory(args.model_dir, POSE_VARIANT, lazy=True)
    summary = analyze_video(
        clip, args.out, params=AnalysisParameters(), make_tracker=make, signal_names=names,
        grid_hz=DEFAULT_GRID_HZ, extra_parameters={"pose_variant": POSE_VARIANT,
                                                   "signals": names},
        overwrite=args.overwrite, progress=not args.no_progress,
    )
    for line in summary_lines(summary, args.out):
        print(line, file=sys.stderr)
    print(f" truth: {describe_lag(sample_truth()['lag_s'])} (the clip's known answer)",
          file=sys.stderr)
    return 0
