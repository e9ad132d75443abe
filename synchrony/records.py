"""Immutable records shared by every room: frames, regions, people, tracked frames.

Modules that need only these types import them from here, never from the
MediaPipe/OpenCV-heavy tracker (:mod:`synchrony.capture.tracking`).

Units are in the names: ``timestamp_s`` (seconds on the source's clock: container
timestamps for files, a monotonic clock for cameras and streams), ``xy_norm`` (0-1 image
coordinates of the full frame), ``xy_px`` (pixels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

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

N_POSE_LANDMARKS = 33
N_FACE_LANDMARKS = 478
N_BLENDSHAPES = 52
PERSONS = ("A", "B")
#: Upper-body pose landmarks used for the ``body`` signal: nose, shoulders, elbows, wrists.
UPPER_BODY = (0, 11, 12, 13, 14, 15, 16)
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12


@dataclass(frozen=True, slots=True)
class Region:
    """A person's region of the image, normalised to 0-1: ``x0 < x1``, ``y0 < y1``."""

    x0: float
    y0: float
    x1: float
    y1: float

    def __post_init__(self) -> None:
        vals = (self.x0, self.y0, self.x1, self.y1)
        if not all(math.isfinite(v) and -1e-9 <= v <= 1 + 1e-9 for v in vals):
            raise ValueError(f"region must lie within 0-1, got {list(vals)}")
        if not (self.x1 > self.x0 and self.y1 > self.y0):
            raise ValueError(f"region must have x0 < x1 and y0 < y1, got {list(vals)}")

    def to_px(self, width: int, height: int) -> tuple[int, int, int, int]:
        """Pixel box (x0, y0, x1, y1), at least 2 pixels wide and high."""
        x0, y0 = int(round(self.x0 * width)), int(round(self.y0 * height))
        x1 = max(x0 + 2, int(round(self.x1 * width)))
        y1 = max(y0 + 2, int(round(self.y1 * height)))
        return x0, y0, min(x1, width), min(y1, height)

    def contains(self, x_norm: float, y_norm: float) -> bool:
        """Return True if the point (full-frame normalised) lies inside the region."""
        return bool(self.x0 <= x_norm <= self.x1 and self.y0 <= y_norm <= self.y1)

    def as_list(self) -> list[float]:
        """``[x0, y0, x1, y1]`` as in the calibration profile."""
        return [self.x0, self.y0, self.x1, self.y1]


HALVES = (Region(0.0, 0.0, 0.5, 1.0), Region(0.5, 0.0, 1.0, 1.0))

#: Whole-frame events (:attr:`TrackedFrame.frame_event`), which hit both people at once:
#: ``"duplicate"`` (the same picture as the frame before), ``"lighting"`` (a global
#: brightness step), ``"camera_bump"`` (a global translation). Such frames are missing
#: samples for the signals, never stillness or movement.
FRAME_EVENTS = ("duplicate", "lighting", "camera_bump")


def _nan(*shape: int) -> np.ndarray:
    out = np.full(shape, np.nan, dtype=np.float32)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, slots=True)
class PersonObservation:
    """What the trackers saw of one person in one frame (NaN = not found).

    Attributes
    ----------
    pose_xy_norm : (33, 2) pose landmarks, full-frame normalised x, y.
    pose_visibility : (33,) MediaPipe visibility in 0-1.
    face_xy_norm : (478, 2) face mesh landmarks, full-frame normalised x, y.
    head_matrix : (4, 4) facial transformation matrix (rotation, translation in cm).
    blendshapes : (52,) blendshape coefficients in 0-1, MediaPipe's order.
    motion_fraction : fraction (0-1) of the region's pixels whose grey level changed by more
        than the noise threshold since the previous frame (Motion Energy Analysis).
    """

    pose_xy_norm: np.ndarray = field(default_factory=lambda: _nan(N_POSE_LANDMARKS, 2))
    pose_visibility: np.ndarray = field(default_factory=lambda: _nan(N_POSE_LANDMARKS))
    face_xy_norm: np.ndarray = field(default_factory=lambda: _nan(N_FACE_LANDMARKS, 2))
    head_matrix: np.ndarray = field(default_factory=lambda: _nan(4, 4))
    blendshapes: np.ndarray = field(default_factory=lambda: _nan(N_BLENDSHAPES))
    motion_fraction: float = math.nan

    @property
    def has_pose(self) -> bool:
        """True if a pose was found."""
        return bool(np.isfinite(self.pose_xy_norm[0, 0]))

    @property
    def has_face(self) -> bool:
        """True if a face was found."""
        return bool(np.isfinite(self.face_xy_norm[0, 0]))


@dataclass(frozen=True, slots=True)
class TrackedFrame:
    """Both people in one frame. ``people[0]`` is A (left), ``people[1]`` is B (right)."""

    timestamp_s: float
    index: int
    size_px: tuple[int, int]
    people: tuple[PersonObservation, PersonObservation]
    regions: tuple[Region, Region]
    #: People counted in the whole frame when a crowd check ran on this frame, else None.
    n_people_in_view: int | None = None
    #: Seconds (wall clock) from handing the frame to the tracker to its result; with two
    #: frames in flight (``MediaPipeTracker.submit``) this includes waiting for the
    #: previous frame's slowest task.
    processing_s: float = math.nan
    #: Whole-frame event of this frame (one of :data:`FRAME_EVENTS`), or None.
    frame_event: str | None = None


class PersonTracker(Protocol):
    """Turns frames into :class:`TrackedFrame` records."""

    def track(self, frame: Frame) -> TrackedFrame:
        """Track both people in one frame, each inside its region of the frame."""
        ...

    def close(self) -> None:
        """Release the tracker's models and threads (it tracks no more frames after)."""
        ...
