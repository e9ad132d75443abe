"""``episodes.json`` and ``episodes.csv``: writing and reading episode reports.

The episodes themselves are found by :mod:`synchrony.analysis.episodes`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

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
from synchrony.io.tidy import json_safe, write_json, write_rows_csv
from synchrony.signals.extract import SignalSet


def write_episodes_csv(path: Path, report: EpisodeReport) -> None:
    """``episodes.csv``: one row per episode (CSV_HEADER), times in seconds."""
    rows: Sequence[Sequence[object]] = [
        (e.signal, e.kind, e.start_s, e.end_s, e.duration_s, e.strength, e.n_windows,
         report.timelines[e.signal].threshold_r if e.signal in report.timelines else math.nan)
        for e in report.episodes
    ]
    write_rows_csv(path, CSV_HEADER, rows)


def write_episode_files(out_dir: Path, report: EpisodeReport) -> None:
    """``episodes.json`` (timelines + episodes) and ``episodes.csv`` into ``out_dir``."""
    write_json(out_dir / "episodes.json", report.to_json())
    write_episodes_csv(out_dir / "episodes.csv", report)


def write_analysis_episodes(out_dir: Path, signals: SignalSet,
                            analyses: Mapping[str, SignalAnalysis],
                            params: AnalysisParameters) -> EpisodeReport:
    """Find the episodes of an analysis and write them into ``out_dir`` (analyze's hook)."""
    report = analysis_episodes(signals, analyses, params)
    write_episode_files(out_dir, report)
    return report


def read_episode_report(path: Path) -> EpisodeReport:
    """Read an ``episodes.json``.

    Raises
    ------
    InputError
        Damaged file or another schema.
    """
    from synchrony.errors import InputError

    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is damaged (not JSON): {exc}") from exc
    if not isinstance(data, dict) or data.get("schema") != EPISODES_SCHEMA:
        raise InputError(f"{path} is not a {EPISODES_SCHEMA} file")
    return EpisodeReport.from_json(json_safe(data))
