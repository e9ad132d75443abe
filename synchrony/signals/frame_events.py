"""Whole-frame events in tracked frames, and the frames they make missing samples.

A duplicated frame, a lighting step or a camera bump hits both people at the same instant;
kept as data it reads as synchrony at lag 0 that nobody produced. The tracking paths flag
such frames from the images (:mod:`synchrony.capture.frame_events`,
:attr:`synchrony.records.TrackedFrame.frame_event`); for landmark-only input (sessions
recorded before the flag existed, landmark tables) :func:`landmark_duplicates` finds
repeated frames from the landmarks themselves. :func:`find_frame_events` merges both.

The rule, the same in batch (:func:`synchrony.signals.extract.extract_signals`) and live
(:class:`MissingFrames`):

- a frame with an event is a **missing sample**, never stillness or movement;
- so is the frame right after a ``duplicate``: its frame-to-frame quantities (motion
  energy, the tracker's smoothing) span two frame intervals;
- a ``camera_bump`` also cuts the interpolation (batch): grid samples between the frames
  around it stay NaN, because a moved camera shifts every landmark and interpolating across
  the jump would still move both people at once (:func:`bump_cuts`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import astuple, dataclass

import numpy as np

from synchrony.records import FRAME_EVENTS, TrackedFrame

__all__ = [
    "FRAME_EVENT_COLUMNS",
    "FRAME_EVENTS",
    "WARN_FRACTION",
    "FrameEvent",
    "MissingFrames",
    "bump_cuts",
    "event_counts",
    "find_frame_events",
    "landmark_duplicates",
    "missing_frames",
    "report_frame_events",
]

log = logging.getLogger(__name__)

#: Columns of ``frame_events.csv`` (one row per :class:`FrameEvent`).
FRAME_EVENT_COLUMNS = ("frame_index", "time_s", "event")
#: More than this fraction of frames with events is logged as a warning (else info).
WARN_FRACTION = 0.1


@dataclass(frozen=True, slots=True)
class FrameEvent:
    """One frame with a whole-frame event.

    Attributes
    ----------
    frame_index : the frame's index (as in the tracked frames / the landmark table).
    time_s : its timestamp in seconds.
    event : one of :data:`~synchrony.records.FRAME_EVENTS`.
    """

    frame_index: int
    time_s: float
    event: str


def _landmark_rows(frames: Sequence[TrackedFrame], person: int) -> np.ndarray:
    """(n, k) pose, visibility, head matrix and blendshapes of one person per frame."""
    return np.stack([np.concatenate([
        np.ravel(f.people[person].pose_xy_norm), np.ravel(f.people[person].pose_visibility),
        np.ravel(f.people[person].head_matrix), np.ravel(f.people[person].blendshapes),
    ]).astype(np.float64) for f in frames]) if frames else np.zeros((0, 0))


def landmark_duplicates(frames: Sequence[TrackedFrame]) -> np.ndarray:
    """(n,) True where both people's landmarks are bit-identical to the frame before.

    Pose, visibility, head matrix and blendshapes are compared (NaN equals NaN: a person
    missing in both frames matches); a frame where nobody was seen is never a duplicate.
    Real tracker output always jitters, so identical numbers mean the frame was repeated.
    """
    n = len(frames)
    out = np.zeros(n, dtype=bool)
    if n < 2:
        return out
    same = np.ones(n - 1, dtype=bool)
    seen = np.zeros(n - 1, dtype=bool)
    for person in range(2):
        rows = _landmark_rows(frames, person)
        finite = np.isfinite(rows)
        equal = (rows[1:] == rows[:-1]) | (~finite[1:] & ~finite[:-1])
        same &= equal.all(axis=1)
        seen |= finite[1:].any(axis=1)
    out[1:] = same & seen
    return out


def find_frame_events(frames: Sequence[TrackedFrame]) -> list[FrameEvent]:
    """Every frame with an event: its own ``frame_event``, else a landmark duplicate."""
    repeated = landmark_duplicates(frames)
    events = []
    for k, frame in enumerate(frames):
        event = frame.frame_event or ("duplicate" if repeated[k] else None)
        if event is not None:
            events.append(FrameEvent(frame.index, float(frame.timestamp_s), event))
    return events


def missing_frames(frames: Sequence[TrackedFrame], events: Sequence[FrameEvent]
                   ) -> np.ndarray:
    """(n,) True for the frames to treat as missing samples (see the module docstring)."""
    by_index = {e.frame_index: e.event for e in events}
    out = np.zeros(len(frames), dtype=bool)
    for k, frame in enumerate(frames):
        event = by_index.get(frame.index)
        if event is not None:
            out[k] = True
            if event == "duplicate" and k + 1 < len(frames):
                out[k + 1] = True
    return out


def bump_cuts(frames: Sequence[TrackedFrame], events: Sequence[FrameEvent],
              missing: np.ndarray, t_grid: np.ndarray) -> np.ndarray:
    """(n_grid,) True for grid samples that must not be interpolated across a camera bump.

    For each bump: the grid times strictly between the last kept frame before it and the
    first kept frame after it (at least the grid time nearest to the bump).
    """
    cut = np.zeros(len(t_grid), dtype=bool)
    bumps = {e.frame_index for e in events if e.event == "camera_bump"}
    if not bumps or len(t_grid) == 0:
        return cut
    t_src = np.array([f.timestamp_s for f in frames], dtype=np.float64)
    kept = np.flatnonzero(~missing)
    for k, frame in enumerate(frames):
        if frame.index not in bumps:
            continue
        before, after = kept[kept < k], kept[kept > k]
        t_before = t_src[before[-1]] if before.size else -np.inf
        t_after = t_src[after[0]] if after.size else np.inf
        cut |= (t_grid > t_before) & (t_grid < t_after)
        cut[int(np.argmin(np.abs(t_grid - t_src[k])))] = True
    return cut


def event_counts(events: Sequence[FrameEvent]) -> dict[str, int]:
    """``{event: number of frames}`` for every kind in FRAME_EVENTS (0 when absent)."""
    counts = dict.fromkeys(FRAME_EVENTS, 0)
    for e in events:
        counts[e.event] = counts.get(e.event, 0) + 1
    return counts


def report_frame_events(events: Sequence[FrameEvent], n_frames: int
                        ) -> tuple[dict[str, int], list[tuple[int, float, str]]]:
    """Log one line about ``events``; return their counts and ``frame_events.csv`` rows.

    The line is a warning when more than :data:`WARN_FRACTION` of the ``n_frames`` frames
    had an event, else info; nothing is logged without events.
    """
    counts = event_counts(events)
    if events:
        share = len(events) / max(n_frames, 1)
        kinds = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items() if n)
        log.log(logging.WARNING if share > WARN_FRACTION else logging.INFO,
                "whole-frame events in %d of %d frames (%.1f %%: %s) treated as missing "
                "samples, not as movement or stillness of both people; see frame_events.csv",
                len(events), n_frames, 100 * share, kinds)
    return counts, [astuple(e) for e in events]


class MissingFrames:
    """The same rule frame by frame, for the live view: which tracked frames are missing.

    Uses each frame's ``frame_event`` (the live tracking path detects events from the
    images); keeps whether the previous frame was a duplicate.
    """

    def __init__(self) -> None:
        self._after_duplicate = False

    def missing(self, tracked: TrackedFrame) -> bool:
        """Return True if ``tracked`` is a missing sample (call once per frame, in order)."""
        after, self._after_duplicate = (self._after_duplicate,
                                        tracked.frame_event == "duplicate")
        return tracked.frame_event is not None or after
