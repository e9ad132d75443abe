"""Damaged session directories for the robustness suite, and an in-process command runner.

Sessions are built with :class:`synchrony.session.store.SessionWriter` from synthetic tracked
frames (``tests.fixtures.sessions``: B follows A by 0.5 s, 10 Hz, one part file per 10
frames), then damaged the way real ones get damaged: a part cut short by a full disk or a
copy, a part from another program, ``session.json`` lost or cut, a session from a newer
synchrony, a recorder that was killed or is still running. Every ``make_*`` builder takes a
fresh path and returns the session directory a researcher would pass to a command.

:func:`run_main` runs ``synchrony.cli.main`` in this process (no interpreter start-up, no
MediaPipe): the result has the shape of :func:`tests.robustness.conftest.run_cli`'s, so
:func:`~tests.robustness.conftest.assert_one_line_error` checks it the same way.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synchrony.cli import main
from synchrony.session.store import LANDMARKS_DIR, SESSION_FILE, SessionWriter
from tests.fixtures.sessions import coupled_frames, write_session

FPS_HZ = 10.0
N_FRAMES = 120
"""Frames of a built session (12 s at 10 Hz)."""
FRAMES_PER_PART = 10
DAMAGED_PART = 3
"""Index of the part file the part-damaging builders spoil (frames 30-39)."""
FAST_ANALYSIS = ("--surrogates", "0", "--signals", "body", "--no-progress")
"""analyze options that keep a session's analysis to about a second."""


# --------------------------------------------------------------------------- running


def run_main(args: Sequence[str | Path], capfd: pytest.CaptureFixture[str]
             ) -> subprocess.CompletedProcess[str]:
    """Run ``synchrony ARGS`` in this process; return exit status, stdout and stderr.

    ``capfd`` captures at the file-descriptor level, so library noise written by C code
    is seen too. An argparse error (``SystemExit``) becomes its exit status.
    """
    argv = [str(a) for a in args]
    capfd.readouterr()  # drop what came before
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capfd.readouterr()
    return subprocess.CompletedProcess([sys.executable, "-m", "synchrony", *argv], code,
                                       out, err)


def trap_inputs(monkeypatch: pytest.MonkeyPatch, *, models: bool = True) -> None:
    """Make opening a video or camera, finding MediaPipe or starting a study fail loudly.

    For cases that must be refused before any of that happens: a trap reached shows up
    as exit 1 ``failed: AssertionError: … before the arguments were checked``.
    ``models=False``: looking the MediaPipe bundles up (no video opened) is allowed.
    """
    def opened(what: str) -> NoReturn:
        raise AssertionError(f"{what} before the arguments were checked")

    monkeypatch.setattr("av.open", lambda *a, **k: opened(f"av.open{a}"))
    monkeypatch.setattr("cv2.VideoCapture", lambda *a, **k: opened(f"cv2.VideoCapture{a}"))
    if models:
        monkeypatch.setattr("synchrony.capture.factory.find_models",
                            lambda *a, **k: opened("the MediaPipe models were looked up"))
    monkeypatch.setattr("synchrony.commands.study.run_study",
                        lambda *a, **k: opened("the study was started"))


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file below ``folder`` ("" for a directory)."""
    return {p.relative_to(folder).as_posix():
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
            for p in folder.rglob("*")}


def part_paths(session: Path) -> list[Path]:
    """The landmark part files of ``session``, in order."""
    return sorted((session / LANDMARKS_DIR).glob("part-*.parquet"))


# --------------------------------------------------------------------------- builders


def make_good(path: Path) -> Path:
    """A closed session: 120 frames in 12 parts, ``ended: "clean"``."""
    write_session(path, coupled_frames(N_FRAMES / FPS_HZ), frames_per_part=FRAMES_PER_PART)
    return path


def make_empty_dir(path: Path) -> Path:
    """An empty directory (a recording that never started, or the wrong folder)."""
    path.mkdir(parents=True)
    return path


def make_truncated_part(path: Path) -> Path:
    """Part 3 cut to half its bytes (its Parquet footer is gone)."""
    part = part_paths(make_good(path))[DAMAGED_PART]
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    return path


def make_zero_byte_part(path: Path) -> Path:
    """Part 3 is an empty file."""
    part_paths(make_good(path))[DAMAGED_PART].write_bytes(b"")
    return path


def make_wrong_columns_part(path: Path) -> Path:
    """Part 3 is a valid Parquet file of some other table (two unrelated columns)."""
    part = part_paths(make_good(path))[DAMAGED_PART]
    pq.write_table(pa.table({"trial": [1, 2, 3], "rt_ms": [512.0, 498.5, 601.25]}), part)
    return path


def make_wrong_type_part(path: Path) -> Path:
    """Part 3 has every column, but ``person`` holds numbers instead of "A"/"B"."""
    part = part_paths(make_good(path))[DAMAGED_PART]
    table = pq.read_table(part)
    index = table.schema.get_field_index("person")
    pq.write_table(table.set_column(index, "person", pa.array([1.0] * table.num_rows)), part)
    return path


def make_every_part_wrong(path: Path) -> Path:
    """Every part holds another table: nothing readable is left."""
    for part in part_paths(make_good(path)):
        pq.write_table(pa.table({"trial": [1]}), part)
    return path


def make_missing_json(path: Path) -> Path:
    """The landmark parts without ``session.json``."""
    (make_good(path) / SESSION_FILE).unlink()
    return path


def make_truncated_json(path: Path) -> Path:
    """``session.json`` cut in the middle."""
    meta = make_good(path) / SESSION_FILE
    text = meta.read_text()
    meta.write_text(text[: len(text) // 2])
    return path


def make_future_schema(path: Path) -> Path:
    """A session written by a newer synchrony (``synchrony.session/2``)."""
    meta = make_good(path) / SESSION_FILE
    metadata = json.loads(meta.read_text())
    metadata["schema"] = "synchrony.session/2"
    meta.write_text(json.dumps(metadata))
    return path


def make_never_closed(path: Path) -> Path:
    """A recorder killed after 120 frames: parts on disk, ``ended: "recording"``."""
    write_session(path, coupled_frames(N_FRAMES / FPS_HZ), close=False,
                  frames_per_part=FRAMES_PER_PART)
    return path


def make_leftover_tmp_part(path: Path) -> Path:
    """A clean session plus the temporary file of a part being written when it was killed."""
    (make_good(path) / LANDMARKS_DIR / ".part-000012.parquet.tmp").write_bytes(b"PAR1\x00\x15")
    return path


def make_started_without_parts(path: Path) -> Path:
    """A recorder killed before its first part (only ``session.json``, "recording")."""
    write_session(path, [], close=False)
    return path


def open_writer(path: Path, n_frames: int = N_FRAMES) -> SessionWriter:
    """A session still being written: ``n_frames`` frames written, the writer left open.

    The caller writes more (frame indices from ``n_frames`` on) and closes it.
    """
    return write_session(path, coupled_frames(n_frames / FPS_HZ), close=False,
                         frames_per_part=FRAMES_PER_PART)


Builder = Callable[[Path], Path]
