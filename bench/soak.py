"""Soak: the headless live pipeline for an hour on a looping two-person file (issue 13).

    python bench/soak.py --out DIR [--duration-s 3600] [--clip VIDEO]

The product's Qt-free ``LiveRunner`` (capture at real time from the looped clip -> one-slot
mailbox -> MediaPipe tracking -> ``LivePipeline`` -> outputs), as ``synchrony stream`` runs it,
with an output that records, per tracked frame, the capture -> tracked latency, and every grid
sample's time. Every 30 s: resident memory (VmRSS). Reported (``DIR/soak.md``, ``soak.json``):

- memory slope after a 10-minute warm-up (least squares, MB per 10 minutes; target < 5);
- latency p50/p95 in the first and the last 10 minutes (target: last p95 within 20 % of the
  first);
- grid samples: made vs expected from the source time covered (target: none lost, i.e. no
  gap between consecutive grid samples larger than one grid step);
- frames captured / tracked / dropped by the tracker (only the tracker may skip frames).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synchrony.capture.factory import tracker_factory  # noqa: E402
from synchrony.capture.sources import VideoFileSource  # noqa: E402
from synchrony.live.outputs import OutputBase  # noqa: E402
from synchrony.live.pipeline import LivePipeline  # noqa: E402
from synchrony.live.runner import LiveRunner  # noqa: E402
from synchrony.live.threads import CapturedFrame, LatestFrameMailbox  # noqa: E402
from synchrony.records import TrackedFrame  # noqa: E402

CLIP = Path(__file__).resolve().parents[1] / "sample_videos" / "demo_dyad_a_leads_0.5s.mp4"
WINDOW_S = 600.0
MEMORY_EVERY_S = 30.0


def rss_mb() -> float:
    """Resident memory of this process in MB (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


class SoakRecorder(OutputBase):
    """Latency of every tracked frame and the time of every grid sample."""

    name = status_key = "soak"

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.latency: list[tuple[float, float]] = []  # (wall s since start, latency s)
        self.grid_t: list[float] = []
        self.n_captured = 0

    def on_capture(self, frame: object) -> None:
        """Count captured frames."""
        self.n_captured += 1

    def on_frame(self, tracked: TrackedFrame, captured: CapturedFrame) -> None:
        """Latency: capture -> tracked (this call)."""
        now = time.perf_counter()
        self.latency.append((now - self.start, now - captured.captured_s))

    def on_samples(self, samples: np.ndarray) -> None:
        """Grid sample times (source clock)."""
        self.grid_t.extend(samples[:, 0].tolist())


def summarise(rec: SoakRecorder, memory: list[tuple[float, float]], duration_s: float,
              grid_hz: float) -> dict[str, object]:
    """The soak's figures (module docstring)."""
    lat = np.array(rec.latency)
    window = min(WINDOW_S, duration_s / 3)
    first = lat[lat[:, 0] < lat[0, 0] + window, 1]  # from the first tracked frame
    last = lat[lat[:, 0] >= lat[-1, 0] - window, 1]
    mem = np.array(memory)
    warm = mem[mem[:, 0] >= min(WINDOW_S, duration_s / 3)]
    slope = float(np.polyfit(warm[:, 0], warm[:, 1], 1)[0]) * WINDOW_S if len(warm) > 2 \
        else float("nan")
    t = np.array(rec.grid_t)
    steps = np.diff(t) * grid_hz
    return {
        "duration_s": duration_s, "window_s": window,
        "memory_mb": {"start": float(mem[0, 1]), "end": float(mem[-1, 1]),
                      "max": float(mem[:, 1].max()), "slope_mb_per_10min": slope},
        "latency_s": {"first_p50": float(np.median(first)),
                      "first_p95": float(np.quantile(first, 0.95)),
                      "last_p50": float(np.median(last)),
                      "last_p95": float(np.quantile(last, 0.95))},
        "grid": {"samples": len(t), "expected": int(round((t[-1] - t[0]) * grid_hz)) + 1,
                 "largest_gap_steps": float(steps.max()) if len(steps) else float("nan"),
                 "gaps_over_one_step": int(np.sum(steps > 1.5))},
        "frames": {"captured": rec.n_captured, "tracked": len(rec.latency),
                   "dropped_by_tracker": rec.n_captured - len(rec.latency)},
    }


def main(argv: list[str] | None = None) -> int:
    """Run the soak and write the report."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--duration-s", type=float, default=3600.0)
    p.add_argument("--clip", type=Path, default=CLIP)
    p.add_argument("--model-dir", type=Path, default=None)
    args = p.parse_args(argv)
    mailbox: LatestFrameMailbox = LatestFrameMailbox()
    pipeline = LivePipeline(mailbox=mailbox, auto_update=False)
    rec = SoakRecorder()
    memory: list[tuple[float, float]] = []
    done = threading.Event()

    def sample_memory() -> None:
        while not done.wait(0.0 if not memory else MEMORY_EVERY_S):
            memory.append((time.perf_counter() - rec.start, rss_mb()))
            print(f"[{memory[-1][0]:7.0f} s] RSS {memory[-1][1]:.1f} MB, tracked "
                  f"{len(rec.latency)}, grid samples {len(rec.grid_t)}", flush=True)

    sampler = threading.Thread(target=sample_memory, daemon=True)
    with VideoFileSource(args.clip, realtime=True, loop=True) as source:
        runner = LiveRunner(source, tracker_factory(args.model_dir), pipeline=pipeline,
                            mailbox=mailbox, outputs=[rec])
        timer = threading.Timer(args.duration_s, runner.stop, kwargs={"ended": "clean"})
        sampler.start()
        timer.start()
        ended = runner.run()
        timer.cancel()
    done.set()  # (no reading after the run: its buffers are being freed)
    result = summarise(rec, memory, args.duration_s, pipeline.grid_hz) | {"ended": ended}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_text(json.dumps(result, indent=2) + "\n")
    m, lat, g, f = result["memory_mb"], result["latency_s"], result["grid"], result["frames"]
    text = (f"# Soak ({args.duration_s / 60:.0f} min, `{' '.join(sys.argv)}`)\n\n"
            f"| figure | value | target |\n|---|---|---|\n"
            f"| memory slope after warm-up | {m['slope_mb_per_10min']:+.2f} MB / 10 min "
            f"(RSS {m['start']:.0f} -> {m['end']:.0f} MB, max {m['max']:.0f}) | < 5 |\n"
            f"| latency p95 first / last {result['window_s'] / 60:.0f} min | "
            f"{lat['first_p95'] * 1000:.0f} / {lat['last_p95'] * 1000:.0f} ms "
            f"(p50 {lat['first_p50'] * 1000:.0f} / {lat['last_p50'] * 1000:.0f} ms) | "
            f"last within 20 % of first |\n"
            f"| grid samples | {g['samples']} of {g['expected']} expected; largest gap "
            f"{g['largest_gap_steps']:.2f} steps; {g['gaps_over_one_step']} gaps | none lost |\n"
            f"| frames | {f['captured']} captured, {f['tracked']} tracked, "
            f"{f['dropped_by_tracker']} dropped by the tracker | counted |\n")
    (args.out / "soak.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
