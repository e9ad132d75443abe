"""Long session: ``synchrony analyze`` of a 50-minute two-person video, time and peak memory.

    python bench/long_session.py [--minutes 50] [--clip VIDEO] [--model-dir DIR] [--keep DIR]

The video is the bundled demo looped end to end (its H.264 packets copied with shifted time
stamps: no re-encoding, so every loop has the demo's exact pixels). The whole command runs in
a child process with default settings; its resident memory, and that of its own children (the
plot helper), is sampled every 0.2 s. Reported: frames, wall time, time per frame, speed
against real time, peak RSS of ``analyze`` and of ``analyze`` plus its children (target:
<= 2 GB), and the sizes of the outputs.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import psutil

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO / "sample_videos" / "demo_dyad_a_leads_0.5s.mp4"
POLL_S = 0.2


def loop_clip(clip: Path, out: Path, minutes: float) -> int:
    """Write ``clip`` looped to at least ``minutes`` into ``out``; return its frame count."""
    with av.open(str(clip)) as src:
        stream = src.streams.video[0]
        if stream.duration is None or stream.time_base is None:
            raise SystemExit(f"{clip}: no stream duration to loop by")
        time_base, step = stream.time_base, int(stream.duration)
        packets = [(bytes(p), int(p.pts or 0), int(p.dts or 0), p.is_keyframe)
                   for p in src.demux(stream) if p.size > 0]
        loops = max(1, math.ceil(minutes * 60 / float(step * time_base)))
        with av.open(str(out), "w") as dst:
            copy = dst.add_stream_from_template(stream)
            for loop in range(loops):
                for data, pts, dts, key in packets:
                    packet = av.Packet(data)
                    packet.pts, packet.dts = pts + loop * step, dts + loop * step
                    packet.time_base, packet.is_keyframe = time_base, key
                    packet.stream = copy
                    dst.mux(packet)
    return loops * len(packets)


def run_analyze(video: Path, out: Path, model_dir: Path | None) -> tuple[float, float, float]:
    """Run ``synchrony analyze``; return (wall s, peak RSS MB of it, peak MB with children)."""
    argv = [sys.executable, "-m", "synchrony", "analyze", str(video), "--out", str(out),
            "--no-progress"]
    if model_dir:
        argv += ["--model-dir", str(model_dir)]
    t0 = time.perf_counter()
    child = subprocess.Popen(argv)
    proc = psutil.Process(child.pid)
    peak_main = peak_all = 0.0
    while child.poll() is None:
        try:
            main = proc.memory_info().rss
            total = main + sum(c.memory_info().rss for c in proc.children(recursive=True))
        except psutil.Error:
            continue
        peak_main, peak_all = max(peak_main, main / 2**20), max(peak_all, total / 2**20)
        time.sleep(POLL_S)  # sampling period of the memory probe, not synchronisation
    wall = time.perf_counter() - t0
    if child.returncode != 0:
        raise SystemExit(f"analyze failed with exit status {child.returncode}")
    return wall, peak_main, peak_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=50.0)
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument("--model-dir", type=Path,
                        default=Path(os.environ["SYNCHRONY_MODEL_DIR"])
                        if os.environ.get("SYNCHRONY_MODEL_DIR") else None)
    parser.add_argument("--keep", type=Path, help="write the video and outputs here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        video = where / f"demo_looped_{args.minutes:g}min.mp4"
        n = loop_clip(args.clip, video, args.minutes)
        print(f"video: {video.name}, {n} frames, {video.stat().st_size / 2**20:.0f} MB",
              flush=True)
        wall, peak_main, peak_all = run_analyze(video, where / "out", args.model_dir)
        outputs = sum(f.stat().st_size for f in (where / "out").rglob("*") if f.is_file())
    with av.open(str(args.clip)) as src:
        fps = float(src.streams.video[0].average_rate or 25)
    print(f"synchrony analyze, whole command: {wall:8.1f} s ({1000 * wall / n:.1f} ms/frame, "
          f"{n / fps / wall:.2f}x real time)")
    print(f"peak RSS: analyze {peak_main:.0f} MB; with its children {peak_all:.0f} MB "
          "(target: <= 2048 MB)")
    print(f"outputs: {outputs / 2**20:.1f} MB")


if __name__ == "__main__":
    main()
