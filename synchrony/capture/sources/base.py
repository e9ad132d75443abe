"""The frame-source interface, the video info record and shared timestamp helpers."""


from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Self, runtime_checkable

from synchrony.records import Frame

log = logging.getLogger(__name__)

Clock = Callable[[], float]
"""A monotonic clock returning seconds (``time.perf_counter`` by default)."""

TIMESTAMP_NUDGE_S = 1e-6
"""How far a non-increasing timestamp is moved past the previous one, in seconds."""

MAX_STREAM_CLOCK_LEAD_S = 1.0
"""A stream's clock may step this much (s) more than the arrival clock before it is dropped."""

_FALLBACK_STEP_S = 1.0 / 30.0
_MAX_PLAUSIBLE_FPS = 1000.0


@runtime_checkable
class FrameSource(Protocol):
    """Anything that delivers :class:`Frame` records one at a time.

    ``read()`` returns the next frame, or ``None``: the end of a file, or a missed frame of a
    live source (``is_live``). Sources are context managers that ``close()`` on exit.
    """

    @property
    def fps_hint(self) -> float | None:
        """Nominal frame rate in Hz (frames per second), ``None`` if unknown."""

    @property
    def size_px(self) -> tuple[int, int] | None:
        """Frame (width, height) in pixels, ``None`` if unknown."""

    @property
    def n_frames_hint(self) -> int | None:
        """Number of frames announced by the source, ``None`` if unknown or live."""

    @property
    def description(self) -> str:
        """Short human-readable name, e.g. ``"file clip.mp4"`` or ``"camera 0"``."""

    @property
    def is_live(self) -> bool:
        """True for cameras and streams: frames arrive in real time and may be missed."""

    def read(self) -> Frame | None:
        """Return the next frame, or ``None`` (end of file, or a missed live frame)."""

    def close(self) -> None:
        """Release the file, device or connection; safe to call twice."""

    def __enter__(self) -> Self:
        """Return the source itself."""

    def __exit__(self, *exc_info: object) -> None:
        """Close the source."""


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What a video file's container says about its video stream.

    Attributes
    ----------
    path : the file.
    n_frames : number of video frames: the container's index (mp4/mov) when it has one,
        otherwise packets counted by reading the file.
    fps : average frame rate in Hz, ``None`` if the container gives no timing at all.
    duration_s : duration of the video stream in seconds, ``None`` if unknown.
    width, height : coded frame size in pixels (before any display rotation).
    codec : FFmpeg decoder name, e.g. ``"h264"`` or ``"hevc"``.
    """

    path: Path
    n_frames: int
    fps: float | None
    duration_s: float | None
    width: int
    height: int
    codec: str


class _Timeline:
    """Turn times on any clock into strictly increasing seconds from the first frame.

    A time that does not increase is placed ``TIMESTAMP_NUDGE_S`` after the previous one; a
    missing time (``None``, NaN) one frame step after it. Both are counted in ``n_fixups``.
    ``continue_after`` starts a new pass of the same clock (a looped file restarting at pts 0)
    whose first frame follows the last one.
    """

    def __init__(self, step_s: float) -> None:
        self.n_fixups = 0
        self._step_s = step_s
        self._origin_s: float | None = None
        self._last_s: float | None = None

    def stamp(self, clock_s: float | None) -> float:
        """Return the timestamp in seconds for a frame seen at ``clock_s`` (None = unknown)."""
        last = self._last_s
        expected_s = 0.0 if last is None else last + self._step_s
        if clock_s is None or not math.isfinite(clock_s):
            t = expected_s
            self.n_fixups += 1
        else:
            if self._origin_s is None:
                self._origin_s = clock_s - expected_s
            t = clock_s - self._origin_s
            if last is not None and t <= last:
                t = last + TIMESTAMP_NUDGE_S
                self.n_fixups += 1
            elif last is not None:
                self._step_s = t - last
        self._last_s = t
        return t

    def continue_after(self, gap_s: float | None) -> None:
        """Start a new pass: its first frame comes ``gap_s`` (or one frame step) after the last."""
        self._origin_s = None
        if gap_s is not None and gap_s > 0:
            self._step_s = gap_s


class _ClosingContext:
    """``with source: ...`` closes the source on exit."""

    def close(self) -> None:
        """Release resources (overridden)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        """Return the source itself."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the source."""
        self.close()


class _LiveSource(_ClosingContext):
    """What a camera and a network stream share: arrival timing, announced rate and size."""

    def __init__(self, clock: Clock) -> None:
        self.n_consecutive_failures = 0
        self._clock = clock
        self._timeline = _Timeline(step_s=_FALLBACK_STEP_S)
        self._n_delivered = 0
        self._fps_hint: float | None = None
        self._size_px: tuple[int, int] | None = None

    @property
    def fps_hint(self) -> float | None:
        """Rate in Hz the device or stream announces, ``None`` if it announces none."""
        return self._fps_hint

    @property
    def size_px(self) -> tuple[int, int] | None:
        """(width, height) in pixels of the latest frame (or as announced before the first)."""
        return self._size_px

    @property
    def n_frames_hint(self) -> None:
        """Always ``None``: a live source has no length."""
        return None

    @property
    def is_live(self) -> bool:
        """Always True."""
        return True

    @property
    def n_timestamp_fixups(self) -> int:
        """Frames whose time did not increase and were moved forward 1 µs."""
        return self._timeline.n_fixups




def quiet_opencv() -> None:
    """Silence OpenCV's own log lines (camera probing, decoder warnings) on stderr.

    The product reports failures itself, in one line; with debug logging on (``-v``,
    ``--debug``) OpenCV's warnings stay visible for diagnosis.
    """
    import cv2

    level = (cv2.utils.logging.LOG_LEVEL_WARNING if logging.getLogger("synchrony")
             .isEnabledFor(logging.DEBUG) else cv2.utils.logging.LOG_LEVEL_SILENT)
    cv2.utils.logging.setLogLevel(level)
