"""Qt-free adapter: :class:`~synchrony.live.DashboardState` -> arrays ready to draw.

The widgets only hand these arrays to pyqtgraph; anything that filters or converts lives
here (like movement's ``napari/convert.py``). Coordinates are image pixels, x right, y down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synchrony.live import DashboardState
from synchrony.render.style import PERSON_RGB as STYLE_RGB
from synchrony.render.style import POSE_CONNECTIONS
from synchrony.signals.extract import MIN_VISIBILITY

#: Fixed colours (RGB) of A and B, the same as in plots and exported video.
PERSON_RGB = (STYLE_RGB["A"], STYLE_RGB["B"])

#: MediaPipe Pose's 33-landmark skeleton: pairs of landmark indices.
_PAIRS = np.array(POSE_CONNECTIONS)
#: Every n-th face mesh point is drawn (478 per face are too many to redraw at 30 Hz).
FACE_POINT_STEP = 3


@dataclass(frozen=True, slots=True)
class PersonDrawing:
    """One person's overlay in pixels.

    Attributes
    ----------
    label : text of the region box, e.g. ``"A"``.
    segments_px : (2k, 2) skeleton segment end points, consecutive pairs (both visible).
    joints_px : (m, 2) visible pose landmarks.
    face_px : (f, 2) face mesh points (every ``FACE_POINT_STEP``-th).
    box_px : (x0, y0, width, height) of the region, or None.
    in_view : False when the person has not been seen for a while.
    """

    label: str
    segments_px: np.ndarray
    joints_px: np.ndarray
    face_px: np.ndarray
    box_px: tuple[float, float, float, float] | None
    in_view: bool


def person_drawings(state: DashboardState) -> tuple[PersonDrawing, ...]:
    """Both people's overlays (A first) for the newest frame of ``state``."""
    width, height = state.size_px
    scale = np.array([width, height], dtype=np.float64)
    out = []
    for p in (0, 1):
        pose = state.pose_xy_norm[p].astype(np.float64) * scale
        seen = np.isfinite(pose).all(axis=1) & (state.pose_visibility[p] >= MIN_VISIBILITY)
        both = seen[_PAIRS].all(axis=1)
        segments = pose[_PAIRS[both]].reshape(-1, 2)
        face = state.face_xy_norm[p, ::FACE_POINT_STEP].astype(np.float64) * scale
        face = face[np.isfinite(face).all(axis=1)]
        box = None
        if p < len(state.regions):
            x0, y0, x1, y1 = state.regions[p]
            box = (x0 * width, y0 * height, (x1 - x0) * width, (y1 - y0) * height)
        out.append(PersonDrawing(state.labels[p], segments, pose[seen], face, box,
                                 state.in_view[p]))
    return tuple(out)


def finite_points(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(n, 2) points of (x, y) where both are finite (e.g. the peak path's dots)."""
    points = np.column_stack([x, y]) if len(x) else np.zeros((0, 2))
    return points[np.isfinite(points).all(axis=1)]


def gauge_fraction(r: float) -> float:
    """Fill of the gauge bar (0-1) for a correlation ``r`` (negative and NaN -> 0)."""
    return float(np.clip(r, 0.0, 1.0)) if np.isfinite(r) else 0.0
