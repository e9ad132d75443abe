"""Whole-frame events: duplicated frames, lighting steps, camera bumps.

A duplicated frame (the same picture twice: webcam drivers, dropped-frame recovery,
frame-rate conversion such as 24 -> 25 or 29.97 -> 30 fps) or a whole-frame event (a light
switched on, the camera knocked) hits both people at the same instant: their movement drops
to zero, or jumps, *together*, which a cross-correlation reads as synchrony at lag 0 that
nobody produced. The detector is fed every tracked frame in order (batch:
:func:`synchrony.capture.video.track_video`; live: :class:`synchrony.live.runner.LiveRunner`)
and names the event of each frame, or None; the frame is then treated as a missing sample,
not as stillness (:func:`synchrony.signals.extract.extract_signals`).

How (on a grey copy downscaled to :data:`ANALYSIS_WIDTH_PX`, cut into
:data:`CELLS_X` x :data:`CELLS_Y` cells, compared with the previous frame):

- ``"duplicate"``: the largest mean absolute change of a cell is below
  :data:`DUPLICATE_MAX_RATIO` of that of the last ordinary frame and below
  :data:`DUPLICATE_MAX_CHANGE_GREY`. Relative, because a re-encoded repeat keeps a trace of
  the coding (up to 1.1 grey levels measured) while a frame of still people changes by
  sensor noise alone (about 0.35 for noise of 1.2 grey levels): no absolute tolerance
  separates them. A re-encoded repeat while nobody moves is therefore missed, and does no harm: it
  is no artefact when both people are still anyway;
- ``"camera_bump"``: phase correlation (:func:`cv2.phaseCorrelate`) finds the left and the
  right half of the picture translated by the same amount, at least
  :data:`BUMP_MIN_SHIFT` of the width (one person moving shifts one half only);
- ``"lighting"``: at least :data:`LIGHTING_MIN_CELLS` of the cells got brighter (or darker)
  by :data:`LIGHTING_MIN_STEP_GREY` or more at once.

A picture without detail (a blank test image, a lens cap) gets no event. About 1-2 ms per
frame at 640 x 480.

Measured with ``bench/frame_events.py`` (an independent two-person clip from
``sample_videos/make_dyad_clip.py``, 12 s at 20 fps, a frame written twice every 20 frames,
re-encoded): the change of a repeat, in grey levels, and its ratio to the frame before were
<= 0.22 and <= 0.05 with OpenCV's ``mp4v`` writer at 640 x 480 (<= 0.37, <= 0.06 at
320 x 240), <= 0.38 and <= 0.08 with libx264 crf 23 (<= 0.68, <= 0.05), <= 1.12 and <= 0.20
at crf 28; ordinary frames changed by >= 1.24 with a ratio >= 0.43 (one frame 0.18 at
320 x 240, crf 28). Every repeat was found; one ordinary frame was flagged (320 x 240,
crf 28). On the nine real clips of ``../shared/sample_media`` (people sitting still
included; smallest change 0.40) nothing is flagged but 7 lighting steps in a film excerpt
with cuts. Left and right halves of ordinary frames never shifted together by more than
0.009 of the width (people moving the same way); a 13 px camera shift at 640 px measures
0.0196 and a 20 px one is flagged. Lighting: +10 grey levels or a 10 % gain move >= 85 % of
the cells; +6 grey levels (an auto-exposure step) none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from synchrony.records import FRAME_EVENTS

__all__ = [
    "ANALYSIS_WIDTH_PX",
    "BUMP_MIN_SHIFT",
    "CELLS_X",
    "CELLS_Y",
    "DUPLICATE_MAX_CHANGE_GREY",
    "DUPLICATE_MAX_RATIO",
    "FRAME_EVENTS",
    "LIGHTING_MIN_CELLS",
    "LIGHTING_MIN_STEP_GREY",
    "MIN_DETAIL_GREY",
    "FrameChange",
    "FrameEventDetector",
]

#: Width (px) of the grey copy the detector compares; the height keeps the aspect ratio.
ANALYSIS_WIDTH_PX = 160
#: Cells across and down in which the mean grey-level change is measured.
CELLS_X, CELLS_Y = 8, 6
#: A frame repeats the previous one when its largest cell change is below this fraction of
#: the change of the last frame without an event ...
DUPLICATE_MAX_RATIO = 0.33
#: ... and below this mean absolute grey-level change (0-255).
DUPLICATE_MAX_CHANGE_GREY = 1.5
#: A global translation of at least this fraction of the frame width is a camera bump.
BUMP_MIN_SHIFT = 0.02
#: Left and right halves agree on a bump when their shifts differ by at most this fraction
#: of the frame width.
BUMP_MAX_DISAGREEMENT = 0.01
#: A picture whose grey levels vary less than this (standard deviation, 0-255) has no
#: detail to compare (a lens cap, a blank test image): it gets no event.
MIN_DETAIL_GREY = 2.0
#: A cell whose mean grey level stepped by at least this much (0-255) changed in lighting.
LIGHTING_MIN_STEP_GREY = 8.0
#: A lighting change moves at least this fraction of the cells the same way.
LIGHTING_MIN_CELLS = 0.75


@dataclass(frozen=True, slots=True)
class FrameChange:
    """What changed between two consecutive frames, as the detector measured it.

    Attributes
    ----------
    max_cell_change_grey : largest mean absolute grey-level change of a cell (0-255).
    reference_change_grey : ``max_cell_change_grey`` of the last frame without an event
        (NaN before there was one).
    brighter_cells, darker_cells : fractions (0-1) of the cells whose mean grey level rose /
        fell by at least :data:`LIGHTING_MIN_STEP_GREY`.
    shift_left, shift_right : (dx, dy) translation of the left / right half found by phase
        correlation, as fractions of the frame width.
    """

    max_cell_change_grey: float
    reference_change_grey: float
    brighter_cells: float
    darker_cells: float
    shift_left: tuple[float, float]
    shift_right: tuple[float, float]

    @property
    def event(self) -> str | None:
        """``"duplicate"``, ``"camera_bump"``, ``"lighting"`` or None (checked in that order)."""
        change = self.max_cell_change_grey
        if (change < DUPLICATE_MAX_CHANGE_GREY
                and change < DUPLICATE_MAX_RATIO * self.reference_change_grey):
            return "duplicate"
        left, right = np.asarray(self.shift_left), np.asarray(self.shift_right)
        if (min(np.hypot(*left), np.hypot(*right)) >= BUMP_MIN_SHIFT
                and np.hypot(*(left - right)) <= BUMP_MAX_DISAGREEMENT):
            return "camera_bump"
        if max(self.brighter_cells, self.darker_cells) >= LIGHTING_MIN_CELLS:
            return "lighting"
        return None


def _grey(image_rgb: np.ndarray) -> np.ndarray:
    """Float32 grey copy :data:`ANALYSIS_WIDTH_PX` wide (area-averaged)."""
    grey = cv2.cvtColor(np.ascontiguousarray(image_rgb), cv2.COLOR_RGB2GRAY)
    h, w = grey.shape
    width = min(ANALYSIS_WIDTH_PX, w)
    height = max(2 * CELLS_Y, int(round(h * width / w)))
    return cv2.resize(grey, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32)


def _cell_means(image: np.ndarray) -> np.ndarray:
    """(CELLS_Y, CELLS_X) mean of each cell (the edges dropped so that cells are equal)."""
    h, w = image.shape
    ch, cw = h // CELLS_Y, w // CELLS_X
    cells = image[:ch * CELLS_Y, :cw * CELLS_X].reshape(CELLS_Y, ch, CELLS_X, cw)
    return np.asarray(cells.mean(axis=(1, 3)))


class _HalfShift:
    """Phase correlation of one half of the picture, with its Hanning window cached."""

    def __init__(self) -> None:
        self._window: np.ndarray | None = None

    def __call__(self, previous: np.ndarray, current: np.ndarray) -> tuple[float, float]:
        if self._window is None or self._window.shape != current.shape:
            self._window = cv2.createHanningWindow(current.shape[::-1], cv2.CV_32F)
        (dx, dy), _response = cv2.phaseCorrelate(previous, current, self._window)
        return float(dx), float(dy)


class FrameEventDetector:
    """Names the whole-frame event of each frame, compared with the frame before it.

    Feed every frame in order with :meth:`update`; frames of another size start afresh.
    Not thread-safe: one detector per stream of frames. Costs about 1 ms per frame.
    """

    def __init__(self) -> None:
        self._previous: np.ndarray | None = None
        self._reference = math.nan
        self._shift_left, self._shift_right = _HalfShift(), _HalfShift()

    def reset(self) -> None:
        """Forget the previous frames (e.g. after a source was reopened)."""
        self._previous = None
        self._reference = math.nan

    def measure(self, image_rgb: np.ndarray) -> FrameChange | None:
        """Compare ``image_rgb`` with the previous frame.

        None for the first frame, after a change of size, and when either picture has no
        detail (:data:`MIN_DETAIL_GREY`).
        """
        grey = _grey(image_rgb)
        previous, self._previous = self._previous, grey
        if previous is None or previous.shape != grey.shape:
            self._reference = math.nan
            return None
        if min(float(grey.std()), float(previous.std())) < MIN_DETAIL_GREY:
            return None
        diff = grey - previous
        step = _cell_means(diff)
        width = grey.shape[1]
        half = width // 2
        left = self._shift_left(previous[:, :half], grey[:, :half])
        right = self._shift_right(previous[:, half:2 * half], grey[:, half:2 * half])
        change = FrameChange(
            max_cell_change_grey=float(_cell_means(np.abs(diff)).max()),
            reference_change_grey=self._reference,
            brighter_cells=float(np.mean(step >= LIGHTING_MIN_STEP_GREY)),
            darker_cells=float(np.mean(step <= -LIGHTING_MIN_STEP_GREY)),
            shift_left=(left[0] / width, left[1] / width),
            shift_right=(right[0] / width, right[1] / width))
        if change.event is None:
            self._reference = change.max_cell_change_grey
        return change

    def update(self, image_rgb: np.ndarray) -> str | None:
        """Return the event of this frame (one of :data:`FRAME_EVENTS`) or None."""
        change = self.measure(image_rgb)
        return None if change is None else change.event
