"""Qt-free adapter: :class:`~synchrony.live.DashboardState` -> arrays ready to draw.

The widgets only hand these arrays to pyqtgraph; anything that filters or converts lives
here (like movement's ``napari/convert.py``). Coordinates are image pixels, x right, y down.
"""

from __future__ import annotations

import numpy as np

from synchrony.live import DashboardState
from synchrony.records import PERSONS, PersonObservation, Region
from synchrony.render.frames import draw_person
from synchrony.render.style import PERSON_RGB as STYLE_RGB

#: Fixed colours (RGB) of A and B, the same as in plots and exported video.
PERSON_RGB = (STYLE_RGB["A"], STYLE_RGB["B"])


def person_label(state: DashboardState, person: int) -> str:
    """Return the label of a person's region box, e.g. ``"B  (not in view)"``."""
    return state.labels[person] + ("" if state.in_view[person] else "  (not in view)")


def annotated_frame(state: DashboardState) -> np.ndarray | None:
    """Return the newest frame (a copy) with both people drawn as replay and export-video do.

    Skeletons, face points and labelled region boxes go into the picture itself
    (:func:`synchrony.render.frames.draw_person`): one image for the view to show per frame,
    instead of a dozen scene items to update and paint. None before the first frame.
    """
    if state.image_rgb is None:
        return None
    out = np.array(state.image_rgb, dtype=np.uint8, copy=True)
    width = out.shape[1]
    for p, person in enumerate(PERSONS[:len(state.regions)]):
        observation = PersonObservation(pose_xy_norm=state.pose_xy_norm[p],
                                        pose_visibility=state.pose_visibility[p],
                                        face_xy_norm=state.face_xy_norm[p])
        draw_person(out, observation, Region(*state.regions[p]), STYLE_RGB[person],
                    person_label(state, p), width / 640)
    return out


def finite_points(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(n, 2) points of (x, y) where both are finite (e.g. the peak path's dots)."""
    points = np.column_stack([x, y]) if len(x) else np.zeros((0, 2))
    return points[np.isfinite(points).all(axis=1)]


def gauge_fraction(r: float) -> float:
    """Fill of the gauge bar (0-1) for a correlation ``r`` (negative and NaN -> 0)."""
    return float(np.clip(r, 0.0, 1.0)) if np.isfinite(r) else 0.0
