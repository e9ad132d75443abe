"""Mutation testing of the statistics modules with mutmut (``make mutation``).

Copies the package, the tests and ``pyproject.toml`` (whose ``[tool.mutmut]`` section names
the modules to mutate and the fast unit tests to run) into a scratch folder
(``build/mutation`` by default, ignored by git), runs ``mutmut run`` there and prints the
count of mutants per status and the kill rate. The mutants mutmut cannot tell apart from
the original (``EQUIVALENT`` below: no behaviour change, or only an error message) are
counted apart: the score is killed / (mutants - equivalent).

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
EQUIVALENT: dict[str, str] = {}


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
    killed = counts.get("killed", 0)
    survived = counts.get("survived", 0) - len(equivalent)
    scored = total - len(equivalent)
    score = killed / scored if scored else 0.0
    print(f"mutants: {total}")
    for status, n in sorted(counts.items()):
        print(f"  {status}: {n}")
    print(f"equivalent (survived, no behaviour change): {len(equivalent)}")
    print(f"score: killed {killed} / non-equivalent {scored} = {100 * score:.1f} %"
          f" ({survived} non-equivalent survivors)")
    for name in sorted(n for n, s in result.items() if s != "killed" and n not in equivalent):
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
