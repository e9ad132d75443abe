"""Cameras and network streams through OpenCV: arrival-time stamps, failure counting, reopen."""


from __future__ import annotations

import math
import re
import time

import cv2
import numpy as np

from synchrony.capture.sources.base import (
    _FALLBACK_STEP_S,
    _MAX_PLAUSIBLE_FPS,
    MAX_STREAM_CLOCK_LEAD_S,
    Clock,
    _ClosingContext,
    _Timeline,
    log,
)
from synchrony.errors import InputError
from synchrony.records import Frame

# --------------------------------------------------------------------------- live sources


def _bgr_to_rgb(image: np.ndarray) -> np.ndarray:
    """OpenCV BGR (or gray, BGRA) image → C-contiguous RGB uint8."""
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _redact_url(url: str) -> str:
    """Return the URL with any password replaced by ``***`` (for messages and descriptions)."""
    return re.sub(r"^([^:/]+://[^:/@]*:)[^@/]*@", r"\1***@", url)


class _OpenCVSource(_ClosingContext):
    """Shared part of the live sources: an OpenCV ``VideoCapture``, frames timed on arrival."""

    def __init__(self, clock: Clock) -> None:
        self.n_consecutive_failures = 0
        self._clock = clock
        self._timeline = _Timeline(step_s=_FALLBACK_STEP_S)
        self._n_delivered = 0
        self._cap: cv2.VideoCapture | None = None
        self._fps_hint: float | None = None
        self._size_px: tuple[int, int] | None = None
        self.reopen()

    def _open_capture(self) -> cv2.VideoCapture:
        """Open the device or URL; raise InputError when it cannot be opened."""
        raise NotImplementedError

    def _timestamp_s(self) -> float:
        """Timestamp of the frame just grabbed: its arrival time."""
        return self._timeline.stamp(self._clock())

    @property
    def description(self) -> str:
        """Short name of the device or stream (overridden)."""
        raise NotImplementedError

    @property
    def fps_hint(self) -> float | None:
        """Rate in Hz the device or stream reports, ``None`` if it reports none."""
        return self._fps_hint

    @property
    def size_px(self) -> tuple[int, int] | None:
        """(width, height) in pixels of the latest frame (or as reported before the first)."""
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
        """Frames whose arrival time did not increase and were moved forward 1 µs."""
        return self._timeline.n_fixups

    def reopen(self) -> None:
        """Release the device or connection and open it again.

        Timestamps and frame indices continue where they were.

        Raises
        ------
        InputError
            The device or stream cannot be opened (the source then stays closed).
        """
        self.close()
        cap = self._open_capture()
        self._cap = cap
        self.n_consecutive_failures = 0
        fps = cap.get(cv2.CAP_PROP_FPS)
        self._fps_hint = float(fps) if 0 < fps <= _MAX_PLAUSIBLE_FPS else None
        width, height = cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)
        if width > 0 and height > 0:
            self._size_px = (int(width), int(height))

    def read(self) -> Frame | None:
        """Grab the next frame; ``None`` (and a counted failure) if none came in time."""
        ok, bgr = self._cap.read() if self._cap is not None else (False, None)
        if not ok or bgr is None:
            self.n_consecutive_failures += 1
            return None
        timestamp_s = self._timestamp_s()
        self.n_consecutive_failures = 0
        frame = Frame(_bgr_to_rgb(bgr), timestamp_s, self._n_delivered)
        self._n_delivered += 1
        self._size_px = frame.size_px
        return frame

    def close(self) -> None:
        """Release the device or connection; ``reopen()`` can open it again."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class CameraSource(_OpenCVSource):
    """Frames from a local camera via OpenCV, timed on arrival (``time.perf_counter``).

    ``read()`` returns ``None`` when a grab fails and counts ``n_consecutive_failures``, so a
    caller can report "camera unplugged", keep trying, or call ``reopen()``.

    Parameters
    ----------
    index
        OpenCV camera index (0 = first camera).
    width, height
        Requested frame size in pixels; the camera may choose another.
    fps
        Requested frame rate in Hz; the camera may choose another.
    clock
        Monotonic clock in seconds for ``timestamp_s``.

    Raises
    ------
    InputError
        ``camera N could not be opened``.
    """

    def __init__(
        self,
        index: int,
        *,
        width: int | None = None,
        height: int | None = None,
        fps: float | None = None,
        clock: Clock = time.perf_counter,
    ) -> None:
        if index < 0:
            raise InputError(f"camera index must be >= 0, got {index}")
        self.index = index
        self._requested = {
            cv2.CAP_PROP_FRAME_WIDTH: width,
            cv2.CAP_PROP_FRAME_HEIGHT: height,
            cv2.CAP_PROP_FPS: fps,
        }
        super().__init__(clock)

    @property
    def description(self) -> str:
        """``"camera N"``."""
        return f"camera {self.index}"

    def _open_capture(self) -> cv2.VideoCapture:
        cap = cv2.VideoCapture(self.index)
        if not cap.isOpened():
            cap.release()
            raise InputError(f"camera {self.index} could not be opened")
        for prop, value in self._requested.items():
            if value is not None:
                cap.set(prop, float(value))
        return cap


def _timeout_params(open_timeout_s: float, read_timeout_s: float) -> list[int]:
    """OpenCV capture parameters for the timeouts this OpenCV build supports."""
    params: list[int] = []
    for name, seconds in (
        ("CAP_PROP_OPEN_TIMEOUT_MSEC", open_timeout_s),
        ("CAP_PROP_READ_TIMEOUT_MSEC", read_timeout_s),
    ):
        prop = getattr(cv2, name, None)
        if prop is not None:
            params += [int(prop), max(1, round(seconds * 1000))]
    return params


class StreamSource(_OpenCVSource):
    """Frames from a network stream (udp, tcp, rtsp, http…) via OpenCV's FFmpeg backend.

    Timing: the stream's own clock (its pts, as OpenCV's ``CAP_PROP_POS_MSEC``) while it
    increases and does not run ahead of the arrival clock by more than
    ``MAX_STREAM_CLOCK_LEAD_S``; at the first frame where it does not, the source switches to
    arrival time (``time.perf_counter``, like a camera) until ``reopen()``, continuing from the
    last timestamp. ``uses_stream_clock`` tells which clock is in use.

    Parameters
    ----------
    url
        Stream URL, ``scheme://…``. A password in it is never shown (``description``, errors).
    open_timeout_s
        Give up opening after this many seconds.
    read_timeout_s
        A ``read()`` waits at most this long for data, then returns ``None``.
    clock
        Monotonic clock in seconds for ``timestamp_s``.

    Raises
    ------
    InputError
        Not a URL, or the stream cannot be opened in time (refused, unreachable, no video).
    """

    def __init__(
        self,
        url: str,
        *,
        open_timeout_s: float = 5.0,
        read_timeout_s: float = 5.0,
        clock: Clock = time.perf_counter,
    ) -> None:
        if "://" not in url:
            raise InputError(f"not a stream URL (expected scheme://...): {url}")
        self.url = url
        self.open_timeout_s = open_timeout_s
        self.read_timeout_s = read_timeout_s
        self.uses_stream_clock = True
        self._last_position_s: float | None = None
        self._last_arrival_s: float | None = None
        super().__init__(clock)

    @property
    def description(self) -> str:
        """``"stream URL"`` with any password hidden."""
        return f"stream {_redact_url(self.url)}"

    def _open_capture(self) -> cv2.VideoCapture:
        params = _timeout_params(self.open_timeout_s, self.read_timeout_s)
        cap = cv2.VideoCapture(self.url, cv2.CAP_FFMPEG, params)
        if not cap.isOpened():
            cap.release()
            raise InputError(
                f"stream {_redact_url(self.url)} could not be opened "
                f"(refused, unreachable, or no video within {self.open_timeout_s:g} s)"
            )
        self._restart_clocks()
        return cap

    def _restart_clocks(self) -> None:
        """After (re)opening: try the stream clock again; its first frame follows the last."""
        if self._last_arrival_s is not None:
            self._timeline.continue_after(self._clock() - self._last_arrival_s)
        self.uses_stream_clock = True
        self._last_position_s = None

    def _timestamp_s(self) -> float:
        arrival_s = self._clock()
        position_s = self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000 if self._cap is not None else None
        if self.uses_stream_clock and not self._position_usable(position_s, arrival_s):
            self.uses_stream_clock = False
            gap_s = arrival_s - self._last_arrival_s if self._last_arrival_s is not None else None
            self._timeline.continue_after(gap_s)
            log.info("%s: stream clock unusable, timing frames on arrival", self.description)
        self._last_arrival_s, self._last_position_s = arrival_s, position_s
        return self._timeline.stamp(position_s if self.uses_stream_clock else arrival_s)

    def _position_usable(self, position_s: float | None, arrival_s: float) -> bool:
        """Tell whether the stream position increases without running ahead of the arrival clock."""
        if position_s is None or not math.isfinite(position_s) or position_s < 0:
            return False
        last_position, last_arrival = self._last_position_s, self._last_arrival_s
        if last_position is None or last_arrival is None:
            return True
        step_s = position_s - last_position
        return 0 < step_s <= (arrival_s - last_arrival) + MAX_STREAM_CLOCK_LEAD_S


