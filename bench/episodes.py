"""Episode accuracy with known truth: ruptures and repairs on scheduled dyads.

    python bench/episodes.py --out /tmp/episodes           # ~5 min of one core
    python bench/episodes.py --quick --out /tmp/episodes   # a smoke run

Signal-level dyads (``bench/dyads.py`` movement speeds: rhythms, activity bouts, tracking
jitter, dropouts, the product's pre-processing) whose coupling follows a schedule:

- *schedule*: coupled (c = 0.8), independent, coupled again, each stretch 20-60 s
  (drawn per dyad); truth: a rupture where coupling stops, a repair where it resumes;
- *constant*: coupled at c = 0.8 for the whole dyad (every rupture found is false);
- *independent*: c = 0 throughout (the per-window false in-sync rate).

Two movement models (``--material``): ``movement`` (``bench/dyads.py``: band noise and
rhythms times a log-normal activity envelope) and ``rendered`` (the drivers of the
product's rendered clips, ``sample_videos/make_dyad_clip.py``: sinusoid sums with on/off
pauses; sway and bob as the 2-D position, jitter and pre-processing as above; no
MediaPipe).

**The ceiling** (``oracle_*`` columns, ``bench/episode_ceiling.py``): for each schedule
dyad, the least-squares fit of three constant stretches to the per-window r at the *true*
lag, told that there is exactly one rupture and one repair (:func:`two_change_points`);
and (``oracle_reg_*``) the sample-level fit with no windows: B regressed on A at the true
lag in the coupled stretches, not in the independent one, the two breaks of largest
likelihood (:func:`regression_breaks`). No detector that reports one rupture and one
repair can be expected to place them better; they measure how much of the timing the
material itself allows.

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

from bench.dyads import (  # noqa: E402
    GRID_HZ,
    clip_generator,
    latent_movement,
    observed_speed,
)
from bench.episode_ceiling import regression_breaks, two_change_points  # noqa: E402
from synchrony.analysis.episodes import EpisodeRules, find_episodes  # noqa: E402
from synchrony.analysis.methods import AnalysisParameters  # noqa: E402
from synchrony.analysis.timeline import TimelineRules, build_timeline, r_at_lag  # noqa: E402
from synchrony.engine.wcc import windowed_xcorr  # noqa: E402

COUPLING = 0.8
LAG_S = 0.5
TOLERANCE_S = 3.0
WIDE_TOLERANCE_S = 10.0
PAD_S = 20.0


MATERIALS = ("movement", "rendered")


def rendered_positions(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 2) latent sway/bob of A and of B's own movement, from the rendered clips' drivers.

    Unit SD per axis (A's), time on the grid; B's own movement is scaled with A's SDs.
    """
    gen = clip_generator()
    rng_a, rng_b = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    own_a, own_b = gen.Driver.random(rng_a), gen.Driver.random(rng_b)
    t_s = np.arange(n) / GRID_HZ
    move_a, move_b = own_a(t_s)[:, :2], own_b(t_s)[:, :2]
    sd = move_a.std(axis=0, keepdims=True)
    return move_a / sd, move_b / sd


def scheduled_dyad(coupling: np.ndarray, seed: int, material: str = "movement"
                   ) -> tuple[np.ndarray, np.ndarray]:
    """A and B speeds whose coupling follows ``coupling`` (one value per grid sample)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4242]))
    n, pad, lag = len(coupling), int(PAD_S * GRID_HZ), int(round(LAG_S * GRID_HZ))
    if material == "rendered":
        move_a, own_b = rendered_positions(n + 2 * pad, seed)
    else:
        move_a = latent_movement(n + 2 * pad, GRID_HZ, rng)
        own_b = latent_movement(n + 2 * pad, GRID_HZ, rng)
    c = np.concatenate([np.full(pad, coupling[0]), coupling, np.full(pad, coupling[-1])])
    move_b = c[:, None] * np.roll(move_a, lag, axis=0) + np.sqrt(1 - c * c)[:, None] * own_b
    a = observed_speed(move_a, GRID_HZ, rng)[pad:pad + n]
    b = observed_speed(move_b, GRID_HZ, rng)[pad:pad + n]
    return a, b


def run_one(kind: str, seed: int, params: AnalysisParameters, rules: TimelineRules,
            duration_s: float, episode_rules: EpisodeRules | None = None,
            material: str = "movement") -> dict[str, object]:
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
    a, b = scheduled_dyad(coupling, seed, material)
    grid = windowed_xcorr(a, b, fs_hz=GRID_HZ, window_s=params.window_s, step_s=params.step_s,
                          max_lag_s=params.max_lag_s, windowing=params.windowing)
    timeline = build_timeline("body", grid, a, b, fs_hz=GRID_HZ, origin_s=0.0, params=params,
                              rules=rules)
    episodes = find_episodes(timeline, episode_rules or EpisodeRules())
    ruptures = [e.start_s for e in episodes if e.kind == "rupture"]
    repairs = [e.start_s for e in episodes if e.kind == "repair"]

    def nearest(found: list[float], truth: float) -> float:
        return min(found, key=lambda x: abs(x - truth)) if found and math.isfinite(truth) \
            else math.nan

    oracle = oracle_reg = (math.nan, math.nan)
    if kind == "schedule":
        centre = timeline.centre_s
        y = r_at_lag(grid.r, grid.lags_s, np.full(len(centre), LAG_S))
        split = two_change_points(y)
        if split is not None:
            oracle = tuple(float(0.5 * (centre[k - 1] + centre[k])) for k in split)
        lag = int(round(LAG_S * GRID_HZ))
        a_then = np.concatenate([np.full(lag, np.nan), a[:len(a) - lag]])  # A lag_s earlier
        breaks = regression_breaks(a_then, b, min_len=int(5 * GRID_HZ), step=2)
        if breaks is not None:
            oracle_reg = tuple(float(t[k]) for k in breaks)
    return {"kind": kind, "material": material, "seed": seed, "duration_s": duration_s,
            "t_rupture": t_rupture, "t_repair": t_repair, "n_ruptures": len(ruptures),
            "n_repairs": len(repairs), "rupture_found_s": nearest(ruptures, t_rupture),
            "repair_found_s": nearest(repairs, t_repair),
            "oracle_rupture_s": oracle[0], "oracle_repair_s": oracle[1],
            "oracle_reg_rupture_s": oracle_reg[0], "oracle_reg_repair_s": oracle_reg[1],
            "in_sync_fraction": float(np.mean(timeline.state == "in_sync")),
            "known_fraction": float(np.mean(timeline.state != "unknown"))}


def _hits(error_s: pd.Series, tolerance_s: float) -> str:
    """Percentage of finite errors within the tolerance (missing = miss)."""
    return f"{100 * float(np.mean(np.abs(error_s.to_numpy(float)) <= tolerance_s)):.0f} %"


def report(df: pd.DataFrame) -> str:
    """The Markdown summary of the runs."""
    lines = ["| material | dyads | minutes | result |", "|---|---|---|---|"]
    sched = df[df.kind == "schedule"]
    if len(sched):
        minutes = f"{sched.duration_s.sum() / 60:.0f}"
        head = f"| coupled / independent / coupled (20-60 s each) | {len(sched)} | {minutes} |"
        for who, r_col, p_col in (("detector", "rupture_found_s", "repair_found_s"),
                                  ("ceiling: 2-change-point fit told the count",
                                   "oracle_rupture_s", "oracle_repair_s"),
                                  ("ceiling: sample-level regression breaks told the count "
                                   "and the lag", "oracle_reg_rupture_s", "oracle_reg_repair_s")):
            if r_col not in sched:  # e.g. the tracked clips: no sample-level ceiling
                continue
            err_r, err_p = sched[r_col] - sched.t_rupture, sched[p_col] - sched.t_repair
            text = (f" {who}: rupture within +-{TOLERANCE_S:g} s {_hits(err_r, TOLERANCE_S)}, "
                    f"+-{WIDE_TOLERANCE_S:g} s {_hits(err_r, WIDE_TOLERANCE_S)} (median error "
                    f"{np.nanmedian(err_r):+.2f} s); repair {_hits(err_p, TOLERANCE_S)}, "
                    f"{_hits(err_p, WIDE_TOLERANCE_S)} (median error "
                    f"{np.nanmedian(err_p):+.2f} s)")
            if who == "detector":
                hit = np.abs(err_r.to_numpy(float)) <= TOLERANCE_S
                text += f"; other ruptures per dyad {float(np.mean(sched.n_ruptures - hit)):.2f}"
            lines.append(f"{head}{text} |")
    for kind, words in (("constant", f"coupled throughout (c = {COUPLING:g})"),
                        ("independent", "independent throughout")):
        part = df[df.kind == kind]
        if len(part):
            minutes_f = part.duration_s.sum() / 60
            lines.append(
                f"| {words} | {len(part)} | {minutes_f:.0f} | ruptures per 10 min: "
                f"{10 * part.n_ruptures.sum() / minutes_f:.1f}; windows in sync: "
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
    p.add_argument("--sustain-s", type=float, default=EpisodeRules().min_s,
                   help="seconds a state must last to switch (EpisodeRules.min_s)")
    p.add_argument("--material", choices=MATERIALS, default="movement",
                   help="movement model (module docstring)")
    p.add_argument("--kinds", default="schedule,constant,independent",
                   help="comma-separated kinds of dyads to run")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    n = 3 if args.quick else args.n
    params = AnalysisParameters()
    rules = TimelineRules(horizon_s=args.horizon_s)
    episode_rules = EpisodeRules(min_s=args.sustain_s)
    kinds = [k for k in ("schedule", "constant", "independent") if k in args.kinds.split(",")]
    if not kinds:
        p.error(f"--kinds: none of schedule, constant, independent in {args.kinds!r}")
    rows = [run_one(kind, args.seed + 1000 * k + i, params, rules, args.duration_s,
                    episode_rules, args.material)
            for k, kind in enumerate(("schedule", "constant", "independent")) if kind in kinds
            for i in range(n)]
    df = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out / "episodes.csv", index=False)
    text = f"# Episode study\n\nCommand: `{' '.join(sys.argv)}`\n\n{report(df)}"
    (args.out / "report.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
