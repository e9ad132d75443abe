"""Markers of a recorded session, edited after the recording (replay).

Sessions being recorded add markers through their writer
(:meth:`synchrony.session.store.SessionWriter.add_marker`).
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from synchrony.io.atomic import write_json_atomic
from synchrony.session.store import SESSION_FILE


def save_markers(session_dir: Path, markers: list[dict[str, Any]]) -> None:
    """Replace the ``markers`` of a session's ``session.json`` (atomically, like the writer).

    The file is read again first so that no other field written meanwhile is lost. While a
    session is still being recorded its writer rewrites the file from memory and would drop
    markers added this way: add them after the recording has ended.

    Parameters
    ----------
    session_dir : the session directory.
    markers : ``[{"time_s": float, "label": str}, …]`` (the format of ``SessionWriter``).
    """
    path = Path(session_dir) / SESSION_FILE
    metadata = json.loads(path.read_text())
    metadata["markers"] = [{**m, "time_s": float(m["time_s"]), "label": str(m["label"])}
                           for m in sorted(markers, key=lambda m: float(m["time_s"]))]
    write_json_atomic(path, metadata, mode=stat.S_IMODE(path.stat().st_mode))
