"""``synchrony study MANIFEST --out DIR``: many sessions as one study, locally or on a cluster."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from synchrony.commands.options import (
    add_analysis_arguments,
    check_analysis_arguments,
    parse_signals,
)
from synchrony.engine.lead import SIGN_CONVENTION
from synchrony.errors import InputError
from synchrony.study.executors import ExecutorSpec
from synchrony.study.item import StudyOptions
from synchrony.study.manifest import glob_items, read_manifest
from synchrony.study.run import PseudoSpec, run_study


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``study`` subcommand."""
    p = subparsers.add_parser(
        "study",
        help="analyse many recordings as one study, with between-dyad pseudo-synchrony",
        description="Analyse every item of a manifest (videos, session directories, MEA-style "
        "two-column text tables) like analyze, on local processes or a Dask cluster; compare "
        "the genuine dyads with pseudo-dyads (A of one dyad with B of another); write "
        "study.csv/.parquet, pseudo.parquet, failures.csv, study_summary.json and "
        f"report.html. Resumable: items already done are skipped. {SIGN_CONVENTION}.",
    )
    p.add_argument("manifest", type=Path, nargs="?", default=None,
                   help="manifest CSV: path (required), fps (text tables), id, dyad, session, "
                   "role_A, role_B, calibration, other columns kept as covariates")
    p.add_argument("--glob", default=None, metavar="PATTERN",
                   help="instead of a manifest: every path matching PATTERN "
                   "(e.g. 'recordings/*/')")
    p.add_argument("--fps", type=float, default=None,
                   help="sampling rate (Hz) of the text tables found by --glob")
    p.add_argument("--out", type=Path, required=True, help="study output directory")
    add_analysis_arguments(p, windowing=True)
    p.add_argument("--smooth-s", type=float, default=None,
                   help="text tables: rMEA moving average of this many seconds first")
    p.add_argument("--fisher-z", action="store_true",
                   help="grand_average and lag profiles of Fisher z (rMEA r2Z) instead of r")
    ex = p.add_argument_group("executor (default: local processes)")
    where = ex.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None,
                       help="local worker processes (default: the number of cores)")
    where.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                       help="run on an existing Dask cluster")
    where.add_argument("--cluster", choices=("slurm", "pbs"), default=None,
                       help="submit Dask workers as batch jobs (needs dask-jobqueue)")
    ex.add_argument("--jobs", type=int, default=1, help="--cluster: batch jobs (default 1)")
    ex.add_argument("--cores", type=int, default=1, help="--cluster: cores per job")
    ex.add_argument("--memory", default=None,
                    help="memory per job (--cluster, e.g. 16GB) or per local worker")
    ex.add_argument("--queue", default=None, help="--cluster: queue or partition")
    ex.add_argument("--walltime", default=None, help="--cluster: wall time per job")
    ex.add_argument("--account", default=None, help="--cluster: account/project")
    ps = p.add_argument_group("pseudo-synchrony")
    ps.add_argument("--pseudo", default="10", metavar="all|N",
                    help="pseudo-dyads per item (default 10), 'all' for every pair, 0 for none")
    ps.add_argument("--pseudo-seed", type=int, default=0, help="seed of the drawn pairs")
    ps.add_argument("--mix-roles", action="store_true",
                    help="pair any two people of different dyads (rMEA keepRoles = FALSE); "
                    "default: the first role with the second")
    p.add_argument("--force", action="store_true", help="redo items already done")
    p.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    p.set_defaults(func=run)


def _pseudo(text: str) -> int | None:
    if text.strip().lower() == "all":
        return None
    try:
        n = int(text)
    except ValueError:
        raise InputError(f"--pseudo must be 'all' or a number >= 0, got {text!r}") from None
    if n < 0:
        raise InputError(f"--pseudo must be 'all' or a number >= 0, got {text!r}")
    return n


def _executor(args: argparse.Namespace) -> ExecutorSpec:
    kind = "scheduler" if args.scheduler else args.cluster or "local"
    spec = ExecutorSpec(kind=kind, workers=args.workers, address=args.scheduler,
                        jobs=args.jobs, cores=args.cores, memory=args.memory, queue=args.queue,
                        walltime=args.walltime, account=args.account)
    spec.check()
    return spec


def run(args: argparse.Namespace) -> int:
    """Check everything, run the study and print where the results are."""
    if (args.manifest is None) == (args.glob is None):
        raise InputError("give a manifest CSV or --glob PATTERN (one of them)")
    if args.smooth_s is not None and not (math.isfinite(args.smooth_s) and args.smooth_s > 0):
        raise InputError(f"--smooth-s must be > 0, got {args.smooth_s}")
    items = read_manifest(args.manifest) if args.manifest else glob_items(args.glob, args.fps)
    rates = {it.fps if it.kind == "table" else args.grid_hz for it in items}
    params = check_analysis_arguments(args, rates)
    signals = tuple(parse_signals(args.signals))
    options = StudyOptions(params=params, signals=signals, grid_hz=args.grid_hz,
                           smooth_s=args.smooth_s, fisher_z=args.fisher_z,
                           model_dir=str(args.model_dir) if args.model_dir else None,
                           pose_variant=args.pose_variant)
    pseudo = PseudoSpec(n_per_item=_pseudo(args.pseudo), seed=args.pseudo_seed,
                        mix_roles=args.mix_roles)
    if args.out.exists() and not args.out.is_dir():
        raise InputError(f"--out {args.out} exists and is not a directory")
    result = run_study(items, args.out, options=options, executor=_executor(args),
                       pseudo=pseudo, force=args.force, progress=not args.no_progress,
                       manifest=str(args.manifest) if args.manifest else args.glob)
    done = len(items) - len(result.failures)
    print(f"study: {done} of {len(items)} items analysed ({result.n_reused} reused from an "
          f"earlier run), {len(result.failures)} failed, {len(result.pseudo_rows)} "
          "pseudo-dyads", file=sys.stderr)
    for signal, block in result.summary["signals"].items():
        s = block["strength"]
        print(f"  {signal}: genuine {s['genuine_mean']:.3f} vs pseudo {s['pseudo_mean']:.3f} "
              f"(strength, mean z); d = {s['d']:.2f}, permutation p = "
              f"{s['p_permutation']:.4f}", file=sys.stderr)
    print(f"wrote {args.out}/study.csv, study.parquet, pseudo.parquet, failures.csv, "
          f"study_summary.json, report.html; {SIGN_CONVENTION}", file=sys.stderr)
    return 1 if result.failures and done == 0 else 0
