"""Episode accuracy with known truth: ruptures and repairs on scheduled dyads.

    python bench/episodes.py --out /tmp/episodes           # ~5 min of one core
    python bench/episodes.py --quick --out /tmp/episodes   # a smoke run

Signal-level dyads (``bench/dyads.py`` movement speeds: rhythms, activity bouts, tracking
jitter, dropouts, the product's pre-processing) whose coupling follows a schedule:

- *schedule*: coupled (c = 0.8), independent, coupled again, each stretch 20-60 s
  (drawn per dyad); truth: a rupture where coupling stops, a repair where it resumes;
- *constant*: coupled at c = 0.8 for the whole dyad (every rupture found is false);
- *independent*: c = 0 throughout (the per-window false in-sync rate).

Each goes through ``analyze``'s timeline and episode rules
(:func:`synchrony.analysis.timeline.build_timeline`, :func:`synchrony.analysis.episodes.
find_episodes`) with ``analyze``'s WCC settings. Reported (``report.md``, ``episodes.csv``):
how often the rupture and the repair are found within +-3 s of the truth, their timing
error, false ruptures per 10 minutes of constant coupling, and the fraction of windows in
sync per kind of material. Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dyads import GRID_HZ, latent_movement, observed_speed  # noqa: E402
from synchrony.analysis.episodes import EpisodeRules, find_episodes  # noqa: E402
from synchrony.analysis.methods import AnalysisParameters  # noqa: E402
from synchrony.analysis.timeline import TimelineRules, build_timeline  # noqa: E402
from synchrony.engine.wcc import windowed_xcorr  # noqa: E402

COUPLING = 0.8
LAG_S = 0.5
TOLERANCE_S = 3.0
PAD_S = 20.0


def scheduled_dyad(coupling: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A and B speeds whose coupling follows ``coupling`` (one value per grid sample)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4242]))
    n, pad, lag = len(coupling), int(PAD_S * GRID_HZ), int(round(LAG_S * GRID_HZ))
    move_a = latent_movement(n + 2 * pad, GRID_HZ, rng)
    own_b = latent_movement(n + 2 * pad, GRID_HZ, rng)
    c = np.concatenate([np.full(pad, coupling[0]), coupling, np.full(pad, coupling[-1])])
    move_b = c[:, None] * np.roll(move_a, lag, axis=0) + np.sqrt(1 - c * c)[:, None] * own_b
    a = observed_speed(move_a, GRID_HZ, rng)[pad:pad + n]
    b = observed_speed(move_b, GRID_HZ, rng)[pad:pad + n]
    return a, b


def run_one(kind: str, seed: int, params: AnalysisParameters, rules: TimelineRules,
            duration_s: float) -> dict[str, object]:
    """One dyad of ``kind`` ("schedule", "constant", "independent"): truth and findings."""
    rng = np.random.default_rng(seed)
    if kind == "schedule":
        lengths = rng.uniform(20.0, 60.0, size=3)
        t_rupture, t_repair = lengths[0], lengths[0] + lengths[1]
        duration_s = float(lengths.sum())
    else:
        t_rupture = t_repair = math.nan
    t = np.arange(int(round(duration_s * GRID_HZ))) / GRID_HZ
    level = 0.0 if kind == "independent" else COUPLING
    coupling = np.where((t >= t_rupture) & (t < t_repair), 0.0, level)
    a, b = scheduled_dyad(coupling, seed)
    grid = windowed_xcorr(a, b, fs_hz=GRID_HZ, window_s=params.window_s, step_s=params.step_s,
                          max_lag_s=params.max_lag_s, windowing=params.windowing)
    timeline = build_timeline("body", grid, a, b, fs_hz=GRID_HZ, origin_s=0.0, params=params,
                              rules=rules)
    episodes = find_episodes(timeline, EpisodeRules())
    ruptures = [e.start_s for e in episodes if e.kind == "rupture"]
    repairs = [e.start_s for e in episodes if e.kind == "repair"]

    def nearest(found: list[float], truth: float) -> float:
        return min(found, key=lambda x: abs(x - truth)) if found and math.isfinite(truth) \
            else math.nan

    return {"kind": kind, "seed": seed, "duration_s": duration_s, "t_rupture": t_rupture,
            "t_repair": t_repair, "n_ruptures": len(ruptures), "n_repairs": len(repairs),
            "rupture_found_s": nearest(ruptures, t_rupture),
            "repair_found_s": nearest(repairs, t_repair),
            "in_sync_fraction": float(np.mean(timeline.state == "in_sync")),
            "known_fraction": float(np.mean(timeline.state != "unknown"))}


def report(df: pd.DataFrame) -> str:
    """The Markdown summary of the runs."""
    lines = ["| material | dyads | minutes | result |", "|---|---|---|---|"]
    sched = df[df.kind == "schedule"]
    if len(sched):
        err_r = sched.rupture_found_s - sched.t_rupture
        err_p = sched.repair_found_s - sched.t_repair
        hit_r = float(np.mean(np.abs(err_r) <= TOLERANCE_S))
        hit_p = float(np.mean(np.abs(err_p) <= TOLERANCE_S))
        extra = float(np.mean(sched.n_ruptures - (np.abs(err_r) <= TOLERANCE_S)))
        lines.append(
            f"| coupled / independent / coupled (20-60 s each) | {len(sched)} | "
            f"{sched.duration_s.sum() / 60:.0f} | rupture within +-{TOLERANCE_S:g} s: "
            f"{100 * hit_r:.0f} % (median error {np.nanmedian(err_r):+.2f} s); repair: "
            f"{100 * hit_p:.0f} % (median error {np.nanmedian(err_p):+.2f} s); other "
            f"ruptures per dyad {extra:.2f} |")
    for kind, words in (("constant", f"coupled throughout (c = {COUPLING:g})"),
                        ("independent", "independent throughout")):
        part = df[df.kind == kind]
        if len(part):
            minutes = part.duration_s.sum() / 60
            lines.append(
                f"| {words} | {len(part)} | {minutes:.0f} | ruptures per 10 min: "
                f"{10 * part.n_ruptures.sum() / minutes:.1f}; windows in sync: "
                f"{100 * part.in_sync_fraction.mean():.1f} % |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the episode study; returns the exit code."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--quick", action="store_true", help="a few dyads of each kind")
    p.add_argument("--n", type=int, default=30, help="dyads per kind (default 30)")
    p.add_argument("--duration-s", type=float, default=120.0,
                   help="length of the constant and independent dyads (s)")
    p.add_argument("--horizon-s", type=float, default=TimelineRules().horizon_s)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    n = 3 if args.quick else args.n
    params = AnalysisParameters()
    rules = TimelineRules(horizon_s=args.horizon_s)
    rows = [run_one(kind, args.seed + 1000 * k + i, params, rules, args.duration_s)
            for k, kind in enumerate(("schedule", "constant", "independent")) for i in range(n)]
    df = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out / "episodes.csv", index=False)
    text = f"# Episode study\n\nCommand: `{' '.join(sys.argv)}`\n\n{report(df)}"
    (args.out / "report.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
