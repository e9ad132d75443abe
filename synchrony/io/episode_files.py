"""``episodes.json``, ``episodes.csv`` and ``timeline.csv``/``.parquet``: writing and reading.

The timelines and episodes themselves come from :mod:`synchrony.analysis.timeline` and
:mod:`synchrony.analysis.episodes`.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from synchrony.analysis.episodes import (
    CSV_HEADER,
    EPISODES_SCHEMA,
    EpisodeReport,
    analysis_episodes,
)
from synchrony.analysis.pair import (
    AnalysisParameters,
    SignalAnalysis,
)
from synchrony.analysis.timeline import COLUMNS, Timeline
from synchrony.io.tidy import json_safe, timeline_table, write_json, write_rows_csv
from synchrony.signals.extract import SignalSet

log = logging.getLogger(__name__)


def timeline_rows(timelines: Iterable[Timeline]) -> list[tuple[object, ...]]:
    """Rows (:data:`~synchrony.analysis.timeline.COLUMNS`) of several signals' timelines."""
    rows: list[tuple[object, ...]] = []
    for t in timelines:
        cols = t.columns()
        rows.extend(zip(*(cols[c] for c in COLUMNS), strict=True))
    return rows


def write_timeline_files(out_dir: Path, rows: Sequence[Sequence[object]],
                         stem: str = "timeline", csv: bool = True) -> None:
    """``<stem>.csv`` (unless ``csv`` is False) and ``<stem>.parquet``: one row per window."""
    if csv:
        write_rows_csv(out_dir / f"{stem}.csv", COLUMNS, rows)
    pq.write_table(timeline_table(rows), out_dir / f"{stem}.parquet")


def write_episodes_csv(path: Path, report: EpisodeReport) -> None:
    """``episodes.csv``: one row per episode (CSV_HEADER), times in seconds."""
    rows: Sequence[Sequence[object]] = [
        (e.signal, e.kind, e.start_s, e.end_s, e.duration_s, e.strength, e.confidence,
         e.n_windows, _median_chance(report.timelines.get(e.signal), e.start_s, e.end_s))
        for e in report.episodes
    ]
    write_rows_csv(path, CSV_HEADER, rows)


def _median_chance(timeline: Timeline | None, start_s: float, end_s: float) -> float:
    """Median chance level of the windows centred within ``[start_s, end_s]``."""
    if timeline is None:
        return math.nan
    inside = (timeline.centre_s >= start_s) & (timeline.centre_s <= end_s)
    values = timeline.chance_level[inside & np.isfinite(timeline.chance_level)]
    return float(np.median(values)) if values.size else math.nan


def write_episode_files(out_dir: Path, report: EpisodeReport) -> None:
    """Write ``episodes.json``, ``episodes.csv`` and ``timeline.csv``/``.parquet``."""
    write_json(out_dir / "episodes.json", report.to_json())
    write_episodes_csv(out_dir / "episodes.csv", report)
    write_timeline_files(out_dir, timeline_rows(report.timelines.values()))


def write_analysis_episodes(out_dir: Path, signals: SignalSet,
                            analyses: Mapping[str, SignalAnalysis],
                            params: AnalysisParameters) -> EpisodeReport:
    """Find the episodes of an analysis and write them into ``out_dir`` (analyze's hook)."""
    report = analysis_episodes(signals, analyses, params)
    write_episode_files(out_dir, report)
    return report


def read_episode_report(path: Path) -> EpisodeReport | None:
    """Read an ``episodes.json``; None (with a warning) for a file of an older schema.

    Raises
    ------
    InputError
        Damaged file or an unknown schema.
    """
    from synchrony.errors import InputError

    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is damaged (not JSON): {exc}") from exc
    schema = data.get("schema") if isinstance(data, dict) else None
    if schema == "synchrony.episodes/1":
        log.warning("%s was written by an older version (per-window peak |r| episodes); "
                    "it is recomputed from the landmarks", path)
        return None
    if schema != EPISODES_SCHEMA:
        raise InputError(f"{path} is not a {EPISODES_SCHEMA} file")
    return EpisodeReport.from_json(json_safe(data))
