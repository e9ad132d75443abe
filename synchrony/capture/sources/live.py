"""Cameras through OpenCV: arrival-time stamps, failure counting, reopen.

Network streams are decoded with PyAV instead (:mod:`synchrony.capture.sources.streams`).
"""


from __future__ import annotations

import time

import cv2
import numpy as np

from synchrony.capture.sources.base import (
    _MAX_PLAUSIBLE_FPS,
    Clock,
    _LiveSource,
    quiet_opencv,
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


class _OpenCVSource(_LiveSource):
    """An OpenCV ``VideoCapture`` whose frames are timed on arrival (cameras)."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self._cap: cv2.VideoCapture | None = None
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
        quiet_opencv()  # a missing camera is our one-line message, not OpenCV's probing
        cap = cv2.VideoCapture(self.index)
        if not cap.isOpened():
            cap.release()
            raise InputError(f"camera {self.index} could not be opened")
        for prop, value in self._requested.items():
            if value is not None:
                cap.set(prop, float(value))
        return cap
