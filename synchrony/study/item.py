"""One study item -> its analyze output in ``items/<id>/`` and its rows of ``study.csv``.

:func:`run_item` is what an executor runs (locally or on a Dask worker). It never raises:
a failure becomes a record with ``status`` ``"failed"`` and a one-line ``reason``. The
record (``items/<id>/study_item.json``, written last and atomically) holds a
*fingerprint* of the input and the options; a later run with the same fingerprint reuses
it (resume) unless forced. Failed items are retried by the next run.

Per item and signal the row holds the session statistic (``strength``: the lag-profile
peak, mean Fisher z), ``lag_s`` (lag > 0: A leads and B follows), ``leader``, ``p``,
``n_windows`` and ``grand_average`` (rMEA's ``grandAver``: the mean of the item's whole
WCC grid, NaN cells left out; of Fisher z with ``fisher_z``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.csv as pacsv

from synchrony import __version__
from synchrony.analysis.pair import (
    AnalysisParameters,
    analyze_pair,
    too_short_reason,
    with_wcc_first,
)
from synchrony.engine.compat import rmea_smooth
from synchrony.engine.lag_profile import lag_profile
from synchrony.engine.lead import describe_lag
from synchrony.engine.wcc import fisher_z
from synchrony.io.atomic import write_json_atomic
from synchrony.io.output_dir import staged_output_dir
from synchrony.io.text_tables import read_pair
from synchrony.io.tidy import write_grid_csv, write_json, write_signals
from synchrony.signals.extract import SignalSet
from synchrony.study.convergence import method_fields
from synchrony.study.manifest import StudyItem

log = logging.getLogger(__name__)

ITEM_SCHEMA = "synchrony.study_item/1"
TABLE_SIGNAL = "motion"
"""Signal name of a two-column text table (MEA motion energy and the like)."""


@dataclass(frozen=True)
class StudyOptions:
    """Analysis options shared by every item (``analyze``'s, plus the text-table ones).

    Attributes
    ----------
    params : window, step, lag, surrogates, windowing (s and Hz).
    signals : signals of videos and sessions (text tables have one: ``motion``).
    grid_hz : signal grid of videos and sessions (Hz).
    smooth_s : rMEA moving average of text tables before the analysis (s; None: none).
    fisher_z : ``grand_average`` and the lag profiles in Fisher z (rMEA ``r2Z``); else r.
    model_dir, pose_variant : MediaPipe bundles and pose model for videos.
    """

    params: AnalysisParameters = field(default_factory=AnalysisParameters)
    signals: tuple[str, ...] = ("body", "head", "face", "motion")
    grid_hz: float = 20.0
    smooth_s: float | None = None
    fisher_z: bool = False
    model_dir: str | None = None
    pose_variant: str = "lite"

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (for fingerprints and ``study_summary.json``)."""
        out = asdict(self)
        out["params"] = self.params.as_dict()
        out["signals"] = list(self.signals)
        return out


def fingerprint(item: StudyItem, options: StudyOptions) -> str:
    """Hash of the input (path, size, modification time) and every option (resume key)."""
    def stat(path: Path | None) -> list[Any]:
        if path is None:
            return []
        if path.is_dir():
            return sorted([p.name, p.stat().st_size, p.stat().st_mtime_ns]
                          for p in path.rglob("*") if p.is_file())
        st = path.stat()
        return [st.st_size, st.st_mtime_ns]

    blob = {"path": str(item.path), "kind": item.kind, "fps": item.fps, "roles": item.roles,
            "input": stat(item.path), "calibration": stat(item.calibration),
            "options": options.as_dict(), "version": __version__}
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()


def record_path(out_dir: Path, item: StudyItem) -> Path:
    """Where an item's record is kept."""
    return out_dir / "items" / item.id / "study_item.json"


def cached_record(out_dir: Path, item: StudyItem, options: StudyOptions) -> dict | None:
    """Return the record of an earlier run that succeeded with the same fingerprint, or None."""
    path = record_path(out_dir, item)
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    ok = (record.get("schema") == ITEM_SCHEMA and record.get("status") == "ok"
          and record.get("fingerprint") == fingerprint(item, options))
    return record if ok else None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, ValueError | OSError) and text:
        return text  # bad input: its message says what is wrong
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_item(item: StudyItem, options: StudyOptions, out_dir: str) -> dict[str, Any]:
    """Analyse one item into ``out_dir/items/<id>``; return its record (never raises)."""
    out = Path(out_dir) / "items" / item.id
    record: dict[str, Any] = {"schema": ITEM_SCHEMA, "id": item.id,
                              "fingerprint": fingerprint(item, options)}
    try:
        if item.kind == "table":
            summary = _analyze_table(item, options, out)
        elif item.kind == "session":
            summary = _analyze_session(item, options, out)
        else:
            summary = _analyze_video(item, options, out)
        rows, profiles = item_rows(item, summary, out, options.fisher_z)
        record.update(status="ok", reason="", rows=rows, profiles=profiles,
                      grid_hz=float(summary["parameters"]["grid_hz"]),
                      warnings=list(summary.get("warnings", [])))
        write_json_atomic(out / "study_item.json", record)
    except Exception as exc:  # one item's failure never stops the study
        log.debug("item %s failed", item.id, exc_info=True)
        record.update(status="failed", reason=_one_line(exc), rows=[], profiles={},
                      warnings=[])
    return record


def table_signals(item: StudyItem, smooth_s: float | None) -> SignalSet:
    """Return a text table's two columns as the ``motion`` signal of A and B."""
    data = read_pair(item.path)
    a, b = data[:, 0], data[:, 1]
    if smooth_s is not None:
        a, b = rmea_smooth(a, item.fps, smooth_s), rmea_smooth(b, item.fps, smooth_s)
    n = len(a)
    return SignalSet(time_s=np.arange(n) / item.fps, grid_hz=item.fps,
                     values={f"A_{TABLE_SIGNAL}": a, f"B_{TABLE_SIGNAL}": b},
                     detected_fraction={})


def _analyze_table(item: StudyItem, options: StudyOptions, out: Path) -> dict[str, Any]:
    signals = table_signals(item, options.smooth_s)
    n = len(signals.time_s)
    reason = too_short_reason(n, item.fps, options.params)
    if reason:
        raise ValueError(reason)
    analysis = analyze_pair(*signals.pair(TABLE_SIGNAL), fs_hz=item.fps, signal=TABLE_SIGNAL,
                            params=options.params,
                            methods=with_wcc_first(options.params.methods))
    summary = {
        "schema": "synchrony.summary/2", "software": {"name": "synchrony",
                                                      "version": __version__},
        "source": {"path": str(item.path), "fps": item.fps, "n_samples": n,
                   "duration_s": n / item.fps},
        "people": {p: {"role": item.roles[p]} for p in ("A", "B")},
        "parameters": options.params.as_dict() | {"grid_hz": item.fps,
                                                  "smooth_s": options.smooth_s},
        "signals": {TABLE_SIGNAL: analysis.summary_with_methods}, "warnings": [],
    }
    with staged_output_dir(out, overwrite=True) as tmp:
        write_json(tmp / "summary.json", summary)
        write_signals(tmp, signals)
        write_grid_csv(tmp / f"wcc_{TABLE_SIGNAL}.csv", analysis.wcc)
    return summary


def _analyze_session(item: StudyItem, options: StudyOptions, out: Path) -> dict[str, Any]:
    from synchrony.calibration.apply import session_calibration_arguments
    from synchrony.session.analysis import analyze_session
    from synchrony.session.store import open_session_reporting

    session = open_session_reporting(item.path)
    return analyze_session(session, out, params=options.params,
                           signal_names=list(options.signals), grid_hz=options.grid_hz,
                           extra_parameters={"signals": list(options.signals)},
                           overwrite=True, parallel_plots=False,
                           **session_calibration_arguments(session))


def _analyze_video(item: StudyItem, options: StudyOptions, out: Path) -> dict[str, Any]:
    from synchrony.batch.analyze import analyze_video
    from synchrony.calibration.apply import calibration_arguments
    from synchrony.capture import factory
    from synchrony.capture.sources import probe_video

    probe_video(item.path)  # not a video: fail at open, before any model is found or built
    calibration = calibration_arguments(item.calibration, item.path)
    if any(item.roles.values()):  # the manifest's roles win over the profile's
        calibration["roles"] = dict(item.roles)
    extra = {"pose_variant": options.pose_variant, "signals": list(options.signals),
             **calibration.pop("extra_parameters")}
    model_dir = Path(options.model_dir) if options.model_dir else None
    make = factory.tracker_factory(model_dir, options.pose_variant)
    return analyze_video(item.path, out, params=options.params, make_tracker=make,
                         signal_names=list(options.signals), grid_hz=options.grid_hz,
                         extra_parameters=extra, overwrite=True, progress=False,
                         parallel_plots=False, **calibration)


def read_grid(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Lags (s) and the (windows, lags) r of a ``wcc_<signal>.csv`` (empty cells NaN)."""
    table = pacsv.read_csv(path)
    lags_s = np.array([float(n) for n in table.column_names[1:]])
    r = np.column_stack([table.column(i).to_numpy(zero_copy_only=False).astype(float)
                         for i in range(1, table.num_columns)]) if len(lags_s) else \
        np.empty((table.num_rows, 0))
    return lags_s, r


def grand_average(r: np.ndarray, fisher: bool) -> float:
    """Return rMEA's ``grandAver``: the grid's mean (NaN cells left out), of z if ``fisher``."""
    values = fisher_z(r) if fisher else np.asarray(r, dtype=float)
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else math.nan


def _leader_role(leader: str, roles: dict[str, str | None]) -> str:
    return (roles.get(leader) or leader) if leader in ("A", "B") else "none"


def item_rows(item: StudyItem, summary: dict[str, Any], out: Path, fisher: bool
              ) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[float]]]]:
    """One row per signal of ``study.csv`` and each signal's lag profile (mean z per lag)."""
    rows, profiles = [], {}
    for signal, block in summary["signals"].items():
        grid_path = out / f"wcc_{signal}.csv"
        lags_s, r = read_grid(grid_path) if grid_path.exists() else (np.empty(0),
                                                                    np.empty((0, 0)))
        if r.size:
            profiles[signal] = {"lags_s": lags_s.tolist(), "profile_z": lag_profile(r).tolist()}
        surrogate = block.get("surrogate") or {}
        leader = block.get("leader") or "none"
        rows.append({
            "id": item.id, "dyad": item.dyad, "session": item.session, "signal": signal,
            "strength": block.get("strength"), "lag_s": block.get("lag_s"), "leader": leader,
            "leader_role": _leader_role(leader, item.roles),
            "who_leads": block.get("who_leads") or describe_lag(math.nan),
            "p": surrogate.get("p"), "n_windows": block.get("n_windows"),
            "grand_average": grand_average(r, fisher) if r.size else math.nan,
            "role_A": item.roles["A"] or "", "role_B": item.roles["B"] or "",
            "kind": item.kind, "path": str(item.path), "status": "ok",
            **method_fields(block), **item.covariates,
        })
    return rows, profiles
