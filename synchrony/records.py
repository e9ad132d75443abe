"""Immutable records passed between threads and stages.

Units are in the names: ``timestamp_s`` (seconds on the source's clock: container
timestamps for files, a monotonic clock for cameras and streams), ``xy_norm`` (0-1 image
coordinates of the full frame), ``xy_px`` (pixels).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Frame:
    """One video frame.

    Attributes
    ----------
    image_rgb : (H, W, 3) uint8, C-contiguous RGB.
    timestamp_s : presentation time in seconds from the start of the source.
    index : 0-based running count of frames delivered by the source.
    """

    image_rgb: np.ndarray
    timestamp_s: float
    index: int

    @property
    def size_px(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        h, w = self.image_rgb.shape[:2]
        return int(w), int(h)
