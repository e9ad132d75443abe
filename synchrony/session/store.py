"""Recorded sessions on disk: a crash-safe writer and a reader (Qt-free).

A session is a directory::

    SESSION_DIR/
      session.json                  metadata, schema "synchrony.session/1" (see below)
      landmarks/part-000000.parquet landmark rows, one closed Parquet file per ~1 s
      landmarks/part-000001.parquet ...
      video.mp4                     only with --save-video (H.264, every captured frame)
      live_timeline.parquet         what the live view showed: the synchrony timeline rows
                                    (signal, window_start_s, window_end_s, strength, lag_s,
                                    chance_level, state), rewritten with every part
      episodes.json, episodes.csv   written by ``synchrony analyze SESSION_DIR``

Crash safety: landmark rows are buffered in memory and written as a new part file every
``part_interval_s`` seconds (wall clock) or ``max_frames_per_part`` frames. A part is written
under a temporary name (``.part-….parquet.tmp``), fsynced and renamed into place with
:func:`os.replace`, so every ``part-*.parquet`` is a complete Parquet file and a SIGKILL loses
only the rows still in memory (at most ``part_interval_s`` plus the frame being tracked).
``session.json`` is replaced atomically the same way at the start, after every part and at
the end; while recording its ``ended`` field is ``"recording"``, so a session whose recorder
died says so. The parts open with ``pyarrow.dataset.dataset(SESSION_DIR / "landmarks")`` or
pandas; their columns are :func:`synchrony.io.landmarks.landmarks_schema` plus
``n_people_in_view``, ``processing_s`` and ``frame_event`` (the frame's whole-frame event,
:data:`synchrony.records.FRAME_EVENTS`, or null; parts written before it existed read as
null, and the analysis then finds repeated frames from the landmarks).

``ended`` is ``"clean"`` (end of file or ``--duration-s`` reached), ``"interrupted"``
(SIGINT/SIGTERM; closed properly, nothing lost), ``"disk full"``, ``"source lost"``,
``"error: …"``, or ``"recording"`` (never closed: killed or power loss).
Sign convention of everything derived from a session: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from synchrony import __version__
from synchrony.engine.lead import SIGN_CONVENTION
from synchrony.errors import InputError
from synchrony.io.atomic import write_json_atomic, write_parquet_atomic
from synchrony.io.landmarks import landmarks_schema
from synchrony.io.tidy import TIMELINE_SCHEMA, timeline_table
from synchrony.records import HALVES, PERSONS, Region, TrackedFrame
from synchrony.session.parts import PART_SCHEMA as PART_SCHEMA  # re-exported (scripts, tests)
from synchrony.session.parts import part_table

if TYPE_CHECKING:
    from synchrony.analysis.episodes import EpisodeReport

log = logging.getLogger(__name__)
SESSION_SCHEMA = "synchrony.session/1"
SESSION_FILE = "session.json"
LANDMARKS_DIR = "landmarks"
LIVE_TIMELINE_FILE = "live_timeline.parquet"
VIDEO_FILE = "video.mp4"
PART_GLOB = "part-*.parquet"
class DiskFullError(OSError):
    """The disk filled up while recording; what was written before is kept."""


def now_iso() -> dict[str, str]:
    """Return the current time as ISO 8601 strings, ``{"local": …, "utc": …}``."""
    now = datetime.now(UTC)
    return {"local": now.astimezone().isoformat(timespec="seconds"),
            "utc": now.isoformat(timespec="seconds")}


class SessionWriter:
    """Write a session incrementally; a context manager (``close`` on exit).

    Parameters
    ----------
    path : session directory; created, or an existing empty directory. A non-empty
        directory is refused (a recording is never overwritten).
    source : what is recorded (``kind``, ``description``, ``fps_hint``, ``width_px`` …).
    fps : nominal frame rate in Hz (None: unknown; the measured rate is stored at the end).
    parameters : tracking parameters to keep (stored as given).
    regions : (A, B) tracking regions, normalised 0-1.
    calibration : calibration profile as a dict, or None.
    participants : ``{"A": {"code": …, "role": …}, "B": {…}}``.
    consent : ``{"confirmed": bool, "by": str | None, "at": ISO str | None}``.
    video_saved : True when the raw video is written to ``video.mp4``.
    part_interval_s : wall-clock seconds between landmark part files.
    max_frames_per_part : a part is also closed after this many frames.
    group_readable : directories ``0750`` and files ``0640`` (a lab's shared group);
        default private: ``0700`` and ``0600`` (recordings of people in therapy role-plays).
    clock : monotonic clock in seconds (tests).

    Raises
    ------
    InputError
        ``path`` is a file or a non-empty directory, or cannot be created.
    """

    def __init__(self, path: str | Path, *, source: Mapping[str, Any], fps: float | None,
                 parameters: Mapping[str, Any] | None = None,
                 regions: tuple[Region, Region] = HALVES,
                 calibration: Mapping[str, Any] | None = None,
                 participants: Mapping[str, Mapping[str, Any]] | None = None,
                 consent: Mapping[str, Any] | None = None, video_saved: bool = False,
                 part_interval_s: float = 1.0, max_frames_per_part: int = 250,
                 group_readable: bool = False,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.path = Path(path)
        self.file_mode, dir_mode = (0o640, 0o750) if group_readable else (0o600, 0o700)
        _create_empty_dir(self.path)
        (self.path / LANDMARKS_DIR).mkdir()
        for folder in (self.path, self.path / LANDMARKS_DIR):
            os.chmod(folder, dir_mode)  # identifiable data: no one else may read it
        self.part_interval_s = float(part_interval_s)
        self.max_frames_per_part = int(max_frames_per_part)
        self._clock = clock
        self._lock = threading.RLock()
        self._frames: list[TrackedFrame] = []  # buffered until the next part
        self._n_buffered = 0
        self._n_parts = 0
        self._last_flush = clock()
        self._last_timestamp_s = float("nan")
        self._timeline: list[tuple[Any, ...]] = []
        self._timeline_written = 0
        self.closed = False
        people = participants or {}
        consent = consent or {}
        self.metadata: dict[str, Any] = {
            "schema": SESSION_SCHEMA,
            "software": {"name": "synchrony", "version": __version__},
            "source": dict(source),
            "fps": fps,
            "start_time": now_iso(),
            "end_time": None,
            "duration_s": None,
            "parameters": dict(parameters or {}) | {
                "part_interval_s": self.part_interval_s,
                "regions_norm": {p: r.as_list() for p, r in zip(PERSONS, regions, strict=True)},
            },
            "calibration": dict(calibration) if calibration is not None else None,
            "participants": {p: {"position": pos, "code": people.get(p, {}).get("code"),
                                 "role": people.get(p, {}).get("role")}
                             for p, pos in zip(PERSONS, ("left", "right"), strict=True)},
            "consent_confirmed": bool(consent.get("confirmed", False)),
            "consent_confirmed_by": consent.get("by"),
            "consent_confirmed_at": consent.get("at"),
            "video_saved": bool(video_saved),
            "video_file": VIDEO_FILE if video_saved else None,
            "frames_captured": 0,
            "frames_recorded": 0,
            "frames_dropped_by_tracker": 0,
            "landmark_parts": 0,
            "ended": "recording",
            "markers": [],
            "sign_convention": SIGN_CONVENTION,
        }
        self._save_metadata()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: object) -> None:
        if self.closed:
            return
        if exc is None or isinstance(exc, KeyboardInterrupt):
            self.close(ended="clean" if exc is None else "interrupted")
        else:
            self.close(ended="disk full" if isinstance(exc, DiskFullError)
                       else f"error: {type(exc).__name__}")

    # -- writing
    def write(self, frame: TrackedFrame) -> None:
        """Add one tracked frame; closes a part file when one is due.

        Raises
        ------
        DiskFullError
            The disk is full: the session is closed (``ended: "disk full"``).
        """
        with self._lock:
            if self.closed:
                raise RuntimeError("session writer is closed")
            self._frames.append(frame)
            self._n_buffered += 1
            self._last_timestamp_s = frame.timestamp_s
            self.metadata["frames_recorded"] += 1
        self.flush_if_due()

    def write_timeline(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Add rows of the live synchrony timeline (``TIMELINE_SCHEMA`` columns as keys).

        They reach ``live_timeline.parquet`` with the next landmark part and at ``close``
        (the file is rewritten whole and atomically, so a crash keeps the rows written up to
        the last part).
        """
        with self._lock:
            self._timeline += [tuple(row[name] for name in TIMELINE_SCHEMA.names)
                               for row in rows]

    def flush_if_due(self) -> None:
        """Write the buffered rows as a part if ``part_interval_s`` has passed or it is full."""
        with self._lock:
            due = self._clock() - self._last_flush >= self.part_interval_s
            if self._n_buffered and (due or self._n_buffered >= self.max_frames_per_part):
                self._flush()

    def update(self, **fields: Any) -> None:
        """Set metadata fields (counters such as ``frames_dropped_by_tracker``) in memory.

        They reach ``session.json`` with the next part or at ``close``.
        """
        with self._lock:
            self.metadata.update(fields)

    def add_marker(self, time_s: float, label: str, **extra: Any) -> None:
        """Add a marker at ``time_s`` (seconds on the session clock) and save it at once.

        ``extra``: more fields (``lsl_time_s``, ``source``). Also works after ``close``.
        """
        with self._lock:
            self.metadata["markers"].append({"time_s": float(time_s), "label": str(label),
                                             **extra})
            self._save_metadata()

    def close(self, ended: str = "clean") -> None:
        """Write the last rows and the final ``session.json``; safe to call twice.

        Raises
        ------
        DiskFullError
            The last part could not be written (the metadata still says ``"disk full"``).
        """
        with self._lock:
            if self.closed:
                return
            if self._n_buffered:
                self._flush()  # DiskFullError: already closed and marked "disk full"
            self._flush_timeline()
            self.closed = True
            self.metadata["ended"] = ended
            self.metadata["end_time"] = now_iso()
            if np.isfinite(self._last_timestamp_s):
                self.metadata["duration_s"] = self._last_timestamp_s
            self._save_metadata()

    def _flush(self) -> None:
        table = part_table(self._frames)
        part = self.path / LANDMARKS_DIR / f"part-{self._n_parts:06d}.parquet"
        try:
            write_parquet_atomic(table, part, mode=self.file_mode)
            self._flush_timeline()
            self._n_parts += 1
            self._frames, self._n_buffered = [], 0
            self._last_flush = self._clock()
            self.metadata["landmark_parts"] = self._n_parts
            self._save_metadata()
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            self._on_disk_full()

    def _flush_timeline(self) -> None:
        """Rewrite ``live_timeline.parquet`` if rows came since the last write."""
        if len(self._timeline) > self._timeline_written:
            write_parquet_atomic(timeline_table(self._timeline), self.path / LIVE_TIMELINE_FILE,
                                 mode=self.file_mode)
            self._timeline_written = len(self._timeline)

    def _on_disk_full(self) -> None:
        """Drop the unwritten rows, mark the session "disk full", raise DiskFullError."""
        lost = self._n_buffered
        self.metadata["frames_recorded"] -= lost
        self.metadata["ended"] = "disk full"
        self.metadata["end_time"] = now_iso()
        self.closed = True
        self._frames, self._n_buffered = [], 0
        try:  # the failed temporary file was deleted, so a few kB are usually free again
            self._save_metadata()
        except OSError as exc:
            log.warning("could not mark %s as 'disk full': %s", self.path, exc)
        raise DiskFullError(
            errno.ENOSPC, f"disk full: recording stopped; {self.path} keeps the "
            f"{self.metadata['frames_recorded']} frames written before ({lost} lost)")

    def _save_metadata(self) -> None:
        write_json_atomic(self.path / SESSION_FILE, self.metadata, mode=self.file_mode)


def _create_empty_dir(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise InputError(f"--out {path} exists and is not a directory")
    if path.is_dir() and any(path.iterdir()):
        raise InputError(f"--out {path} is not empty; a recording is never overwritten, "
                         "choose a new directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create session directory {path}: {exc.strerror}") from exc


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Session:
    """A session read back from disk (see :func:`open_session`).

    Attributes
    ----------
    path : the session directory.
    metadata : ``session.json`` as a dict.
    parts : landmark part files that are complete Parquet files, in order.
    problems : one line per skipped part (damaged or half-written).
    """

    path: Path
    metadata: dict[str, Any]
    parts: tuple[Path, ...]
    problems: tuple[str, ...] = ()

    @property
    def fps(self) -> float | None:
        """Nominal frame rate in Hz (None if the source gave none)."""
        fps = self.metadata.get("fps")
        return float(fps) if fps else None

    @property
    def ended(self) -> str:
        """How the recording ended (``"recording"``: it was never closed)."""
        return str(self.metadata.get("ended"))

    @property
    def markers(self) -> list[dict[str, Any]]:
        """``[{"time_s": …, "label": …}, …]`` in time order."""
        return sorted(self.metadata.get("markers") or [], key=lambda m: m["time_s"])

    @property
    def regions(self) -> tuple[Region, Region]:
        """The (A, B) tracking regions of the recording."""
        stored = (self.metadata.get("parameters") or {}).get("regions_norm") or {}
        if not all(p in stored for p in PERSONS):
            return HALVES
        return Region(*stored["A"]), Region(*stored["B"])

    @property
    def roles(self) -> dict[str, str | None]:
        """Person -> role from the participants block (None when not given)."""
        people = self.metadata.get("participants") or {}
        return {p: (people.get(p) or {}).get("role") for p in PERSONS}

    @property
    def video_path(self) -> Path | None:
        """The saved raw video, or None when no video was saved (or it is missing)."""
        name = self.metadata.get("video_file")
        path = self.path / name if self.metadata.get("video_saved") and name else None
        return path if path is not None and path.is_file() else None

    def episodes(self) -> EpisodeReport | None:
        """Episodes and per-window timelines (``episodes.json``, written by ``analyze``).

        None until ``synchrony analyze SESSION_DIR`` has run.
        """
        from synchrony.io.episode_files import read_episode_report

        path = self.path / "episodes.json"
        return read_episode_report(path) if path.is_file() else None

    def live_timeline(self) -> pa.Table | None:
        """Return what the live view showed while recording (``live_timeline.parquet``)."""
        path = self.path / LIVE_TIMELINE_FILE
        return pq.read_table(path) if path.is_file() else None

    def landmarks_table(self) -> pa.Table:
        """All readable landmark rows (PART_SCHEMA), sorted by frame and person."""
        tables = []
        for part in self.parts:
            try:
                tables.append(pq.read_table(part, schema=PART_SCHEMA))
            except (pa.ArrowException, OSError) as exc:
                log.warning("skipped damaged landmark part %s: %s", part.name, exc)
        if not tables:
            raise InputError(f"no readable landmark data in {self.path}")
        table = pa.concat_tables(tables)
        return table.sort_by([("frame_index", "ascending"), ("person", "ascending")])

    def frames(self) -> list[TrackedFrame]:
        """Rebuild the tracked frames from the landmark rows (input of ``analyze_run``)."""
        from synchrony.io.landmarks import frames_from_table

        table = self.landmarks_table()
        frames = frames_from_table(table, self.regions)
        events = _frame_events(table)
        return [replace(f, frame_event=events[f.index]) if f.index in events else f
                for f in frames]


def _frame_events(table: pa.Table) -> dict[int, str]:
    """``{frame_index: event}`` of the frames stored with a whole-frame event."""
    flagged = table.filter(pc.is_valid(table.column("frame_event")))
    return dict(zip(flagged.column("frame_index").to_pylist(),
                    flagged.column("frame_event").to_pylist(), strict=True))


def _wrong_columns(schema: pa.Schema) -> list[str]:
    """Landmark columns (:func:`landmarks_schema`) a part lacks or holds with another type."""
    return [f.name for f in landmarks_schema()
            if schema.get_field_index(f.name) < 0 or schema.field(f.name).type != f.type]


def open_session(path: str | Path) -> Session:
    """Open a session directory for reading.

    Parameters
    ----------
    path : the session directory.

    Returns
    -------
    Session
        Damaged or half-written part files are left out, each with a ``UserWarning``
        and a line in ``problems``.

    Raises
    ------
    InputError
        Not a directory, no or a damaged ``session.json``, a schema from another
        version, or no landmark parts.
    """
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"no such session directory: {path}")
    meta_path = path / SESSION_FILE
    if not meta_path.is_file():
        what = "an empty directory" if not any(path.iterdir()) else "no session.json in it"
        raise InputError(f"{path} is not a synchrony session: {what}")
    try:
        metadata = json.loads(meta_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{meta_path} is damaged (truncated or not JSON): {exc}") from exc
    schema = metadata.get("schema") if isinstance(metadata, dict) else None
    if schema != SESSION_SCHEMA:
        if isinstance(schema, str) and schema.startswith("synchrony.session/"):
            raise InputError(f"{path} was written in format {schema}, which this synchrony "
                             f"({__version__}) cannot read; it reads {SESSION_SCHEMA}")
        raise InputError(f"{meta_path} is not a synchrony session file (schema {schema!r})")
    all_parts = sorted((path / LANDMARKS_DIR).glob(PART_GLOB))
    if not all_parts:
        raise InputError(f"no landmark data in {path} ({LANDMARKS_DIR}/{PART_GLOB} missing)")
    parts, problems = [], []
    for part in all_parts:
        try:
            wrong = _wrong_columns(pq.read_schema(part))
        except (pa.ArrowException, OSError) as exc:
            problems.append(f"skipped damaged landmark part {part.name} ({exc})")
            continue
        if wrong:
            problems.append(f"skipped landmark part {part.name}: wrong columns ({len(wrong)} "
                            f"landmark columns missing or of another type, e.g. {wrong[0]})")
        else:
            parts.append(part)
    for problem in problems:
        log.warning("%s", problem)
    if not parts:
        raise InputError(f"no readable landmark data in {path}: every part file is damaged")
    return Session(path, metadata, tuple(parts), tuple(problems))


def open_session_reporting(path: Path) -> Session:
    """:func:`open_session`, also warning when the session was never closed.

    (Each damaged part is logged as a warning by :func:`open_session` itself.)
    """
    session = open_session(path)
    if session.ended == "recording":
        log.warning("%s was never closed (the recorder was killed); it holds what was "
                    "written until then", path)
    return session
