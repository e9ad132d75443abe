"""Known-truth validation of every synchrony method: false positives, power, leader and lag.

    python bench/method_validation.py --quick --out /tmp/mv_quick
    nice -n 10 python bench/method_validation.py --out /tmp/mv_full --workers 2

Each method (``--methods``, default every registered one) analyses generated 20 Hz pairs
through ``synchrony.analysis.pair.analyze_pair`` with the default
:class:`~synchrony.analysis.methods.AnalysisParameters` except ``n_surrogates``
(``--surrogates``) and ``seed`` (the pair's seed): the product's session test, leader rule
and session lag, exactly as ``analyze`` reports them.

Pairs (``--duration-s`` long, seeded by their identity, so a pair does not change with the
size of the run):

- **independent**, ``--n-null`` split evenly over four styles: ``band`` (band-limited
  0.1-1 Hz movement, like ``movement()`` in tests/unit/analysis/test_methods.py),
  ``ar1`` (AR(1), phi = 0.95), ``sinusoid`` (one wandering 0.2-0.6 Hz rhythm plus AR(1)
  noise) and ``speed`` (``bench/dyads.py``'s tracked-movement speeds with jitter and
  dropouts); ``ar1`` and ``sinusoid`` come from ``bench/dyads.py`` and carry its dropouts
  (NaN runs), so every method also meets missing samples;
- **coupled**: ``b(t) = c a(t - tau) + sqrt(1 - c^2) noise`` with ``a`` band-limited
  movement, for each ``c`` in ``--couplings`` and ``tau`` in ``--lags`` (> 0: A leads),
  ``--n-coupled`` pairs per cell. The noise is by default B's own band-limited movement
  (``--noise movement``: ``c`` is then the correlation at the true lag inside the band too);
  ``--noise white`` uses white noise, most of which a band-limited method filters out.

Outputs in ``--out``: ``pairs.csv`` (one row per method and pair), ``rates.csv``,
``report.md`` and ``run.json`` (see ``bench/method_validation_report.py``). Sign convention:
lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import math
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dyads import GRID_HZ, MOVEMENT_BAND_HZ, DyadSpec, band_noise, make_dyad  # noqa: E402
from bench.jobs import run_jobs  # noqa: E402
from bench.method_validation_report import print_table, write_outputs  # noqa: E402
from bench.power import _one_blas_thread, _seed  # noqa: E402
from synchrony.analysis.methods import ALPHA, AnalysisParameters, method_names  # noqa: E402
from synchrony.errors import InputError  # noqa: E402

log = logging.getLogger("bench.method_validation")
#: Method modules besides WCC, imported by name when they exist (they register at import).
OPTIONAL_METHODS = ("wavelet", "recurrence", "phase")
NULL_STYLES = ("band", "ar1", "sinusoid", "speed")
NOISES = ("movement", "white")
#: How the styles map onto bench/dyads.py's styles ("band" is generated here).
_DYAD_STYLE = {"ar1": "ar1", "sinusoid": "sinusoid", "speed": "movement"}
_PAD_S = 10.0  # generated before and after each pair: no circular wrap, no filter edges
Row = dict[str, Any]


def load_methods(wanted: Sequence[str] = OPTIONAL_METHODS) -> list[str]:
    """Import the WCC seam and each ``synchrony.analysis.<name>_method`` that exists.

    Returns the names whose module is missing (logged); each module registers its method.
    """
    importlib.import_module("synchrony.analysis.pair")
    missing = []
    for name in wanted:
        try:
            importlib.import_module(f"synchrony.analysis.{name}_method")
        except ModuleNotFoundError as exc:
            if exc.name != f"synchrony.analysis.{name}_method":
                raise  # the module exists but one of its imports does not: a real error
            log.debug("no module for method %r: %s", name, exc)
            missing.append(name)
    if missing:
        log.info("method modules not there (yet): %s", ", ".join(missing))
    return missing


@dataclass(frozen=True, slots=True)
class PairSpec:
    """One generated pair's known truth.

    Attributes
    ----------
    style : a null style (``NULL_STYLES``) or ``"coupled"``.
    coupling : c (0 for independent pairs).
    lag_s : true lag tau in seconds (> 0: A leads, B follows; 0 for independent pairs).
    duration_s : length in seconds.
    seed : the pair's seed (also the surrogate seed of its tests).
    noise : coupled pairs' noise, ``"movement"`` or ``"white"``.
    fs_hz : grid rate in Hz.
    """

    style: str
    coupling: float
    lag_s: float
    duration_s: float
    seed: int
    noise: str = "movement"
    fs_hz: float = GRID_HZ

    @property
    def true_leader(self) -> str:
        """``"A"``, ``"B"`` or ``"none"`` (independent pairs and tau = 0)."""
        if self.coupling == 0 or self.lag_s == 0:
            return "none"
        return "A" if self.lag_s > 0 else "B"


def band_movement(n: int, fs_hz: float, rng: np.random.Generator) -> np.ndarray:
    """(n,) band-limited 0.1-1 Hz movement with unit SD (cut from a longer, padded series)."""
    pad = int(round(_PAD_S * fs_hz))
    x = band_noise(n + 2 * pad, fs_hz, MOVEMENT_BAND_HZ, rng)[pad:pad + n, 0]
    return x / x.std()


def coupled_pair(coupling: float, lag_s: float, n: int, fs_hz: float,
                 rng: np.random.Generator, noise: str = "movement"
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) with ``b(t) = c a(t - lag_s) + sqrt(1 - c^2) noise``; lag > 0: A leads."""
    if noise not in NOISES:
        raise ValueError(f"noise must be one of {', '.join(NOISES)}, got {noise!r}")
    pad = int(round(_PAD_S * fs_hz))
    d = int(round(lag_s * fs_hz))
    if abs(d) >= pad:
        raise ValueError(f"|lag_s| must be below {_PAD_S:g} s, got {lag_s!r}")
    x = band_movement(n + 2 * pad, fs_hz, rng)
    a, a_earlier = x[pad:pad + n], x[pad - d:pad - d + n]  # a_earlier[t] = a(t - lag)
    own = band_movement(n, fs_hz, rng) if noise == "movement" else rng.standard_normal(n)
    return a, coupling * a_earlier + math.sqrt(1.0 - coupling * coupling) * own


def make_pair(spec: PairSpec) -> tuple[np.ndarray, np.ndarray]:
    """Generate the pair of ``spec`` (deterministic in ``spec``)."""
    n = int(round(spec.duration_s * spec.fs_hz))
    if spec.style in _DYAD_STYLE:
        dyad = make_dyad(DyadSpec(0.0, 0.0, spec.duration_s, _DYAD_STYLE[spec.style],
                                  spec.seed, spec.fs_hz))
        return dyad.a, dyad.b
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 2323]))
    if spec.style == "band":
        return band_movement(n, spec.fs_hz, rng), band_movement(n, spec.fs_hz, rng)
    if spec.style == "coupled":
        return coupled_pair(spec.coupling, spec.lag_s, n, spec.fs_hz, rng, spec.noise)
    raise ValueError(f"style must be one of {', '.join((*NULL_STYLES, 'coupled'))}, "
                     f"got {spec.style!r}")


@dataclass(frozen=True, slots=True)
class Config:
    """What to generate and test."""

    methods: tuple[str, ...] = ()
    duration_s: float = 180.0
    n_null: int = 300
    n_coupled: int = 40
    couplings: tuple[float, ...] = (0.3, 0.6, 0.8)
    lags_s: tuple[float, ...] = (0.5, -0.5, 1.2)
    n_surrogates: int = 200
    noise: str = "movement"
    seed: int = 0


#: A smoke run: two pairs per null style, one per coupled cell, 60 s, 50 surrogates.
QUICK = Config(duration_s=60.0, n_null=8, n_coupled=1, couplings=(0.6, 0.8),
               n_surrogates=50)


def specs(config: Config) -> Iterator[PairSpec]:
    """Every pair: the independent ones (styles in turn), then the coupled cells."""
    per_style = [config.n_null // len(NULL_STYLES)
                 + (1 if k < config.n_null % len(NULL_STYLES) else 0)
                 for k in range(len(NULL_STYLES))]
    for k, (style, count) in enumerate(zip(NULL_STYLES, per_style, strict=True)):
        for i in range(count):
            yield PairSpec(style, 0.0, 0.0, config.duration_s,
                           _seed(config.seed, config.duration_s, k, i), config.noise)
    for c in config.couplings:
        for lag in config.lags_s:
            for i in range(config.n_coupled):
                yield PairSpec("coupled", c, lag, config.duration_s,
                               _seed(config.seed, config.duration_s, 7, c, lag, i),
                               config.noise)


@dataclass(frozen=True, slots=True)
class Job:
    """One pair, analysed by each method."""

    spec: PairSpec
    methods: tuple[str, ...]
    n_surrogates: int


def run_job(job: Job) -> list[Row]:
    """Generate one pair and analyse it with each method: one row per method."""
    from synchrony.analysis.pair import analyze_pair

    spec = job.spec
    a, b = make_pair(spec)
    params = AnalysisParameters(n_surrogates=job.n_surrogates, seed=spec.seed % 2**31)
    rows = []
    for name in job.methods:
        truth = asdict(spec)
        truth["lag_s_true"] = truth.pop("lag_s")  # "lag_s" is the method's estimate
        row: Row = {"method": name, **truth, "true_leader": spec.true_leader}
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            result = analyze_pair(a, b, fs_hz=spec.fs_hz, signal="body", params=params,
                                  methods=[name]).results[name]
        except (InputError, ValueError, FloatingPointError) as exc:
            log.warning("%s failed on %s: %s", name, spec, exc)
            row.update(error=f"{type(exc).__name__}: {exc}", p=math.nan, significant=False,
                       leader="none", lag_s=math.nan)
        else:
            test, summary = result.surrogate, result.summary
            p = test.p if test is not None else math.nan
            row.update(error="", statistic_name=result.statistic_name,
                       statistic=result.statistic, p=p,
                       p_permutation=test.p_permutation if test is not None else math.nan,
                       z=test.z if test is not None else math.nan,
                       significant=bool(math.isfinite(p) and p < ALPHA),
                       leader=str(summary["leader"]), lag_s=_as_float(summary["lag_s"]),
                       n_windows=len(result.strength))
        row["seconds"] = time.perf_counter() - t0
        row["cpu_s"] = time.process_time() - c0
        rows.append(row)
    return rows


def _as_float(value: object) -> float:
    """A summary value as a float (anything not a number, e.g. None, is NaN)."""
    return float(value) if isinstance(value, int | float) else math.nan


def _init_worker(methods: tuple[str, ...]) -> None:
    """A worker: one BLAS thread (see bench/power.py) and the method modules registered."""
    _one_blas_thread()
    load_methods([m for m in methods if m in OPTIONAL_METHODS])


def run_all(config: Config, workers: int = 1) -> list[Row]:
    """Run every job (in ``workers`` processes when > 1); rows in job order."""
    jobs = [Job(s, config.methods, config.n_surrogates) for s in specs(config)]
    log.info("%d pairs x %d method(s) (%s), %d surrogates, %d worker(s)", len(jobs),
             len(config.methods), ", ".join(config.methods), config.n_surrogates, workers)
    return run_jobs(jobs, run_job, workers=workers, log=log, unit="pairs",
                    initializer=_init_worker, initargs=(config.methods,), every=25)


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in text.replace(",", " ").split())


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line (``argv`` None: ``sys.argv``)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, required=True, help="output folder (created)")
    p.add_argument("--methods", help="comma-separated method names (default: every "
                   "registered one)")
    p.add_argument("--quick", action="store_true", help="a smoke run: 60 s pairs, 8 "
                   "independent and 6 coupled, 50 surrogates (options below override)")
    p.add_argument("--duration-s", type=float, help="length of each pair (default 180)")
    p.add_argument("--n-null", type=int, help="independent pairs, split over the styles "
                   f"{', '.join(NULL_STYLES)} (default 300)")
    p.add_argument("--n-coupled", type=int, help="coupled pairs per (c, tau) (default 40)")
    p.add_argument("--couplings", type=_floats, help="c values (default 0.3,0.6,0.8)")
    p.add_argument("--lags", type=_floats, help="true lags tau in s, > 0: A leads "
                   "(default 0.5,-0.5,1.2)")
    p.add_argument("--surrogates", type=int, help="surrogates per test (default 200)")
    p.add_argument("--noise", choices=NOISES, help="noise of coupled pairs (default movement)")
    p.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    return p.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> Config:
    """The quick or full configuration with the command line's overrides; methods checked.

    Raises
    ------
    InputError
        An unknown method name or a size out of range.
    """
    missing = load_methods()
    if args.methods:
        methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    else:
        methods = method_names()
    for name in methods:
        if name not in method_names():
            why = " (its module is not there yet)" if name in missing else ""
            raise InputError(f"--methods must name registered methods "
                             f"({', '.join(method_names())}), got {name!r}{why}")
    config = replace(QUICK if args.quick else Config(), methods=methods, seed=args.seed)
    overrides = {"duration_s": args.duration_s, "n_null": args.n_null,
                 "n_coupled": args.n_coupled, "couplings": args.couplings,
                 "lags_s": args.lags, "n_surrogates": args.surrogates, "noise": args.noise}
    config = replace(config, **{k: v for k, v in overrides.items() if v is not None})
    if config.duration_s <= 0 or config.n_null < 0 or config.n_coupled < 0 or (
            config.n_surrogates < 1) or args.workers < 1:
        raise InputError("--duration-s, --surrogates and --workers must be positive and "
                         "--n-null, --n-coupled >= 0, got "
                         f"{config.duration_s}, {config.n_surrogates}, {args.workers}, "
                         f"{config.n_null}, {config.n_coupled}")
    if any(not 0 < c < 1 for c in config.couplings):
        raise InputError(f"--couplings must be in (0, 1), got {config.couplings}")
    return config


def main(argv: Sequence[str] | None = None) -> int:
    """Run the validation and write its tables; returns the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S")
    args = parse_args(argv)
    try:
        config = config_from_args(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    with threadpool_limits(1):  # one BLAS thread, as in each worker
        rows = run_all(config, workers=args.workers)
    wall_s = time.perf_counter() - t0
    per_method = {}
    for name in config.methods:
        mine = [r for r in rows if r["method"] == name]
        cpu = sum(float(r["cpu_s"]) for r in mine)
        per_method[name] = {"cpu_s": cpu, "cpu_s_per_pair": cpu / max(len(mine), 1),
                            "errors": sum(1 for r in mine if r["error"])}
    run = {
        "run": "quick" if args.quick else "full", "config": asdict(config),
        "analysis_parameters": AnalysisParameters(n_surrogates=config.n_surrogates).as_dict(),
        "alpha": ALPHA, "wall_s": wall_s, "workers": args.workers,
        "seconds_per_method": per_method, "methods_missing": load_methods(),
        "command": " ".join(sys.argv),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    summary = write_outputs(rows, run, args.out)
    print(print_table(summary))
    print(f"wrote {args.out} in {wall_s:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
