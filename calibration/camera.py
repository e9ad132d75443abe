"""Camera check: frame rate measured from timestamps, resolution, exposure.

Exposure is judged on the luma (Rec. 601 grey level, 0-255) of the sampled frames:
too dark if the mean is below ``DARK_MEAN`` or more than ``MAX_DARK_FRACTION`` of the pixels
are near black; overexposed if more than ``MAX_CLIPPED_FRACTION`` of the pixels are clipped
white or the mean is above ``BRIGHT_MEAN``. MediaPipe loses faces and hands in both cases.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

__all__ = ["camera_report", "exposure"]

#: Grey levels at or below this count as near black, at or above ``CLIPPED_LEVEL`` as clipped.
DARK_LEVEL = 16
CLIPPED_LEVEL = 250
DARK_MEAN = 50.0
BRIGHT_MEAN = 215.0
MAX_DARK_FRACTION = 0.5
MAX_CLIPPED_FRACTION = 0.05
#: Measured and claimed frame rates may differ by this fraction before a warning.
MAX_FPS_MISMATCH = 0.1
MIN_FPS = 15.0
MIN_HEIGHT_PX = 360


def exposure(image_rgb: np.ndarray) -> tuple[float, float, float]:
    """(mean luma 0-255, near-black fraction, clipped-white fraction) of one RGB frame."""
    grey = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
    return (float(grey.mean()), float(np.mean(grey <= DARK_LEVEL)),
            float(np.mean(grey >= CLIPPED_LEVEL)))


def measured_fps(timestamps_s: Sequence[float]) -> float | None:
    """Frames per second from timestamps (seconds): (n - 1) / time span; None if < 2 frames."""
    t = np.asarray(timestamps_s, dtype=np.float64)
    if len(t) < 2 or not t[-1] > t[0]:
        return None
    return float((len(t) - 1) / (t[-1] - t[0]))


def camera_report(*, images: Sequence[np.ndarray], timestamps_s: Sequence[float],
                  claimed_fps: float | None, source: str) -> dict[str, Any]:
    """Build the profile's ``camera`` block.

    Parameters
    ----------
    images : sampled (H, W, 3) uint8 RGB frames (at least one).
    timestamps_s : timestamps in seconds of every frame read, in order.
    claimed_fps : the rate the source reports in Hz, None if it reports none.
    source : description of the source ("file clip.mp4", "camera 0").

    Returns
    -------
    dict
        ``source``, ``frame_size_px`` [w, h], ``claimed_fps`` and ``measured_fps`` (Hz),
        ``mean_luminance`` (0-255), ``dark_fraction`` and ``clipped_fraction`` (0-1),
        ``warnings`` (list of text).
    """
    if not images:
        raise ValueError("images must hold at least one frame")
    h, w = images[0].shape[:2]
    stats = np.array([exposure(im) for im in images])
    mean, dark, clipped = (float(v) for v in stats.mean(axis=0))
    fps = measured_fps(timestamps_s)
    warnings = []
    if mean < DARK_MEAN or dark > MAX_DARK_FRACTION:
        warnings.append(f"too dark: mean luminance {mean:.0f}/255, {100 * dark:.0f} % of "
                        "pixels near black; add light")
    if clipped > MAX_CLIPPED_FRACTION or mean > BRIGHT_MEAN:
        warnings.append(f"overexposed: {100 * clipped:.0f} % of pixels clipped white, mean "
                        f"luminance {mean:.0f}/255; reduce light or exposure")
    if fps is not None and claimed_fps and abs(fps / claimed_fps - 1) > MAX_FPS_MISMATCH:
        warnings.append(f"measured {fps:.1f} fps but the source claims {claimed_fps:.1f} fps")
    if fps is not None and fps < MIN_FPS:
        warnings.append(f"only {fps:.1f} fps measured; at least {MIN_FPS:.0f} fps is advised")
    if h < MIN_HEIGHT_PX:
        warnings.append(f"low resolution {w}x{h} px; small faces may be missed")
    return {
        "source": source,
        "frame_size_px": [int(w), int(h)],
        "claimed_fps": float(claimed_fps) if claimed_fps and math.isfinite(claimed_fps)
        else None,
        "measured_fps": fps,
        "n_frames_timed": len(timestamps_s),
        "mean_luminance": round(mean, 2),
        "dark_fraction": round(dark, 5),
        "clipped_fraction": round(clipped, 5),
        "warnings": warnings,
    }
