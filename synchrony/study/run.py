"""A whole study: items -> records (resumable) -> pseudo-dyads -> tables and report.

:func:`run_study` is what ``synchrony study`` calls. Items run on the executor
(:mod:`synchrony.study.executors`); an item done earlier with the same input and options is
reused unless ``force``; one item's failure is listed in ``failures.csv`` and never stops
the others. Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synchrony import __version__
from synchrony.analysis.pair import with_wcc_first
from synchrony.study import pseudo as ps
from synchrony.study.convergence import convergence_rows
from synchrony.study.executors import ExecutorSpec, open_client, run_tasks
from synchrony.study.item import StudyOptions, cached_record, run_item
from synchrony.study.manifest import StudyItem
from synchrony.study.tables import write_tables

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PseudoSpec:
    """Pseudo-dyads: ``n_per_item`` per item (None: all; 0: none), ``seed``, ``mix_roles``."""

    n_per_item: int | None = 10
    seed: int = 0
    mix_roles: bool = False


@dataclass
class StudyResult:
    """What a study produced (also written to ``out_dir``)."""

    rows: list[dict[str, Any]]
    pseudo_rows: list[dict[str, Any]]
    failures: list[dict[str, Any]]
    summary: dict[str, Any]
    n_reused: int = 0
    n_run: int = 0
    timings_s: dict[str, float] = field(default_factory=dict)


def _failure(item: StudyItem, reason: str) -> dict[str, Any]:
    return {"id": item.id, "status": "failed", "reason": reason, "rows": [], "profiles": {}}


def _records(client: Any, items: Sequence[StudyItem], options: StudyOptions, out_dir: Path,
             force: bool, progress: bool) -> tuple[list[dict[str, Any]], int]:
    """Each item's record, in manifest order, and how many were reused."""
    cached = {i.id: None if force else cached_record(out_dir, i, options) for i in items}
    todo = [i for i in items if cached[i.id] is None]
    fresh = run_tasks(client, run_item, [(i, options, str(out_dir)) for i in todo],
                      label="items", progress=progress,
                      on_error=lambda a, exc: _failure(a[0], f"the worker failed: "
                                                       f"{type(exc).__name__}: {exc}"))
    done = {r["id"]: r for r in fresh}
    return [cached[i.id] or done[i.id] for i in items], len(items) - len(todo)


def _pseudo(client: Any, items: Sequence[StudyItem], records: Sequence[dict[str, Any]],
            options: StudyOptions, spec: PseudoSpec, out_dir: Path, progress: bool
            ) -> list[dict[str, Any]]:
    if spec.n_per_item == 0:
        return []
    good = [{"id": it.id, "dyad": it.dyad, "roles": it.roles, "grid_hz": rec["grid_hz"],
             "signals": sorted(rec["profiles"])}
            for it, rec in zip(items, records, strict=True) if rec["status"] == "ok"]
    signals = sorted({s for g in good for s in g["signals"]})
    pairs = ps.plan_pairs(good, signals, spec.n_per_item, seed=spec.seed,
                          mix_roles=spec.mix_roles)

    def failed(args: tuple[Any, ...], exc: BaseException) -> dict[str, Any]:
        pair = args[0]
        log.warning("pseudo-dyad %s/%s x %s/%s failed: %s", pair.first.item, pair.first.person,
                    pair.second.item, pair.second.person, exc)
        return {"signal": pair.signal, "a_id": pair.first.item, "b_id": pair.second.item,
                "strength": math.nan, "profile_z": []}

    rows = run_tasks(client, ps.pseudo_value,
                     [(p, options.params, options.fisher_z, str(out_dir)) for p in pairs],
                     label="pseudo-dyads", progress=progress, on_error=failed)
    return sorted(rows, key=lambda r: (r["signal"], r["a_id"], r.get("a_person", ""),
                                       r["b_id"], r.get("b_person", "")))


def _rows(items: Sequence[StudyItem], records: Sequence[dict[str, Any]],
          pseudo_rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    genuine = {(r["id"], r["signal"]): r["strength"] for rec in records for r in rec["rows"]}
    pct = ps.percentiles(genuine, pseudo_rows)
    rows = []
    for item, rec in zip(items, records, strict=True):
        if rec["status"] != "ok":
            rows.append({"id": item.id, "dyad": item.dyad, "session": item.session,
                         "signal": "", "role_A": item.roles["A"] or "",
                         "role_B": item.roles["B"] or "", "kind": item.kind,
                         "path": str(item.path), "status": "failed", "reason": rec["reason"],
                         **item.covariates})
            continue
        for r in sorted(rec["rows"], key=lambda r: r["signal"]):
            percentile, n = pct.get((r["id"], r["signal"]), (math.nan, 0))
            rows.append(r | {"pseudo_percentile": percentile, "n_pseudo": n, "reason": ""})
    return rows


def _signal_summary(records: Sequence[dict[str, Any]], pseudo_rows: Sequence[dict[str, Any]],
                    seed: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    signals = sorted({r["signal"] for rec in records for r in rec["rows"]})
    for signal in signals:
        rows = [r for rec in records for r in rec["rows"] if r["signal"] == signal]
        prow = [r for r in pseudo_rows if r["signal"] == signal]
        profiles = [rec["profiles"][signal] for rec in records
                    if signal in rec.get("profiles", {})]
        out[signal] = {
            "strength": ps.compare({r["id"]: r["strength"] for r in rows}, prow, "strength",
                                   seed=seed),
            "grand_average": ps.compare({r["id"]: r["grand_average"] for r in rows}, prow,
                                        "grand_average", seed=seed),
            "lags_s": profiles[0]["lags_s"] if profiles else [],
            "genuine_profile_z": ps.mean_profile([p["profile_z"] for p in profiles]),
            "pseudo_profile_z": ps.mean_profile([r.get("profile_z", []) for r in prow]),
            "leaders": {k: sum(r["leader"] == k for r in rows) for k in ("A", "B", "none")},
        }
    return out


def run_study(items: Sequence[StudyItem], out_dir: Path, *, options: StudyOptions,
              executor: ExecutorSpec, pseudo: PseudoSpec, force: bool = False,
              progress: bool = True, manifest: str | None = None,
              client: Any = None) -> StudyResult:
    """Run the study (module docstring) and write its tables and report into ``out_dir``.

    ``client``: a connected :class:`distributed.Client` to use instead of opening one for
    ``executor`` (benchmarks and tests that run several studies on one cluster).
    """
    from synchrony.study.report import write_report

    out_dir = Path(out_dir).resolve()  # a cluster's workers run in other working directories
    t0 = time.perf_counter()
    opened = contextlib.nullcontext(client) if client is not None else open_client(executor)
    with opened as client:  # an unreachable scheduler fails before anything is written
        (out_dir / "items").mkdir(parents=True, exist_ok=True)
        t1 = time.perf_counter()
        records, reused = _records(client, items, options, out_dir, force, progress)
        t2 = time.perf_counter()
        pseudo_rows = _pseudo(client, items, records, options, pseudo, out_dir, progress)
        t3 = time.perf_counter()
    rows = _rows(items, records, pseudo_rows)
    methods = with_wcc_first(options.params.methods)
    failures = [{"id": it.id, "path": str(it.path), "reason": rec["reason"]}
                for it, rec in zip(items, records, strict=True) if rec["status"] != "ok"]
    covariates = sorted({k for it in items for k in it.covariates})
    summary: dict[str, Any] = {
        "software": {"name": "synchrony", "version": __version__},
        "manifest": manifest, "options": options.as_dict(),
        "pseudo": {"n_per_item": pseudo.n_per_item, "seed": pseudo.seed,
                   "mix_roles": pseudo.mix_roles, "n_pairs": len(pseudo_rows)},
        "n_items": len(items), "n_failed": len(failures),
        "statistic": "strength = profile_peak_z: peak of the lag profile (mean Fisher z per "
                     "lag over all WCC windows)",
        "signals": _signal_summary([r for r in records if r["status"] == "ok"], pseudo_rows,
                                   pseudo.seed),
        "methods": list(methods),
        "convergence": convergence_rows([r for r in rows if r["status"] == "ok"], methods),
    }
    write_tables(out_dir, rows, covariates, [{k: v for k, v in r.items() if k != "profile_z"}
                                             for r in pseudo_rows], failures, summary, methods)
    write_report(out_dir / "report.html", rows, summary, failures,
                 {s: [float(r["strength"]) for r in pseudo_rows if r["signal"] == s
                      and math.isfinite(r["strength"])] for s in summary["signals"]})
    timings = {"start_s": t1 - t0, "items_s": t2 - t1, "pseudo_s": t3 - t2,
               "total_s": time.perf_counter() - t0}
    return StudyResult(rows, pseudo_rows, failures, summary, reused, len(items) - reused,
                       timings)
