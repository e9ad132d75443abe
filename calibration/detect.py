"""Find the people in still frames: several MediaPipe passes over the whole frame and windows.

A whole-frame pose pass with ``num_poses > 1`` misses the second person or reports one person
twice, and the face detector inside the face landmarker (short-range BlazeFace, 128 px input)
misses small faces in a wide frame. So every sampled frame is searched several times: the
whole frame, then overlapping vertical strips of decreasing width (by default 60 %, 45 % and
30 % of the frame width), each with a pose pass and a multi-face pass. Neighbouring strips of
width ``w`` start at most ``w / 2`` apart, so every person narrower than half a strip lies
wholly inside at least one strip of that width. A strip enlarges the people in it, so small
or far people are found too. A detection whose person is cut by a strip's inner edge is
dropped (MediaPipe completes a cut person into a whole skeleton at the wrong place). So is a
*chimera* (:func:`drop_chimeras`): a skeleton stitched from the facing shoulders of two
neighbours, with its "head" on the background between their faces (found on real footage of
two people standing close). The duplicates that remain are merged by
:func:`calibration.estimate.group_people`.

Every detection is described in pixels of the full frame by the person's head centre and an
estimate of the shoulder width, so that pose and face detections can be compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np

from synchrony.capture.tracking import native_stderr_silenced
from synchrony.records import LEFT_SHOULDER, RIGHT_SHOULDER

__all__ = ["DEFAULT_STRIP_WIDTHS", "Detection", "PeopleDetector", "drop_chimeras", "strips"]

#: Widths of the search strips as fractions of the frame width (1.0 = whole frame).
DEFAULT_STRIP_WIDTHS = (1.0, 0.6, 0.45, 0.3)
#: Shoulder width divided by the width of the face mesh, for a face seen without a pose
#: (measured on the generated clips: 1.7-1.9; real adults ~1.8-2.2).
SHOULDERS_PER_FACE_WIDTH = 1.9
#: A pose landmark counts when its MediaPipe visibility reaches this.
MIN_VISIBILITY = 0.5
#: Head landmarks of the pose model: nose, eyes, ears.
HEAD_LANDMARKS = tuple(range(11))
#: Landmarks that outline the upper body: head, shoulders, elbows, wrists.
OUTLINE_LANDMARKS = (*HEAD_LANDMARKS, 11, 12, 13, 14, 15, 16)
#: A face whose centre lies within this many of a skeleton's shoulder widths of the
#: skeleton's head is that skeleton's own face. Measured on the real two-person clips in
#: ``sample_media/real_dyads``: a real skeleton's own face lies at most 0.34 shoulder widths
#: from its head (median 0.05), a chimera's nearest face at least 0.59.
OWN_FACE_RADIUS_SW = 0.5


@dataclass(frozen=True, slots=True)
class Detection:
    """One person seen once, in full-frame pixels.

    Attributes
    ----------
    frame : index of the sampled frame (0-based, in sampling order).
    kind : ``"pose"`` or ``"face"``.
    head_xy_px : head centre (x, y): mean of the visible head landmarks, or the face
        mesh's centre.
    shoulder_width_px : distance between the shoulder landmarks (pose), or estimated from
        the face width (face, ``SHOULDERS_PER_FACE_WIDTH``).
    shoulder_y_px : height (y) of the shoulder line; for a face, estimated half a shoulder
        width below the chin.
    box_px : (x0, y0, x1, y1) around what was seen (visible upper-body landmarks or the
        face mesh).
    """

    frame: int
    kind: str
    head_xy_px: tuple[float, float]
    shoulder_width_px: float
    shoulder_y_px: float
    box_px: tuple[float, float, float, float]

    @property
    def measured_width(self) -> bool:
        """True if the shoulder width was measured (a pose), not estimated from a face."""
        return self.kind == "pose"


def strips(widths: Sequence[float] = DEFAULT_STRIP_WIDTHS) -> list[tuple[float, float]]:
    """Search strips ``(x0, x1)`` as fractions of the frame width, overlapping by at least half.

    Strips of one width are spread evenly from the left to the right edge, as few as
    possible with starts at most half a strip apart.

    >>> strips((1.0, 0.6))
    [(0.0, 1.0), (0.0, 0.6), (0.2, 0.8), (0.4, 1.0)]
    """
    out: list[tuple[float, float]] = []
    for width in widths:
        if not 0 < width <= 1:
            raise ValueError(f"strip widths must be in (0, 1], got {width}")
        n = max(1, int(np.ceil((1.0 - width) / (width / 2) - 1e-9)) + 1)
        starts = np.linspace(0.0, 1.0 - width, n) if n > 1 else np.zeros(1)
        out.extend((round(float(s), 6), round(float(s) + width, 6)) for s in starts)
    return out


def _inside_strip(xs_px: np.ndarray, strip_px: tuple[int, int], frame_w: int,
                  margin_px: float) -> bool:
    """Return True unless the points come within ``margin_px`` of an inner (cut) strip edge."""
    x0, x1 = strip_px
    left_ok = x0 == 0 or xs_px.min() >= x0 + margin_px
    right_ok = x1 >= frame_w or xs_px.max() <= x1 - margin_px
    return bool(left_ok and right_ok)


def pose_detection(xy_px: np.ndarray, visibility: np.ndarray, frame: int) -> Detection | None:
    """Return a :class:`Detection` from one skeleton (33 landmarks in full-frame pixels), or None.

    None when a shoulder or every head landmark is not visible.
    """
    seen = visibility >= MIN_VISIBILITY
    if not (seen[LEFT_SHOULDER] and seen[RIGHT_SHOULDER]):
        return None
    head = [i for i in HEAD_LANDMARKS if seen[i]]
    if not head:
        return None
    outline = xy_px[[i for i in OUTLINE_LANDMARKS if seen[i]]]
    shoulders = xy_px[[LEFT_SHOULDER, RIGHT_SHOULDER]]
    width = float(np.linalg.norm(shoulders[0] - shoulders[1]))
    if width <= 1.0:
        return None
    hx, hy = xy_px[head].mean(axis=0)
    x0, y0 = outline.min(axis=0)
    x1, y1 = outline.max(axis=0)
    return Detection(frame=frame, kind="pose", head_xy_px=(float(hx), float(hy)),
                     shoulder_width_px=width, shoulder_y_px=float(shoulders[:, 1].mean()),
                     box_px=(float(x0), float(y0), float(x1), float(y1)))


def face_detection(xy_px: np.ndarray, frame: int) -> Detection | None:
    """Return a :class:`Detection` from one face mesh (478 points in full-frame pixels), or None."""
    x0, y0 = xy_px.min(axis=0)
    x1, y1 = xy_px.max(axis=0)
    if x1 - x0 <= 1.0:
        return None
    width = float(x1 - x0) * SHOULDERS_PER_FACE_WIDTH
    cx, cy = xy_px.mean(axis=0)
    return Detection(frame=frame, kind="face", head_xy_px=(float(cx), float(cy)),
                     shoulder_width_px=width, shoulder_y_px=float(y1) + 0.5 * width,
                     box_px=(float(x0), float(y0), float(x1), float(y1)))


def drop_chimeras(detections: Sequence[Detection]) -> list[Detection]:
    """Drop the skeletons of one frame that are stitched from two neighbours.

    When two people stand close, MediaPipe Pose sometimes returns, with high visibility, a
    skeleton whose shoulders are the facing shoulders of the two people and whose head
    landmarks lie on the background between their heads (measured on the real Obama/Biden
    clip: in 12 of 105 frames; in 2 of the 6 frames the proposal sampled, enough to be
    reported as a third person). Such a skeleton has no face of its own, yet faces were
    found on both sides of it. A skeleton is dropped when no face detection of the frame
    lies within ``OWN_FACE_RADIUS_SW`` of its shoulder widths of its head and face
    detections lie to its left and to its right. A real person whose face is missed is kept
    unless two other faces flank them, i.e. unless there is a third person anyway.

    Parameters
    ----------
    detections : every detection of one frame (all passes and strips).

    Returns
    -------
    list of Detection
        ``detections`` in their order, without the chimeras.
    """
    faces = np.array([d.head_xy_px for d in detections if d.kind == "face"]).reshape(-1, 2)
    kept = []
    for det in detections:
        if det.kind == "pose" and len(faces):
            head = np.array(det.head_xy_px)
            own = np.linalg.norm(faces - head, axis=1).min() \
                <= OWN_FACE_RADIUS_SW * det.shoulder_width_px
            flanked = bool((faces[:, 0] < head[0]).any() and (faces[:, 0] > head[0]).any())
            if not own and flanked:
                continue
        kept.append(det)
    return kept


class PeopleDetector:
    """MediaPipe pose and face landmarkers in IMAGE mode, run over the search strips.

    Parameters
    ----------
    pose_model, face_model : paths of the ``.task`` bundles
        (:func:`synchrony.capture.bundles.find_model`).
    strip_widths : widths of the search strips, fractions of the frame width.
    max_people : people looked for per strip and task (``num_poses`` / ``num_faces``).
    """

    def __init__(self, *, pose_model: Path, face_model: Path,
                 strip_widths: Sequence[float] = DEFAULT_STRIP_WIDTHS,
                 max_people: int = 2) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        self.strips = strips(strip_widths)
        image = vision.RunningMode.IMAGE
        with native_stderr_silenced():
            self._pose = vision.PoseLandmarker.create_from_options(vision.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(pose_model)), running_mode=image,
                num_poses=max_people))
            self._face = vision.FaceLandmarker.create_from_options(vision.FaceLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(face_model)), running_mode=image,
                num_faces=max_people + 1))
        self._closed = False
        self._warm = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close both MediaPipe tasks."""
        if not self._closed:
            self._closed = True
            with native_stderr_silenced():
                self._pose.close()
                self._face.close()

    def detect(self, image_rgb: np.ndarray, frame: int) -> list[Detection]:
        """Every person found in one frame by every pass (duplicates included, chimeras not).

        Parameters
        ----------
        image_rgb : (H, W, 3) uint8 RGB frame.
        frame : index of this frame among the sampled frames (stored in the detections).
        """
        import mediapipe as mp

        if self._closed:
            raise RuntimeError("detector is closed")
        h, w = image_rgb.shape[:2]
        found: list[Detection] = []
        quiet = nullcontext() if self._warm else native_stderr_silenced()
        self._warm = True
        with quiet:
            for sx0, sx1 in self.strips:
                a, b = int(round(sx0 * w)), int(round(sx1 * w))
                crop = mp.Image(image_format=mp.ImageFormat.SRGB,
                                data=np.ascontiguousarray(image_rgb[:, a:b]))
                found += self._poses(crop, (a, b), (w, h), frame)
                found += self._faces(crop, (a, b), (w, h), frame)
        return drop_chimeras(found)

    def _poses(self, crop: Any, strip_px: tuple[int, int], size: tuple[int, int],
               frame: int) -> list[Detection]:
        a, b = strip_px
        out = []
        for lms in self._pose.detect(crop).pose_landmarks:
            xy = np.array([(a + lm.x * (b - a), lm.y * size[1]) for lm in lms])
            vis = np.array([lm.visibility if lm.visibility is not None else 0.0 for lm in lms])
            det = pose_detection(xy, vis, frame)
            if det is None:
                continue
            outline = xy[[i for i in OUTLINE_LANDMARKS if vis[i] >= MIN_VISIBILITY], 0]
            if _inside_strip(outline, strip_px, size[0], 0.25 * det.shoulder_width_px):
                out.append(det)
        return out

    def _faces(self, crop: Any, strip_px: tuple[int, int], size: tuple[int, int],
               frame: int) -> list[Detection]:
        a, b = strip_px
        out = []
        for lms in self._face.detect(crop).face_landmarks:
            xy = np.array([(a + lm.x * (b - a), lm.y * size[1]) for lm in lms])
            det = face_detection(xy, frame)
            if det is not None and _inside_strip(xy[:, 0], strip_px, size[0],
                                                 0.1 * det.shoulder_width_px):
                out.append(det)
        return out
