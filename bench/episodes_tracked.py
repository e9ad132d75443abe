"""Episode accuracy on rendered clips tracked through MediaPipe: ruptures and repairs end to end.

    python bench/episodes_tracked.py --out /tmp/ep_tracked --model-dir ../shared/models
    python bench/episodes_tracked.py --quick --out /tmp/ep_tracked --model-dir ...  # smoke

The product's clip generator (``sample_videos/make_dyad_clip.py``) renders two-person clips
whose coupling follows a schedule (``coupling=((0, c), (t1, 0), (t2, c))``); each clip goes
through ``synchrony analyze`` with its defaults (tracking, signals, WCC, timeline, episodes),
and its ``episodes.csv`` is scored against the truth file's ``events``:

- *schedule*: coupled (c = 0.8, B follows A by 0.5 s), independent, coupled again, each
  stretch 20-60 s (drawn per clip as in ``bench/episodes.py``); truth: a rupture where the
  coupling stops, a repair where it resumes;
- *constant*: coupled for the whole clip (every rupture found is false).

Clips are 320x240 at 10 fps, x264 lossless (``--crf 0``: the same frames every run). The
ceiling column is ``bench/episodes.py``'s: three constant stretches fitted to the
per-window r at the true lag (from ``wcc_<signal>.csv``), told the count. The report has
one table per signal; ``episodes.csv`` here holds one row per clip and signal. Sign
convention: lag > 0 means A (left) leads and B follows.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dyads import clip_generator  # noqa: E402
from bench.episode_ceiling import two_change_points  # noqa: E402
from bench.episodes import COUPLING, LAG_S, report  # noqa: E402

FPS = 10.0
SIZE_PX = (320, 240)
SIGNALS = ("body", "head")


def schedule_for(kind: str, seed: int, duration_s: float) -> tuple[tuple, float, float, float]:
    """``(coupling schedule, duration_s, t_rupture, t_repair)`` of one clip."""
    if kind == "constant":
        return ((0.0, COUPLING),), duration_s, math.nan, math.nan
    lengths = np.random.default_rng(seed).uniform(20.0, 60.0, size=3)
    t_rupture, t_repair = float(lengths[0]), float(lengths[0] + lengths[1])
    return (((0.0, COUPLING), (t_rupture, 0.0), (t_repair, COUPLING)), float(lengths.sum()),
            t_rupture, t_repair)


def _nearest(found: pd.Series, truth: float) -> float:
    if not len(found) or not math.isfinite(truth):
        return math.nan
    values = found.to_numpy(float)
    return float(values[np.argmin(np.abs(values - truth))])


def ceiling(wcc_csv: Path, window_s: float = 5.0) -> tuple[float, float]:
    """Rupture and repair times of the three-stretch fit to r at the true lag (told the count)."""
    grid = pd.read_csv(wcc_csv)
    column = min((c for c in grid.columns if c != "window_start_s"),
                 key=lambda c: abs(float(c) - LAG_S))
    centre = grid["window_start_s"].to_numpy(float) + window_s / 2
    split = two_change_points(grid[column].to_numpy(float))
    if split is None:
        return math.nan, math.nan
    i, j = split
    return (float(0.5 * (centre[i - 1] + centre[i])), float(0.5 * (centre[j - 1] + centre[j])))


def run_one(kind: str, seed: int, duration_s: float, model_dir: Path, work: Path
            ) -> list[dict[str, object]]:
    """Render, analyse and score one clip; one row per signal."""
    schedule, duration_s, t_rupture, t_repair = schedule_for(kind, seed, duration_s)
    clip = work / f"{kind}-{seed}.mp4"
    clip_generator().make_dyad_clip(clip, duration_s=duration_s, fps=FPS, lag_s=LAG_S,
                                    coupling=schedule, seed=seed, size=SIZE_PX, crf=0)
    out = work / f"{kind}-{seed}"
    done = subprocess.run([sys.executable, "-m", "synchrony", "analyze", str(clip), "--out",
                           str(out), "--signals", ",".join(SIGNALS), "--no-progress",
                           "--model-dir", str(model_dir)], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"analyze failed on {clip}: {done.stderr.strip()[-500:]}")
    episodes = pd.read_csv(out / "episodes.csv")
    timeline = pd.read_csv(out / "timeline.csv")
    rows = []
    for signal in SIGNALS:
        mine = episodes[episodes.signal == signal]
        ruptures = mine.start_s[mine.kind == "rupture"]
        repairs = mine.start_s[mine.kind == "repair"]
        states = timeline.state[timeline.signal == signal]
        oracle = ceiling(out / f"wcc_{signal}.csv") if kind == "schedule" else (math.nan,) * 2
        rows.append({"kind": kind, "material": "tracked", "signal": signal, "seed": seed,
                     "duration_s": duration_s, "t_rupture": t_rupture, "t_repair": t_repair,
                     "n_ruptures": len(ruptures), "n_repairs": len(repairs),
                     "rupture_found_s": _nearest(ruptures, t_rupture),
                     "repair_found_s": _nearest(repairs, t_repair),
                     "oracle_rupture_s": oracle[0], "oracle_repair_s": oracle[1],
                     "in_sync_fraction": float(np.mean(states == "in_sync")),
                     "known_fraction": float(np.mean(states != "unknown"))})
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the tracked episode study; returns the exit code."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--model-dir", type=Path, required=True, help="MediaPipe .task bundles")
    p.add_argument("--quick", action="store_true", help="one clip of each kind")
    p.add_argument("--n", type=int, default=12, help="clips per kind (default 12)")
    p.add_argument("--duration-s", type=float, default=120.0,
                   help="length of the constant clips (s)")
    p.add_argument("--kinds", default="schedule,constant")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    n = 1 if args.quick else args.n
    kinds = [k for k in ("schedule", "constant") if k in args.kinds.split(",")]
    if not kinds:
        p.error(f"--kinds: none of schedule, constant in {args.kinds!r}")
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="episodes_tracked_") as tmp:
        for k, kind in enumerate(kinds):
            for i in range(n):
                seed = args.seed + 1000 * k + i
                rows += run_one(kind, seed, args.duration_s, args.model_dir, Path(tmp))
                print(f"{kind} seed {seed}: done", file=sys.stderr, flush=True)
                pd.DataFrame(rows).to_csv(args.out / "episodes.csv", index=False)
    df = pd.DataFrame(rows)
    parts = [f"## {signal}\n\n{report(df[df.signal == signal])}" for signal in SIGNALS]
    text = (f"# Episode study on tracked rendered clips\n\nCommand: `{' '.join(sys.argv)}`\n\n"
            + "\n".join(parts))
    (args.out / "report.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
