"""Replay of a recorded session, without Qt: the model behind ``synchrony replay``.

The player moves over *positions* ``0 … n_frames - 1``: the frames of the saved video when
the session has one, else the recorded (tracked) frames. ``times_s[k]`` is position k's time
in seconds on the session clock (first frame = 0), so time and position convert both ways.

What the window shows comes from here, ready to draw:

- :meth:`ReplayModel.image` -- the frame at a position with both people's skeletons, face
  points and region boxes drawn by :func:`synchrony.render.frames.draw_person` (a neutral grey
  background when no video was saved);
- :meth:`ReplayModel.timeline` / :meth:`ReplayModel.episodes` -- per-window peak r, lag and
  chance threshold of a signal, from ``episodes.json`` (written by ``synchrony analyze``) or
  computed from the landmarks (:func:`synchrony.session.export_video.session_report`),
  once per signal;
- markers, saved into ``session.json`` at once (:func:`save_markers`).

Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
from av.container import InputContainer
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from synchrony.analysis.episodes import Episode, EpisodeReport, SignalTimeline
from synchrony.analysis.timeline import STATE_WORDS
from synchrony.capture.sources import upright_rgb
from synchrony.engine.lead import describe_leader
from synchrony.errors import InputError
from synchrony.records import PERSONS, TrackedFrame
from synchrony.render.frames import BACKGROUND_RGB, draw_person
from synchrony.render.style import PERSON_RGB
from synchrony.session.export_video import session_report
from synchrony.session.markers import save_markers
from synchrony.session.store import Session
from synchrony.signals.registry import get_signal

log = logging.getLogger(__name__)

#: Frames decoded forward (instead of seeking) when the wanted one is this close ahead.
FORWARD_DECODE_LIMIT = 48


class VideoFrames:
    """Frames of a video file by position, decoded on demand with PyAV.

    Playing forward continues the open decoder; any other jump seeks to the key frame
    before the wanted time and decodes from there. Decoded images go into a small LRU cache.

    Parameters
    ----------
    path : the video file.
    cache_size : decoded frames kept.

    Raises
    ------
    InputError
        The file cannot be opened or holds no video packets.
    """

    def __init__(self, path: Path, cache_size: int = 32) -> None:
        self.path = Path(path)
        self.cache_size = cache_size
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        try:
            self._container: InputContainer = av.open(str(self.path))
            self._stream: VideoStream = self._container.streams.video[0]
            pts = sorted(p.pts for p in self._container.demux(self._stream)
                         if p.pts is not None)
        except (av.FFmpegError, IndexError) as exc:
            raise InputError(f"cannot read the session video {self.path}: {exc}") from exc
        if not pts:
            raise InputError(f"no video frames in {self.path}")
        self._time_base = float(self._stream.time_base or 1.0)
        self._origin_s = pts[0] * self._time_base
        #: (n_frames,) presentation time of each frame in seconds (first frame = 0).
        self.times_s = np.asarray(pts, dtype=float) * self._time_base - self._origin_s
        self._stream.thread_type = "AUTO"
        self._decoder: Iterator[VideoFrame] | None = None
        self._next = -1  # position the open decoder delivers next (-1: none open)

    def __len__(self) -> int:
        return len(self.times_s)

    def close(self) -> None:
        """Close the file."""
        self._decoder = None
        self._container.close()

    def get(self, k: int) -> np.ndarray | None:
        """Return the (H, W, 3) uint8 RGB image at position ``k`` (None: it cannot be decoded)."""
        if k in self._cache:
            self._cache.move_to_end(k)
            return self._cache[k]
        if not (self._decoder is not None and 0 <= k - self._next <= FORWARD_DECODE_LIMIT):
            self._seek(k)
        image = self._decode_until(k)
        if image is not None:
            self._cache[k] = image
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return image

    def _seek(self, k: int) -> None:
        target = round((self.times_s[k] + self._origin_s) / self._time_base)
        try:
            self._container.seek(target, stream=self._stream, backward=True, any_frame=False)
        except av.FFmpegError:
            self._container.seek(0, stream=self._stream)
        self._decoder = self._container.decode(self._stream)
        self._next = 0  # unknown until the first frame tells its time

    def _decode_until(self, k: int) -> np.ndarray | None:
        assert self._decoder is not None
        try:
            for frame in self._decoder:
                position = self._position_of(frame)
                self._next = position + 1
                if position >= k:
                    return upright_rgb(frame)
        except av.FFmpegError as exc:  # a damaged tail: show the last good frame
            log.debug("decoding %s stopped at position %d: %s", self.path, self._next, exc)
        self._decoder, self._next = None, -1
        return None

    def _position_of(self, frame: VideoFrame) -> int:
        if frame.time is None:
            return self._next
        t = float(frame.time) - self._origin_s
        return int(np.clip(np.searchsorted(self.times_s, t - 1e-4), 0, len(self) - 1))


class ReplayModel:
    """One session opened for replay (see the module docstring).

    Parameters
    ----------
    session : the opened session (:func:`synchrony.session.open_session`).

    Raises
    ------
    InputError
        No readable landmark data, or the saved video cannot be read.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.frames: list[TrackedFrame] = session.frames()
        if not self.frames:
            raise InputError(f"no recorded frames in {session.path}")
        self._frame_index = np.array([f.index for f in self.frames])
        video = session.video_path
        self.video = VideoFrames(video) if video is not None else None
        self.times_s: np.ndarray = (self.video.times_s if self.video is not None else
                                    np.array([f.timestamp_s for f in self.frames]))
        self.size_px = self.frames[0].size_px
        if self.video is not None:
            image = self.video.get(0)
            if image is not None:
                self.size_px = (image.shape[1], image.shape[0])
        self.markers: list[dict[str, Any]] = session.markers
        roles = session.roles
        self.labels = tuple(f"{p}: {roles[p]}" if roles[p] else p for p in PERSONS)
        self._reports: dict[str, tuple[EpisodeReport | None, str]] = {}

    # ---------------------------------------------------------------- time
    @property
    def n_frames(self) -> int:
        """Number of positions."""
        return len(self.times_s)

    @property
    def fps(self) -> float:
        """Playback rate in Hz: the session's nominal rate, else the median frame rate."""
        if self.session.fps:
            return self.session.fps
        steps = np.diff(self.times_s)
        return float(1.0 / np.median(steps)) if steps.size and np.median(steps) > 0 else 25.0

    @property
    def duration_s(self) -> float:
        """Time of the last position in seconds."""
        return float(self.times_s[-1])

    def time_at(self, k: int) -> float:
        """Time in seconds of position ``k`` (clamped to the session)."""
        return float(self.times_s[self.clamp(k)])

    def index_at(self, time_s: float) -> int:
        """Return the position whose time is nearest ``time_s`` (clamped to the session)."""
        k = int(np.searchsorted(self.times_s, time_s))
        if k >= self.n_frames:
            return self.n_frames - 1
        if k > 0 and time_s - self.times_s[k - 1] <= self.times_s[k] - time_s:
            return k - 1
        return k

    def clamp(self, k: int) -> int:
        """``k`` limited to ``0 … n_frames - 1``."""
        return min(max(int(k), 0), self.n_frames - 1)

    # ---------------------------------------------------------------- pictures
    def tracked_at(self, k: int) -> TrackedFrame | None:
        """Return the tracked frame shown at position ``k``: the last one at or before it."""
        if self.video is None:
            return self.frames[self.clamp(k)]
        i = int(np.searchsorted(self._frame_index, k, side="right")) - 1
        return self.frames[i] if i >= 0 else None

    def image(self, k: int) -> np.ndarray:
        """Return the (H, W, 3) uint8 RGB picture at position ``k`` with both people drawn."""
        k = self.clamp(k)
        picture = self.video.get(k) if self.video is not None else None
        width, height = self.size_px
        if picture is None:
            out = np.empty((height, width, 3), np.uint8)
            out[:] = BACKGROUND_RGB
        else:
            out = picture.copy()
        tracked = self.tracked_at(k)
        if tracked is not None:
            for i, person in enumerate(PERSONS):
                draw_person(out, tracked.people[i], tracked.regions[i], PERSON_RGB[person],
                            self.labels[i], width / 640)
        return out

    # ---------------------------------------------------------------- synchrony
    def _report(self, signal: str) -> tuple[EpisodeReport | None, str]:
        get_signal(signal)  # ValueError naming the registered signals
        if signal not in self._reports:
            try:
                self._reports[signal] = session_report(self.session, self.frames, signal)
            except InputError as exc:
                self._reports[signal] = (None, str(exc))
        return self._reports[signal]

    def timeline(self, signal: str) -> SignalTimeline | None:
        """Per-window synchrony of ``signal`` (None: the session is too short)."""
        report, _ = self._report(signal)
        return report.timelines.get(signal) if report is not None else None

    def note(self, signal: str) -> str:
        """Why :meth:`timeline` is None ("" when it is not)."""
        return self._report(signal)[1]

    def episodes(self, signal: str) -> list[Episode]:
        """Episodes of ``signal`` in time order."""
        report, _ = self._report(signal)
        found = [e for e in report.episodes if e.signal == signal] if report else []
        return sorted(found, key=lambda e: e.start_s)

    def describe(self, signal: str, time_s: float) -> str:
        """Describe the synchrony at ``time_s``: strength, chance level, state, lag, leader."""
        tl = self.timeline(signal)
        if tl is None:
            return f"{signal}: {self.note(signal) or 'no synchrony computed'}"
        k = tl.window_at(time_s)
        if k is None or not math.isfinite(tl.strength[k]):
            return f"{signal}: no window at this time"
        strength, chance, lag = (float(v[k]) for v in (tl.strength, tl.chance_level, tl.lag_s))
        text = f"{signal}: strength {strength:.2f} z"
        if math.isfinite(chance):
            text += f" (chance {chance:.2f}: {STATE_WORDS[str(tl.state[k])]})"
        if not math.isfinite(lag):
            return text + " · no clear peak"
        return text + f" · lag {lag:+.2f} s: {describe_leader(lag, str(tl.state[k]))}"

    # ---------------------------------------------------------------- markers
    def add_marker(self, time_s: float, label: str | None = None) -> dict[str, Any]:
        """Add a marker at ``time_s`` and save it into ``session.json`` at once.

        Raises
        ------
        OSError
            ``session.json`` could not be written (the marker is not kept).
        """
        marker = {"time_s": float(time_s), "label": label or f"marker {len(self.markers) + 1}"}
        markers = sorted([*self.markers, marker], key=lambda m: float(m["time_s"]))
        save_markers(self.session.path, markers)
        self.markers = markers
        return marker

    def close(self) -> None:
        """Close the video file."""
        if self.video is not None:
            self.video.close()
