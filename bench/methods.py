"""Cost of each synchrony method on a 50-minute pair, as a ratio to WCC measured in the same run.

    python bench/methods.py                         # every registered method, 200 surrogates
    python bench/methods.py --methods wcc,phase --json /tmp/methods_cost.json
    python bench/methods.py --quick                 # 5 min, 20 surrogates, 1 repeat

For each method (WCC always included: the ratios are to it), on one coupled pair
(``bench/method_validation.py``'s generator: c = 0.6, A leads by 0.5 s; 60 000 samples at
20 Hz by default), ``--repeats`` times each:

- ``windows``: ``method.windows(a, b)`` alone;
- ``statistic``: one call of the session statistic (built once; a surrogate test makes
  ``--surrogates`` + 1 such calls);
- ``run_method``: the whole method as ``analyze`` runs it, with ``--surrogates``
  circular-shift surrogates.

Reports min and median seconds of each, the ratio of the medians to WCC's, and peak memory:
each method runs in its own fresh process (spawned, one at a time, one BLAS thread), whose
``resource.getrusage`` maximum resident set size is reported beside its size before the
method ran. A method more than 10x WCC's ``run_method`` is flagged: the issue asks such a
method to say so in ``--help`` and to run only on request.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.method_validation import OPTIONAL_METHODS, coupled_pair, load_methods  # noqa: E402
from synchrony.analysis.methods import (  # noqa: E402
    AnalysisParameters,
    get_method,
    method_names,
    run_method,
)
from synchrony.errors import InputError  # noqa: E402

log = logging.getLogger("bench.methods")
FS_HZ = 20.0
SLOW_RATIO = 10.0
STAGES = ("windows", "statistic", "run_method")
COUPLING, LAG_S = 0.6, 0.5


def _rss_mb() -> float:
    """This process's peak resident set size so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _times(call: Callable[[], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        out.append(time.perf_counter() - t0)
    return out


def measure(name: str, duration_s: float, n_surrogates: int, repeats: int,
            seed: int = 0) -> dict[str, Any]:
    """Time one method's stages on the benchmark pair (meant to run in a fresh process)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S")
    load_methods([name] if name in OPTIONAL_METHODS else [])
    method = get_method(name)
    rng = np.random.default_rng(seed)
    a, b = coupled_pair(COUPLING, LAG_S, int(round(duration_s * FS_HZ)), FS_HZ, rng)
    params = AnalysisParameters(n_surrogates=n_surrogates, seed=seed)
    rss_before = _rss_mb()
    with threadpool_limits(1):
        stat = method.statistic.build(FS_HZ, params)
        stages = {
            "windows": _times(lambda: method.windows(a, b, fs_hz=FS_HZ, params=params),
                              repeats),
            "statistic": _times(lambda: stat(a, b), repeats),
            "run_method": _times(lambda: run_method(method, a, b, fs_hz=FS_HZ, signal="body",
                                                    params=params), repeats),
        }
        result = run_method(method, a, b, fs_hz=FS_HZ, signal="body",
                            params=AnalysisParameters(n_surrogates=0))
    out: dict[str, Any] = {"method": name, "rss_before_mb": rss_before,
                           "peak_rss_mb": _rss_mb(), "statistic_name": result.statistic_name,
                           "lag_s": result.summary.get("lag_s")}
    for stage, secs in stages.items():
        out[f"{stage}_min_s"] = min(secs)
        out[f"{stage}_median_s"] = statistics.median(secs)
    log.info("%s: run_method %.2f s (median of %d)", name, out["run_method_median_s"], repeats)
    return out


def run_all(methods: Sequence[str], duration_s: float, n_surrogates: int,
            repeats: int) -> list[dict[str, Any]]:
    """Measure each method in its own spawned process, one after the other."""
    context = multiprocessing.get_context("spawn")
    rows = []
    for name in methods:
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            rows.append(pool.submit(measure, name, duration_s, n_surrogates, repeats).result())
    wcc = next(r for r in rows if r["method"] == "wcc")
    for row in rows:
        for stage in STAGES:
            row[f"{stage}_ratio_to_wcc"] = (row[f"{stage}_median_s"]
                                            / wcc[f"{stage}_median_s"])
        row["slow"] = row["run_method_ratio_to_wcc"] > SLOW_RATIO
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The measurements as aligned text, one row per method."""
    head = (f"{'method':<11}" + "".join(f"{s + ' min/med s':>24}{'x WCC':>7}" for s in STAGES)
            + f"{'peak RSS MB':>13}{'before':>8}")
    lines = [head]
    for r in rows:
        cells = "".join(f"{r[f'{s}_min_s']:>12.3f}/{r[f'{s}_median_s']:<11.3f}"
                        f"{r[f'{s}_ratio_to_wcc']:>7.2f}" for s in STAGES)
        flag = f"  SLOW: > {SLOW_RATIO:g}x WCC" if r["slow"] else ""
        lines.append(f"{r['method']:<11}{cells}{r['peak_rss_mb']:>13.0f}"
                     f"{r['rss_before_mb']:>8.0f}{flag}")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line (``argv`` None: ``sys.argv``)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--methods", help="comma-separated method names (default: every "
                   "registered one; WCC is always measured)")
    p.add_argument("--duration-s", type=float, help="pair length in s (default 3000: 50 min)")
    p.add_argument("--surrogates", type=int, help="surrogates of run_method (default 200)")
    p.add_argument("--repeats", type=int, help="repeats of each stage (default 3)")
    p.add_argument("--quick", action="store_true",
                   help="5 min pair, 20 surrogates, 1 repeat (options above override)")
    p.add_argument("--json", type=Path, help="also write the measurements to this file")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the table (and write --json); returns the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S")
    args = parse_args(argv)
    quick = {"duration_s": 300.0, "surrogates": 20, "repeats": 1}
    full = {"duration_s": 3000.0, "surrogates": 200, "repeats": 3}
    sizes = {k: getattr(args, k) if getattr(args, k) is not None else
             (quick if args.quick else full)[k] for k in full}
    missing = load_methods()
    wanted = ([m.strip() for m in args.methods.split(",") if m.strip()] if args.methods
              else list(method_names()))
    try:
        for name in wanted:
            get_method(name)
        if sizes["duration_s"] < 60 or sizes["surrogates"] < 1 or sizes["repeats"] < 1:
            raise InputError("--duration-s must be >= 60 and --surrogates, --repeats >= 1, "
                             f"got {sizes['duration_s']}, {sizes['surrogates']}, "
                             f"{sizes['repeats']}")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    methods = ["wcc"] + [m for m in wanted if m != "wcc"]
    t0 = time.perf_counter()
    rows = run_all(methods, sizes["duration_s"], int(sizes["surrogates"]),
                   int(sizes["repeats"]))
    print(f"{sizes['duration_s']:g} s pair at {FS_HZ:g} Hz "
          f"({int(sizes['duration_s'] * FS_HZ)} samples), {sizes['surrogates']} surrogates, "
          f"{sizes['repeats']} repeat(s), one BLAS thread; wall {time.perf_counter() - t0:.0f} s")
    print(table(rows))
    if missing:
        print(f"not measured (module not there): {', '.join(missing)}")
    if args.json:
        args.json.write_text(json.dumps({"config": sizes, "fs_hz": FS_HZ,
                                         "pair": {"coupling": COUPLING, "lag_s": LAG_S},
                                         "slow_ratio": SLOW_RATIO, "methods_missing": missing,
                                         "results": rows}, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
