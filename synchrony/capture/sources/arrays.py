"""In-memory frames for tests: :class:`ArraySource`."""


from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from synchrony.capture.sources.base import _ClosingContext
from synchrony.records import Frame

# --------------------------------------------------------------------------- tests, dispatch


def _check_image(image: np.ndarray, k: int) -> np.ndarray:
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(
            f"frames[{k}] must be an (H, W, 3) uint8 RGB image, "
            f"got shape {image.shape} dtype {image.dtype}"
        )
    return np.ascontiguousarray(image)


def _check_timestamps(timestamps_s: Sequence[float] | np.ndarray, n_frames: int) -> np.ndarray:
    times = np.asarray(timestamps_s, dtype=np.float64)
    if times.shape != (n_frames,):
        raise ValueError(f"timestamps_s must have {n_frames} values, got shape {times.shape}")
    if not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0):
        raise ValueError("timestamps_s must be finite and strictly increasing")
    return times


class ArraySource(_ClosingContext):
    """Frames from images in memory, for tests: no video, no decoding.

    Parameters
    ----------
    frames
        Images, each (H, W, 3) uint8 RGB.
    timestamps_s
        One timestamp in seconds per frame, strictly increasing; delivered as given. Default:
        ``k / fps``.
    fps
        Nominal rate in Hz (``fps_hint``). Default: 30 when ``timestamps_s`` is omitted,
        otherwise estimated from the timestamps.

    Raises
    ------
    ValueError
        Images not (H, W, 3) uint8, or timestamps of the wrong length or not increasing.
    """

    def __init__(
        self,
        frames: Sequence[np.ndarray],
        timestamps_s: Sequence[float] | np.ndarray | None = None,
        *,
        fps: float | None = None,
    ) -> None:
        self._images = [_check_image(image, k) for k, image in enumerate(frames)]
        n_frames = len(self._images)
        if timestamps_s is None:
            rate = 30.0 if fps is None else fps
            self._times = np.arange(n_frames) / rate
            self._fps_hint: float | None = rate
        else:
            self._times = _check_timestamps(timestamps_s, n_frames)
            span_s = self._times[-1] - self._times[0] if n_frames > 1 else 0.0
            self._fps_hint = fps if fps is not None else ((n_frames - 1) / span_s or None)
        self._next = 0

    @property
    def fps_hint(self) -> float | None:
        """Nominal rate in Hz (given, or estimated from the timestamps)."""
        return self._fps_hint

    @property
    def size_px(self) -> tuple[int, int] | None:
        """(width, height) in pixels of the first image, ``None`` if there are none."""
        if not self._images:
            return None
        h, w = self._images[0].shape[:2]
        return int(w), int(h)

    @property
    def n_frames_hint(self) -> int:
        """Number of images."""
        return len(self._images)

    @property
    def description(self) -> str:
        """``"array of N frames"``."""
        return f"array of {len(self._images)} frames"

    @property
    def is_live(self) -> bool:
        """Always False."""
        return False

    def read(self) -> Frame | None:
        """Return the next image as a :class:`Frame`, ``None`` after the last."""
        k = self._next
        if k >= len(self._images):
            return None
        self._next += 1
        return Frame(self._images[k], float(self._times[k]), k)

    def close(self) -> None:
        """Stop: later ``read()`` calls return ``None``."""
        self._next = len(self._images)


