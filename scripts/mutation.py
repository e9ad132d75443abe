"""Mutation testing of the statistics modules with mutmut (``make mutation``).

Copies the package, the tests and ``pyproject.toml`` (whose ``[tool.mutmut]`` section names
the modules to mutate and the fast unit tests to run) into a scratch folder
(``build/mutation`` by default, ignored by git), runs ``mutmut run`` there and prints the
count of mutants per status and the kill rate. The mutants mutmut cannot tell apart from
the original (``EQUIVALENT`` below: no behaviour change, or only an error message) are
counted apart: the score is (killed + timeout) / (mutants - equivalent).

Usage::

    .venv/bin/python scripts/mutation.py            # fresh run, 2 workers
    .venv/bin/python scripts/mutation.py --resume   # keep the scratch folder's results
    .venv/bin/python scripts/mutation.py --show     # also print the diff of every survivor
    .venv/bin/python scripts/mutation.py --retest   # new tests against the last survivors

Exit status 0 when the score is at least ``--min-score`` (default 90 %), else 1.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("synchrony", "tests", "pyproject.toml")
#: mutants that behave exactly like the original code, with the reason (docs/validation.md).
#: Names are mutmut's (module, function, mutation number); an entry that no longer names a
#: surviving mutant is reported as stale.
EQUIVALENT: dict[str, str] = {
    # the dtype= of an asarray/array call dropped or None: every caller passes float arrays
    # (fisher_z converts again), so nothing changes
    "synchrony.analysis.episodes.x_step_boundary__mutmut_3": "dtype",
    "synchrony.analysis.episodes.x_step_boundary__mutmut_5": "dtype",
    "synchrony.analysis.episodes.x__boundaries__mutmut_4": "dtype",
    "synchrony.analysis.episodes.x__boundaries__mutmut_6": "dtype",
    "synchrony.analysis.timeline.x_lag_band__mutmut_3": "dtype",
    "synchrony.analysis.timeline.x_lag_band__mutmut_5": "dtype",
    "synchrony.analysis.timeline.x_chance_levels__mutmut_3": "dtype",
    "synchrony.analysis.timeline.x_chance_levels__mutmut_5": "dtype",
    "synchrony.analysis.timeline.x_r_at_lag__mutmut_3": "dtype",
    "synchrony.analysis.timeline.x_r_at_lag__mutmut_5": "dtype",
    "synchrony.analysis.timeline.x_build_timeline__mutmut_64": "dtype",
    "synchrony.analysis.timeline.x_build_timeline__mutmut_66": "dtype",
    "synchrony.engine.lag_profile.x_lag_profile__mutmut_4": "dtype",
    "synchrony.engine.lag_profile.x_lag_profile__mutmut_6": "dtype",
    "synchrony.engine.lag_profile.x_local_lag_profiles__mutmut_8": "dtype",
    "synchrony.engine.lag_profile.x_local_lag_profiles__mutmut_10": "dtype",
    "synchrony.engine.lag_profile.x_profile_peaks__mutmut_3": "dtype",
    "synchrony.engine.lag_profile.x_profile_peaks__mutmut_5": "dtype",
    "synchrony.engine.lag_profile.x_profile_peaks__mutmut_8": "dtype",
    "synchrony.engine.lag_profile.x_profile_peaks__mutmut_10": "dtype",
    # np.errstate arguments: no division by zero or invalid operation can happen there
    "synchrony.analysis.episodes.x_step_boundary__mutmut_63": "errstate",
    "synchrony.analysis.episodes.x_step_boundary__mutmut_64": "errstate",
    "synchrony.analysis.episodes.x_step_boundary__mutmut_65": "errstate",
    "synchrony.analysis.episodes.x_step_boundary__mutmut_66": "errstate",
    "synchrony.engine.lag_profile.x_profile_peaks__mutmut_77": "errstate",
    "synchrony.engine.lag_profile.x_profile_peaks__mutmut_79": "errstate",
    # step_boundary's sum of squares: a change to the q (sum of y^2) terms adds the same
    # constant to every candidate split, so the argmin is unchanged
    "synchrony.analysis.episodes.x_step_boundary__mutmut_21": "sse_const",
    "synchrony.analysis.episodes.x_step_boundary__mutmut_28": "sse_const",
    "synchrony.analysis.episodes.x_step_boundary__mutmut_40": "sse_const",
    "synchrony.analysis.episodes.x_step_boundary__mutmut_43": "sse_const",
    "synchrony.analysis.episodes.x_step_boundary__mutmut_50": "sse_const",
    # step_boundary on an empty range: the fallback totals are never used
    "synchrony.analysis.episodes.x_step_boundary__mutmut_34": "empty_seg",
    "synchrony.analysis.episodes.x_step_boundary__mutmut_39": "empty_seg",
    "synchrony.analysis.episodes.x_step_boundary__mutmut_44": "empty_seg",
    # step_boundary: np.maximum(n, 2) where only splits with >= 2 values per side count
    "synchrony.analysis.episodes.x_step_boundary__mutmut_80": "min2",
    "synchrony.analysis.episodes.x_step_boundary__mutmut_88": "min2",
    # zip(strict=...) changed where the two sequences have the lengths the code expects
    "synchrony.analysis.episodes.x__runs__mutmut_18": "zip",
    "synchrony.analysis.episodes.x__runs__mutmut_21": "zip",
    "synchrony.analysis.episodes.x__runs__mutmut_22": "zip",
    "synchrony.analysis.episodes.x__boundaries__mutmut_10": "zip",
    "synchrony.analysis.episodes.x__boundaries__mutmut_13": "zip",
    # _boundaries' 'k > 0' else branch: unreachable (a boundary index is always >= 1)
    "synchrony.analysis.episodes.x__boundaries__mutmut_49": "k_else",
    "synchrony.analysis.episodes.x__boundaries__mutmut_56": "k_else",
    "synchrony.analysis.episodes.x__boundaries__mutmut_58": "k_else",
    "synchrony.analysis.episodes.x__boundaries__mutmut_59": "k_else",
    "synchrony.analysis.episodes.x__boundaries__mutmut_60": "k_else",
    "synchrony.analysis.episodes.x__boundaries__mutmut_61": "k_else",
    "synchrony.analysis.episodes.x__boundaries__mutmut_62": "k_else",
    # find_episodes: the tag of a not-in-sync stretch not following sync is only compared with
    # 'rupture' (any other value, or None, behaves the same)
    "synchrony.analysis.episodes.x_find_episodes__mutmut_71": "low_tag",
    "synchrony.analysis.episodes.x_find_episodes__mutmut_72": "low_tag",
    "synchrony.analysis.episodes.x_find_episodes__mutmut_73": "low_tag",
    # find_episodes: n is only compared with 0; an empty timeline gives [] either way
    "synchrony.analysis.episodes.x_find_episodes__mutmut_3": "n_unused",
    # find_episodes: the default for a state outside STATES, which a Timeline never holds
    "synchrony.analysis.episodes.x_find_episodes__mutmut_10": "codes",
    "synchrony.analysis.episodes.x_find_episodes__mutmut_12": "codes",
    # None instead of NaN in an array that is converted to float (None -> NaN)
    "synchrony.analysis.episodes.xǁEpisodeReportǁfrom_json__mutmut_9": "nan_none",
    "synchrony.analysis.timeline.x_local_strength__mutmut_13": "nan_none",
    # lag_band: < instead of <= next to a 1e-9 tolerance
    "synchrony.analysis.timeline.x_lag_band__mutmut_20": "band_tol",
    # r_at_lag: the column chosen for a NaN lag is masked to NaN afterwards
    "synchrony.analysis.timeline.x_r_at_lag__mutmut_18": "nan_lag_col",
    # profile_peaks: the divisor/clip bounds where the offset is discarded or where a true
    # maximum cannot reach (|offset| <= 0.5 at an interior peak)
    "synchrony.engine.lag_profile.x_profile_peaks__mutmut_92": "not_inner",
    "synchrony.engine.lag_profile.x_profile_peaks__mutmut_93": "not_inner",
    "synchrony.engine.lag_profile.x_profile_peaks__mutmut_107": "not_inner",
    "synchrony.engine.lag_profile.x_profile_peaks__mutmut_108": "not_inner",
    "synchrony.engine.lag_profile.x_profile_peaks__mutmut_110": "not_inner",
    "synchrony.engine.lag_profile.x_profile_peaks__mutmut_111": "not_inner",
    # profile_peaks: the lag step with one or two lags, where no refinement happens
    "synchrony.engine.lag_profile.x_profile_peaks__mutmut_121": "two_lags",
    "synchrony.engine.lag_profile.x_profile_peaks__mutmut_122": "two_lags",
    # summarise_null: prediction_p is NaN itself whenever the test is not valid
    "synchrony.engine.surrogates.x_summarise_null__mutmut_64": "p_nan",
    # run_method: the statistic recomputed on (a, b) instead of read from the test (the same
    # deterministic value)
    "synchrony.analysis.methods.x_run_method__mutmut_29": "stat_twice",
    # only the text of an error message changes
    "synchrony.engine.surrogates.x__block_samples__mutmut_22": "message",
    "synchrony.engine.surrogates.x__block_samples__mutmut_23": "message",
    "synchrony.engine.surrogates.x__block_samples__mutmut_24": "message",
    "synchrony.engine.surrogates.x__block_samples__mutmut_29": "message",
    "synchrony.engine.surrogates.x__block_samples__mutmut_37": "message",
    "synchrony.engine.surrogates.x__block_samples__mutmut_38": "message",
    "synchrony.engine.surrogates.x__block_samples__mutmut_44": "message",
    "synchrony.engine.surrogates.x__block_samples__mutmut_45": "message",
    "synchrony.analysis.methods.x_get_method__mutmut_3": "message",
    # analysis_episodes: the origin of an empty grid, which has no timeline to place
    "synchrony.analysis.episodes.x_analysis_episodes__mutmut_11": "empty_origin",
    # find_episodes: np.mean of no finite strength is NaN either way (only numpy's warning)
    "synchrony.analysis.episodes.x_find_episodes__mutmut_112": "warning_only",
    # rng.choice(replace=None) is replace=False
    "synchrony.engine.surrogates.x__circular_shift_indices__mutmut_13": "replace_none",
    # _segment_orders: the values of a dict used as an ordered set
    "synchrony.engine.surrogates.x__segment_orders__mutmut_17": "set_value",
}


def _mutmut(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``mutmut ARGS`` in ``workdir`` (output captured)."""
    exe = Path(sys.executable).with_name("mutmut")
    return subprocess.run([str(exe), *args], cwd=workdir, capture_output=True, text=True,
                          check=False)


def prepare(workdir: Path, resume: bool) -> None:
    """Copy the sources and tests into ``workdir`` (afresh unless ``resume``)."""
    if workdir.exists() and not resume:
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in COPIED:
        src, dst = ROOT / name, workdir / name
        if src.is_dir():
            shutil.copytree(src, dst, ignore=ignore, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)


def refresh_tests(workdir: Path) -> None:
    """Copy the current tests into ``workdir`` and mutmut's copy of it (``--retest``)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for dst in (workdir / "tests", workdir / "mutants" / "tests"):
        shutil.copytree(ROOT / "tests", dst, ignore=ignore, dirs_exist_ok=True)


def statuses(workdir: Path) -> dict[str, str]:
    """Mutant name -> mutmut status (killed, survived, timeout, no tests, ...)."""
    out = _mutmut(workdir, "results", "--all", "true").stdout
    found = re.findall(r"^\s+(\S+): (.+)$", out, flags=re.MULTILINE)
    return {name: status.strip() for name, status in found}


def report(result: dict[str, str], show: bool, workdir: Path) -> float:
    """Print the counts, the survivors and the score; return the score (0-1)."""
    counts = Counter(result.values())
    equivalent = {n for n in EQUIVALENT if result.get(n) == "survived"}
    stale = sorted(set(EQUIVALENT) - equivalent)
    total = len(result)
    detected = counts.get("killed", 0) + counts.get("timeout", 0)
    survived = counts.get("survived", 0) - len(equivalent)
    scored = total - len(equivalent)
    score = detected / scored if scored else 0.0
    print(f"mutants: {total}")
    for status, n in sorted(counts.items()):
        print(f"  {status}: {n}")
    kinds = Counter(EQUIVALENT[n] for n in equivalent)
    print(f"equivalent or message-only (survived, listed in EQUIVALENT): {len(equivalent)} "
          f"({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})")
    print(f"score: killed + timeout {detected} / non-equivalent {scored} = {100 * score:.1f} %"
          f" ({survived} non-equivalent survivors)")
    for name in sorted(n for n, s in result.items()
                       if s not in ("killed", "timeout") and n not in equivalent):
        print(f"  {result[name]}: {name}")
        if show:
            print(_mutmut(workdir, "show", name).stdout)
    for name in stale:
        print(f"  stale EQUIVALENT entry (not a surviving mutant): {name}")
    return score


def main(argv: list[str] | None = None) -> int:
    """Run mutmut on the statistics modules and report the kill rate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "mutation",
                        help="scratch folder (default: build/mutation)")
    parser.add_argument("--max-children", type=int, default=2,
                        help="parallel test processes (default: 2)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the scratch folder and mutmut's earlier results")
    parser.add_argument("--retest", action="store_true",
                        help="copy the current tests and rerun only the mutants not killed "
                             "in the scratch folder's last run")
    parser.add_argument("--report-only", action="store_true",
                        help="do not run mutmut; report the scratch folder's results")
    parser.add_argument("--show", action="store_true", help="print each survivor's diff")
    parser.add_argument("--min-score", type=float, default=0.90,
                        help="lowest passing kill rate, 0-1 (default: 0.90)")
    args = parser.parse_args(argv)
    workdir = args.workdir.resolve()
    if not args.report_only:
        names: list[str] = []
        if args.retest:
            names = sorted(n for n, s in statuses(workdir).items()
                           if s not in ("killed", "timeout"))
            refresh_tests(workdir)
        else:
            prepare(workdir, args.resume)
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        exe = Path(sys.executable).with_name("mutmut")
        run = subprocess.run([str(exe), "run", "--max-children", str(args.max_children), *names],
                             cwd=workdir, env=env, check=False)
        if run.returncode != 0:
            print(f"mutmut run failed with exit status {run.returncode}", file=sys.stderr)
            return run.returncode
    score = report(statuses(workdir), args.show, workdir)
    return 0 if score >= args.min_score else 1


if __name__ == "__main__":
    sys.exit(main())
