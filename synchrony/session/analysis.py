"""Analysis of a recorded session from its landmarks, and the session's tidy exports.

``synchrony analyze SESSION_DIR --out DIR`` runs :func:`analyze_session`: the usual
analyze outputs (:func:`synchrony.batch.analyze.analyze_run`), the episodes stored back
in the session, and ``landmarks.csv``, MEA text and ELAN tiers (:mod:`synchrony.io.interchange`).
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow.parquet as pq

from synchrony.io.episode_files import read_episode_report
from synchrony.records import TrackedFrame

if TYPE_CHECKING:
    from synchrony.session.store import Session
from synchrony.io.interchange import elan_tiers, write_eaf, write_landmarks_csv, write_mea_text

log = logging.getLogger(__name__)


def write_session_exports(session: Session, analysis_dir: Path) -> list[Path]:
    """Write the tidy exports of a session into an analyze output directory.

    Reads ``signals.parquet``, ``episodes.json`` and ``summary.json`` written there by
    ``analyze_run``; returns the paths written.
    """
    import json

    written = [analysis_dir / "landmarks.csv"]
    write_landmarks_csv(written[0], session.landmarks_table())
    grid_hz = json.loads((analysis_dir / "summary.json").read_text())["parameters"]["grid_hz"]
    signals = pq.read_table(analysis_dir / "signals.parquet")
    if {"A_motion", "B_motion"} <= set(signals.column_names):
        written.append(analysis_dir / f"motion_mea_{grid_hz:g}hz.txt")
        write_mea_text(written[-1], signals.column("A_motion").to_numpy(),
                       signals.column("B_motion").to_numpy())
    episodes_json = analysis_dir / "episodes.json"
    report = read_episode_report(episodes_json) if episodes_json.exists() else None
    written.append(analysis_dir / "session.eaf")
    write_eaf(written[-1], elan_tiers(report, session.markers), media=session.video_path)
    return written


# --------------------------------------------------------------------------- tables -> frames


def session_source(session: Session, frames: Sequence[TrackedFrame]) -> dict[str, Any]:
    """Build the ``source`` block of summary.json for a session's recorded frames."""
    times = np.array([f.timestamp_s for f in frames])
    duration_s = float(times[-1] - times[0]) if len(times) > 1 else 0.0
    fps = (len(times) - 1) / duration_s if duration_s > 0 else session.fps
    return {"path": str(session.path), "kind": "session", "fps": fps, "n_frames": len(frames),
            "duration_s": duration_s, "width_px": frames[0].size_px[0],
            "height_px": frames[0].size_px[1], "nominal_fps": session.fps,
            "recorded_from": session.metadata.get("source"),
            "frames_dropped_by_tracker": session.metadata.get("frames_dropped_by_tracker"),
            "ended": session.ended}


def analyze_session(session: Session, out: Path, **analysis: Any) -> dict[str, Any]:
    """Analyse a session from its landmarks (no video, no MediaPipe); return summary.json.

    ``analysis`` holds :func:`synchrony.batch.analyze.analyze_run` keyword arguments (params,
    signal_names, grid_hz, body_scale_px, noise_floor …); roles come from the session
    unless given. Afterwards ``episodes.json`` and
    ``episodes.csv`` are also stored in the session directory (for replay; a warning if it
    is read-only) and the tidy exports of this module are written into ``out``.
    """
    from synchrony.batch.analyze import analyze_run
    from synchrony.capture.video import TrackingRun

    frames = session.frames()
    arguments = {"roles": session.roles, **analysis}
    summary = analyze_run(TrackingRun(frames, session_source(session, frames)), out,
                          **arguments)
    try:
        for name in ("episodes.json", "episodes.csv"):
            tmp = session.path / f".{name}.tmp"
            shutil.copyfile(out / name, tmp)
            os.replace(tmp, session.path / name)
    except OSError as exc:
        log.warning("episodes not stored in the session %s: %s", session.path, exc)
    write_session_exports(session, out)
    return summary
