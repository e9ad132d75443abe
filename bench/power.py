"""Power study with known truth: false positives, power and lag error of the session test.

    python bench/power.py --quick --out /tmp/power_quick      # ~5 min of one core
    python bench/power.py --out /tmp/power_full --workers 2    # the full study (hours)

The full study (500 independent and 280 coupled dyads per duration, 60 s and 5 min, 200
surrogates per scheme) needs about 6 h of one core (``run.json`` projects it from the
cost per grid measured in any run); see docs/validation.md.

Generated dyads (``bench/dyads.py``: movement speeds with rhythms, jitter and dropouts;
independent AR(1) and sinusoid-dominated pairs) go through ``analyze``'s WCC settings (5 s
windows, 0.5 s step, +-2 s lags, rMEA windows, 20 Hz grid). For each dyad and surrogate
scheme (circular shift, segment shuffle, with ``analyze``'s shift and segment lengths) the
WCC grid is computed once per surrogate and every candidate statistic of
``bench/power_stats.py`` is derived from that same grid. Outputs under ``--out``:

``pairs.csv``      one row per (dyad, scheme): truth, observed statistics, p-values, lags
``rates.csv``      rejection rate at alpha = 0.05 per (statistic, scheme, duration, style,
                   coupling), with a 95 % Wilson interval
``lag_errors.csv`` bias and median absolute error per (estimator, duration, true lag) at
                   coupling >= 0.6, and pooled
``report.md``      the tables in Markdown; ``power.png`` the power curves
``run.json``       configuration, measured cost and the projected cost of the full study
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dyads import STYLES, DyadSpec, lagged_r, make_dyad  # noqa: E402
from bench.jobs import run_jobs  # noqa: E402
from bench.power_report import write_outputs  # noqa: E402
from bench.power_stats import (  # noqa: E402
    SCHEMES,
    STATISTICS,
    WccSettings,
    lag_estimates,
    surrogate_test_all,
)

log = logging.getLogger("bench.power")
#: One result row: a dyad's truth and one scheme's outcome (see ``pairs.csv``).
Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class StudyConfig:
    """What to generate and how to test it."""

    durations_s: tuple[float, ...] = (60.0, 300.0)
    couplings: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8)
    lags_s: tuple[float, ...] = (-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5)
    #: independent pairs per style and duration: 500 in all, the issue's minimum
    n_null: dict[str, int] = field(
        default_factory=lambda: {"movement": 300, "ar1": 100, "sinusoid": 100})
    n_reps: int = 10  # coupled dyads per (coupling, lag, duration): 70 per coupling
    n_surrogates: int = 200
    schemes: tuple[str, ...] = SCHEMES
    seed: int = 0


#: A few dozen dyads per duration with 50 surrogates: a smoke run, not a measurement.
QUICK = StudyConfig(n_null={"movement": 8, "ar1": 4, "sinusoid": 4},
                    lags_s=(-1.5, -0.5, 0.0, 0.5, 1.5), n_reps=1, n_surrogates=50)


@dataclass(frozen=True, slots=True)
class Job:
    """One dyad, tested with every scheme."""

    spec: DyadSpec
    schemes: tuple[str, ...]
    n_surrogates: int
    settings: WccSettings


def _seed(*parts: float) -> int:
    """A stable seed from the parts of a job's identity (independent of the run's size)."""
    ints = [int(round(p * 1000)) % (2**31) for p in parts]
    return int(np.random.SeedSequence(ints).generate_state(1)[0])


def specs(config: StudyConfig) -> Iterator[DyadSpec]:
    """Every dyad of the study: independent pairs per style, then coupled movement pairs."""
    for duration in config.durations_s:
        for k, style in enumerate(STYLES):
            for i in range(config.n_null.get(style, 0)):
                yield DyadSpec(0.0, 0.0, duration, style, _seed(config.seed, duration, k, i))
        for c in config.couplings:
            for lag in config.lags_s:
                for i in range(config.n_reps):
                    yield DyadSpec(c, lag, duration, "movement",
                                   _seed(config.seed, duration, 9, c, lag, i))


def run_job(job: Job) -> list[Row]:
    """Generate one dyad and test it with each scheme: one row per scheme."""
    t0, c0 = time.perf_counter(), time.process_time()
    dyad = make_dyad(job.spec)
    res = job.settings.grid(dyad.a, dyad.b, dyad.fs_hz)
    base: Row = asdict(job.spec)
    base["speed_r_at_lag"] = lagged_r(dyad.a, dyad.b, int(round(job.spec.lag_s * dyad.fs_hz)))
    base["n_windows"] = int(res.r.shape[0])
    base.update(lag_estimates(res))
    outs = []
    for k, scheme in enumerate(job.schemes):
        outs.append(surrogate_test_all(dyad.a, dyad.b, fs_hz=dyad.fs_hz, settings=job.settings,
                                       scheme=scheme, n_surrogates=job.n_surrogates,
                                       seed=job.spec.seed + k))
        outs.append(outs[-1].t_variant(job.settings.effective_shifts(job.spec.duration_s,
                                                                     scheme)))
    rows = []
    for k, out in enumerate(outs):
        row = dict(base, scheme=out.scheme, n_grids=out.n_grids + (1 if k == 0 else 0))
        for name in STATISTICS:
            row[f"obs_{name}"] = out.observed[name]
            row[f"null_mean_{name}"] = out.null_mean[name]
            row[f"null_sd_{name}"] = out.null_sd[name]
            row[f"p_{name}"] = out.p[name]
            row[f"n_{name}"] = out.n[name]
        rows.append(row)
    rows[0]["seconds"] = time.perf_counter() - t0
    rows[0]["cpu_s"] = time.process_time() - c0
    return rows


def run_study(config: StudyConfig, settings: WccSettings, workers: int = 1
              ) -> list[Row]:
    """Run every job (in ``workers`` processes when > 1); rows in job order."""
    jobs = [Job(s, config.schemes, config.n_surrogates, settings) for s in specs(config)]
    log.info("%d dyads x %d schemes, %d surrogates, %d worker(s)", len(jobs),
             len(config.schemes), config.n_surrogates, workers)
    return run_jobs(jobs, run_job, workers=workers, log=log, unit="dyads", chunksize=4,
                    initializer=_one_blas_thread)


def _one_blas_thread() -> None:
    """One BLAS thread per process: the grids are small, and threads fighting over busy
    cores made each grid 5-10 times slower (measured)."""
    threadpool_limits(1)


def n_surrogates_used(scheme: str, n_surrogates: int, duration_s: float,
                      settings: WccSettings) -> int:
    """Surrogates ``surrogate_test`` draws: segment shuffling has only k! - 1 orders."""
    if scheme != "segment_shuffle":
        return n_surrogates
    k = int(duration_s // settings.segment_s(duration_s))
    return min(n_surrogates, math.factorial(k) - 1)


def projected_seconds(config: StudyConfig, settings: WccSettings,
                      seconds_per_grid: dict[float, float]) -> dict[str, float]:
    """Single-core seconds the study ``config`` would take, from measured cost per grid."""
    out = {}
    for duration in config.durations_s:
        per_grid = seconds_per_grid.get(duration)
        if per_grid is None:  # not measured: scale the nearest measured duration linearly
            near = min(seconds_per_grid, key=lambda d: abs(d - duration))
            per_grid = seconds_per_grid[near] * duration / near
        n_dyads = sum(config.n_null.values()) + (
            len(config.couplings) * len(config.lags_s) * config.n_reps)
        grids = 1 + sum(1 + n_surrogates_used(s, config.n_surrogates, duration, settings)
                        for s in config.schemes)
        out[f"{duration:g}"] = n_dyads * grids * per_grid
    out["total"] = sum(out.values())
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (``argv`` None: ``sys.argv``)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="a small run: a few dozen dyads per duration, 50 surrogates")
    p.add_argument("--out", type=Path, required=True, help="output folder (created)")
    p.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    p.add_argument("--durations", type=float, nargs="+", help="durations in seconds")
    p.add_argument("--n-null", type=int, help="independent movement pairs per duration "
                   "(AR(1) and sinusoid get half as many each; full run: 300, 100, 100)")
    p.add_argument("--styles", nargs="+", choices=STYLES,
                   help="independent styles to run (default all; the others get no pairs)")
    p.add_argument("--couplings", type=float, nargs="+", help="couplings of coupled dyads")
    p.add_argument("--lags", type=float, nargs="+", help="true lags in seconds (> 0: A leads)")
    p.add_argument("--n-reps", type=int, help="coupled dyads per (coupling, lag, duration)")
    p.add_argument("--n-surrogates", type=int, help="surrogates per test")
    p.add_argument("--schemes", nargs="+", choices=SCHEMES, help="surrogate schemes")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    p.add_argument("--combine", type=Path, nargs="+", metavar="DIR",
                   help="run nothing: pool the pairs.csv of earlier runs into --out")
    return p.parse_args(argv)


def combine_runs(dirs: list[Path]) -> tuple[list[Row], Row]:
    """Rows of several earlier runs' ``pairs.csv`` and a run record describing the pool."""
    frames, runs = [], []
    for d in dirs:
        frames.append(pd.read_csv(d / "pairs.csv"))
        runs.append(json.loads((d / "run.json").read_text()))
    rows: list[Row] = pd.concat(frames, ignore_index=True).to_dict("records")
    measured = [r["cpu_s_per_grid"] for r in runs]
    per_grid = {float(k): float(np.mean([m[k] for m in measured if k in m]))
                for m in measured for k in m}
    run: Row = {
        "run": "combined", "runs": [r["command"] for r in runs], "alpha": 0.05,
        "wall_s": sum(r["wall_s"] for r in runs), "workers": runs[0]["workers"],
        "cpu_s": sum(r["cpu_s"] for r in runs),
        "cpu_s_per_grid": {f"{d:g}": v for d, v in per_grid.items()},
        "projected_full_single_core_s": projected_seconds(StudyConfig(), WccSettings(),
                                                          per_grid),
        "command": " ".join(sys.argv),
    }
    return rows, run


def config_from_args(args: argparse.Namespace) -> StudyConfig:
    """The quick or full configuration with the command line's overrides."""
    config = replace(QUICK if args.quick else StudyConfig(), seed=args.seed)
    if args.durations:
        config = replace(config, durations_s=tuple(args.durations))
    if args.n_null is not None:
        config = replace(config, n_null={"movement": args.n_null, "ar1": args.n_null // 2,
                                         "sinusoid": args.n_null // 2})
    if args.styles:
        config = replace(config, n_null={style: n if style in args.styles else 0
                                         for style, n in config.n_null.items()})
    if args.couplings:
        config = replace(config, couplings=tuple(args.couplings))
    if args.lags:
        config = replace(config, lags_s=tuple(args.lags))
    if args.n_reps is not None:
        config = replace(config, n_reps=args.n_reps)
    if args.n_surrogates is not None:
        config = replace(config, n_surrogates=args.n_surrogates)
    if args.schemes:
        config = replace(config, schemes=tuple(args.schemes))
    return config


def main(argv: list[str] | None = None) -> int:
    """Run (or pool) a study and write its tables; returns the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    args = parse_args(argv)
    if args.workers < 1:
        raise SystemExit(f"--workers must be >= 1, got {args.workers}")
    if args.combine:
        rows, run = combine_runs(args.combine)
        args.out.mkdir(parents=True, exist_ok=True)
        write_outputs(rows, run, args.out)
        print(f"wrote {args.out} from {len(args.combine)} runs")
        return 0
    config = config_from_args(args)
    settings = WccSettings()
    t0 = time.perf_counter()
    with threadpool_limits(1):  # see _one_blas_thread
        rows = run_study(config, settings, workers=args.workers)
    wall_s = time.perf_counter() - t0
    per_grid: dict[float, float] = {}
    for duration in config.durations_s:
        mine = [r for r in rows if r["duration_s"] == duration]
        grids = sum(int(r["n_grids"]) for r in mine)
        secs = sum(float(r.get("cpu_s", 0.0)) for r in mine)
        per_grid[duration] = secs / max(grids, 1)
    run = {
        "run": ("custom" if not argv_is_default(args) else "quick" if args.quick else "full"),
        "config": asdict(config), "settings": asdict(settings),
        "alpha": 0.05, "wall_s": wall_s, "workers": args.workers,
        "cpu_s": sum(float(r.get("cpu_s", 0.0)) for r in rows),
        "cpu_s_per_grid": {f"{d:g}": s for d, s in per_grid.items()},
        "projected_full_single_core_s": projected_seconds(
            replace(StudyConfig(), seed=args.seed), settings, per_grid),
        "command": " ".join(sys.argv),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    write_outputs(rows, run, args.out)
    print(f"wrote {args.out} in {wall_s:.0f} s")
    return 0


def argv_is_default(args: argparse.Namespace) -> bool:
    """True when no size option changed the full study."""
    sizes = [args.n_null, args.n_reps, args.n_surrogates]
    return not any([args.durations, args.couplings, args.lags, args.schemes]) and all(
        x is None for x in sizes)


if __name__ == "__main__":
    raise SystemExit(main())
