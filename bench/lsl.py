"""Cost of the LSL outlets on the live frame rate (issue 12: "drops by less than 5 %").

    python bench/lsl.py [--repeats 3] [--duration-s 20] [--model-dir DIR]

The demo clip is decoded as fast as it goes (not at real time, so the tracker is the
bottleneck and any cost of the outlets shows as fewer frames processed per second) through
the product's ``LiveRunner`` with MediaPipe tracking and the ``LivePipeline``, with and
without the three LSL outlets (``synchrony.live.lsl.LslOutlets``, no consumer connected, as
in a lab where LabRecorder is started later) and alternately, ``--repeats`` times each.
Printed: processed fps per run, the medians, and their ratio (outlets / none); the samples
pushed per stream.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import uuid
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synchrony.capture.factory import tracker_factory  # noqa: E402
from synchrony.capture.sources import VideoFileSource  # noqa: E402
from synchrony.live.lsl import outlets_for  # noqa: E402
from synchrony.live.pipeline import LivePipeline  # noqa: E402
from synchrony.live.runner import LiveRunner  # noqa: E402
from synchrony.live.threads import LatestFrameMailbox  # noqa: E402

CLIP = Path(__file__).resolve().parents[1] / "sample_videos" / "demo_dyad_a_leads_0.5s.mp4"


def one_run(with_lsl: bool, duration_s: float, model_dir: Path | None) -> tuple[float, dict]:
    """Processed fps of one run (and the samples pushed per stream)."""
    mailbox: LatestFrameMailbox = LatestFrameMailbox()
    pipeline = LivePipeline(mailbox=mailbox, auto_update=False)
    outlets = outlets_for(pipeline, f"synchrony-bench-{uuid.uuid4().hex[:6]}") if with_lsl \
        else None
    with VideoFileSource(CLIP, realtime=False, loop=True) as source:
        runner = LiveRunner(source, tracker_factory(model_dir), pipeline=pipeline,
                            mailbox=mailbox, duration_s=duration_s,
                            outputs=[outlets] if outlets else [])
        runner.run()
    stats = runner.stats()
    return stats.mean_processed_fps, dict(outlets.n_pushed) if outlets else {}


def main(argv: list[str] | None = None) -> int:
    """Run the A/B comparison and print the table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--duration-s", type=float, default=20.0,
                   help="seconds of (looped) video per run")
    p.add_argument("--model-dir", type=Path, default=None)
    args = p.parse_args(argv)
    fps: dict[bool, list[float]] = {False: [], True: []}
    pushed = {}
    for _ in range(args.repeats):
        for with_lsl in (False, True):
            value, counts = one_run(with_lsl, args.duration_s, args.model_dir)
            fps[with_lsl].append(value)
            pushed = counts or pushed
            print(f"{'LSL outlets' if with_lsl else 'no outlets '}: {value:.2f} fps",
                  flush=True)
    none, lsl = statistics.median(fps[False]), statistics.median(fps[True])
    print("\n| variant | processed fps (median of runs) | runs |\n|---|---|---|")
    print(f"| no outlets | {none:.2f} | {', '.join(f'{v:.2f}' for v in fps[False])} |")
    print(f"| three LSL outlets | {lsl:.2f} | {', '.join(f'{v:.2f}' for v in fps[True])} |")
    print(f"\nratio (outlets / none): {lsl / none:.3f}; samples pushed in the last LSL run: "
          f"{pushed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
