"""Two-person tracking with MediaPipe Pose and Face Landmarker (the only mediapipe user).

The robust default for two people in one camera (see ARCHITECTURE.md): one region per
person -- left and right halves unless a calibration profile gives regions -- and in each
region one ``num_poses=1`` pose task and one ``num_faces=1`` face task. Each of the four
task objects has its own worker thread (their C++ calls release the GIL), so the tasks of
one frame run in parallel and, through :meth:`MediaPipeTracker.submit`, the tasks of the
next frame start while the slowest task of this one finishes; each task still sees its
frames in order, as VIDEO mode demands. Identities are the
regions: **A is the left person, B the right one**, stable across frames by construction.

Landmarks are returned in full-frame normalised coordinates (``xy_norm``: 0-1 of the
whole image's width and height). A person not found in a frame is NaN -- never a stale
or zero value. A skeleton whose anchor (shoulder midpoint, else nose) or a face whose
centre lies outside its region is dropped: MediaPipe completes a person cut by the region
edge into a whole skeleton, so one person sitting across the middle would otherwise be
reported as two. Every ``crowd_check_every_s`` a whole-frame pose pass counts the people in
view (faces per region), so that a third person or a missing one can be reported.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Self

import cv2
import numpy as np

from synchrony.records import (
    HALVES,
    LEFT_SHOULDER,
    N_BLENDSHAPES,
    N_FACE_LANDMARKS,
    N_POSE_LANDMARKS,
    PERSONS,
    RIGHT_SHOULDER,
    Frame,
    PersonObservation,
    Region,
    TrackedFrame,
    _nan,
)

#: Default grey-level difference (0-255) above which a pixel counts as changed (MEA).
DEFAULT_MOTION_THRESHOLD = 12


@contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null while MediaPipe starts up.

    MediaPipe's C++ core prints about a hundred INFO/WARNING lines (LiteRT set-up,
    "Sparsity tensors may not yet be fully supported", feedback-manager notes) when tasks
    are created and on the first frame; they are harmless and bury the program's own
    messages. Set ``SYNCHRONY_MEDIAPIPE_LOGS=1`` to see them.
    """
    if os.environ.get("SYNCHRONY_MEDIAPIPE_LOGS"):
        yield
        return
    with _STDERR_LOCK:
        sys.stderr.flush()
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)


_STDERR_LOCK = threading.Lock()


class MotionEnergy:
    """Frame-difference motion energy per region, on a half-resolution grey image."""

    def __init__(self, threshold: float = DEFAULT_MOTION_THRESHOLD) -> None:
        self.threshold = float(threshold)
        self._previous: np.ndarray | None = None

    def update(self, image_rgb: np.ndarray, boxes_px: Sequence[tuple[int, int, int, int]]
               ) -> list[float]:
        """Fraction of changed pixels in each box since the previous call (NaN the first time)."""
        grey = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
        grey = cv2.resize(grey, (grey.shape[1] // 2, grey.shape[0] // 2),
                          interpolation=cv2.INTER_AREA)
        previous, self._previous = self._previous, grey
        if previous is None or previous.shape != grey.shape:
            return [math.nan] * len(boxes_px)
        changed = cv2.absdiff(grey, previous) > self.threshold
        out = []
        for x0, y0, x1, y1 in boxes_px:
            cell = changed[y0 // 2:max(y0 // 2 + 1, y1 // 2), x0 // 2:max(x0 // 2 + 1, x1 // 2)]
            out.append(float(cell.mean()) if cell.size else math.nan)
        return out


def pose_anchor(xy_norm: np.ndarray, visibility: np.ndarray) -> tuple[float, float]:
    """Where a skeleton is: its shoulder midpoint, or its nose if a shoulder is not visible."""
    shoulders = xy_norm[[LEFT_SHOULDER, RIGHT_SHOULDER]]
    if np.all(visibility[[LEFT_SHOULDER, RIGHT_SHOULDER]] >= 0.5):
        mid = shoulders.mean(axis=0)
    else:
        mid = xy_norm[0]
    return float(mid[0]), float(mid[1])


def _landmarks_xy(landmarks: Sequence[Any], box: tuple[int, int, int, int],
                  size: tuple[int, int]) -> np.ndarray:
    """Crop-normalised landmarks -> (n, 2) full-frame normalised coordinates."""
    x0, y0, x1, y1 = box
    w, h = size
    xy = np.array([(lm.x, lm.y) for lm in landmarks], dtype=np.float32)
    xy[:, 0] = (x0 + xy[:, 0] * (x1 - x0)) / w
    xy[:, 1] = (y0 + xy[:, 1] * (y1 - y0)) / h
    return xy


class MediaPipeTracker:
    """Two people, one region each, MediaPipe pose + face per region, in parallel threads.

    Parameters
    ----------
    pose_model, face_model : paths of the ``.task`` bundles (see :mod:`synchrony.capture.bundles`).
    regions : (A, B) regions; default left and right halves.
    motion_threshold : grey-level change (0-255) counted as motion.
    crowd_check_every_s : how often (seconds of video) to count people in the whole frame;
        0 disables it.
    parallel : run the four tasks in their own threads (default) or one after another in
        the calling thread.
    """

    def __init__(
        self,
        *,
        pose_model: Path,
        face_model: Path,
        regions: tuple[Region, Region] = HALVES,
        motion_threshold: float = DEFAULT_MOTION_THRESHOLD,
        crowd_check_every_s: float = 2.0,
        parallel: bool = True,
    ) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        self.regions = regions
        self._motion = MotionEnergy(motion_threshold)
        self._crowd_every_s = crowd_check_every_s
        self._next_crowd_s = 0.0
        self._last_ms = -1
        self._lock = threading.Lock()
        self._warm = False
        with native_stderr_silenced():
            self._create_tasks(vision, BaseOptions, pose_model, face_model, crowd_check_every_s)
        # One single-thread worker per task object: frames reach each task in order.
        self._workers = [ThreadPoolExecutor(max_workers=1, thread_name_prefix="mediapipe")
                         for _ in range(4)] if parallel else None
        self._closed = False

    def _create_tasks(self, vision: Any, base_options: Any, pose_model: Path, face_model: Path,
                      crowd_check_every_s: float) -> None:
        BaseOptions = base_options  # noqa: N806 - MediaPipe's class name
        video = vision.RunningMode.VIDEO
        self._poses = [
            vision.PoseLandmarker.create_from_options(vision.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(pose_model)),
                running_mode=video, num_poses=1))
            for _ in PERSONS
        ]
        self._faces = [
            vision.FaceLandmarker.create_from_options(vision.FaceLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(face_model)),
                running_mode=video, num_faces=1, output_face_blendshapes=True,
                output_facial_transformation_matrixes=True))
            for _ in PERSONS
        ]
        self._crowd = (
            vision.FaceLandmarker.create_from_options(vision.FaceLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(face_model)),
                running_mode=vision.RunningMode.IMAGE, num_faces=3))
            if crowd_check_every_s > 0 else None
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every MediaPipe task (after ``close`` a task silently returns nothing)."""
        if self._closed:
            return
        self._closed = True
        for worker in self._workers or ():
            worker.shutdown(wait=True)
        with native_stderr_silenced():
            for task in [*self._poses, *self._faces, self._crowd]:
                if task is not None:
                    task.close()

    def _timestamp_ms(self, timestamp_s: float) -> int:
        """Strictly increasing integer milliseconds, as VIDEO mode demands."""
        ms = max(int(round(timestamp_s * 1000.0)), self._last_ms + 1)
        self._last_ms = ms
        return ms

    def track(self, frame: Frame) -> TrackedFrame:
        """Track both people in one frame."""
        return self.submit(frame).result()

    def submit(self, frame: Frame) -> PendingFrame:
        """Start tracking ``frame`` and return at once; ``.result()`` waits for it.

        Frames must be submitted in time order. While this frame's tasks run, the caller
        may submit the next frame: each task object works through its frames in order.
        """
        import mediapipe as mp

        if self._closed:
            raise RuntimeError("tracker is closed")
        t0 = time.perf_counter()
        first = not self._warm  # MediaPipe logs setup warnings on its first calls: silence them
        self._warm = True
        with self._lock, native_stderr_silenced() if first else nullcontext():
            ms = self._timestamp_ms(frame.timestamp_s)
            w, h = frame.size_px
            boxes = [r.to_px(w, h) for r in self.regions]
            crops = [mp.Image(image_format=mp.ImageFormat.SRGB,
                              data=np.ascontiguousarray(frame.image_rgb[y0:y1, x0:x1]))
                     for x0, y0, x1, y1 in boxes]
            jobs = [(self._pose_job, i) for i in range(2)] + [(self._face_job, i) for i in range(2)]
            if self._workers is not None:
                results: list[Any] = [
                    worker.submit(fn, i, crops[i], ms, boxes[i], (w, h))
                    for worker, (fn, i) in zip(self._workers, jobs, strict=True)]
                if first:
                    futures.wait(results)
            else:
                results = [fn(i, crops[i], ms, boxes[i], (w, h)) for fn, i in jobs]
            motion = self._motion.update(frame.image_rgb, boxes)
            n_people = None
            if self._crowd is not None and frame.timestamp_s >= self._next_crowd_s:
                self._next_crowd_s = frame.timestamp_s + self._crowd_every_s
                n_people = self._count_people(crops)
        return PendingFrame(frame, results, motion, n_people, self.regions, t0)

    def _pose_job(self, i: int, image: Any, ms: int, box: tuple[int, int, int, int],
                  size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        result = self._poses[i].detect_for_video(image, ms)
        if not result.pose_landmarks:
            return _nan(N_POSE_LANDMARKS, 2), _nan(N_POSE_LANDMARKS)
        lms = result.pose_landmarks[0]
        vis = np.array([lm.visibility if lm.visibility is not None else np.nan for lm in lms],
                       dtype=np.float32)
        xy = _landmarks_xy(lms, box, size)
        if not self.regions[i].contains(*pose_anchor(xy, vis)):
            return _nan(N_POSE_LANDMARKS, 2), _nan(N_POSE_LANDMARKS)
        return xy, vis

    def _face_job(self, i: int, image: Any, ms: int, box: tuple[int, int, int, int],
                  size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        result = self._faces[i].detect_for_video(image, ms)
        if not result.face_landmarks:
            return _nan(N_FACE_LANDMARKS, 2), _nan(4, 4), _nan(N_BLENDSHAPES)
        xy = _landmarks_xy(result.face_landmarks[0], box, size)
        if not self.regions[i].contains(*np.nanmean(xy, axis=0)):
            return _nan(N_FACE_LANDMARKS, 2), _nan(4, 4), _nan(N_BLENDSHAPES)
        matrix = (np.asarray(result.facial_transformation_matrixes[0], dtype=np.float32)
                  if result.facial_transformation_matrixes else _nan(4, 4))
        shapes = (np.array([c.score for c in result.face_blendshapes[0]], dtype=np.float32)
                  if result.face_blendshapes else _nan(N_BLENDSHAPES))
        return xy, matrix, shapes

    def _count_people(self, crops: Sequence[Any]) -> int:
        """People in view: faces found in each region by a multi-face pass, summed.

        A whole-frame ``num_poses > 1`` pass misses the second person too often to count
        with (measured here: 1 of 2 people on the demo clip), so each region is searched
        for up to three faces instead; a region with two faces means a third person.
        """
        assert self._crowd is not None
        return sum(len(self._crowd.detect(crop).face_landmarks) for crop in crops)


class PendingFrame:
    """A frame whose four task calls may still be running (see ``MediaPipeTracker.submit``)."""

    def __init__(self, frame: Frame, results: list[Any], motion: Sequence[float],
                 n_people: int | None, regions: tuple[Region, Region], t0: float) -> None:
        self._frame, self._results, self._motion = frame, results, motion
        self._n_people, self._regions, self._t0 = n_people, regions, t0

    def result(self) -> TrackedFrame:
        """Wait for the task calls and assemble the :class:`TrackedFrame`."""
        res = [r.result() if isinstance(r, Future) else r for r in self._results]
        people = tuple(
            PersonObservation(
                pose_xy_norm=res[i][0], pose_visibility=res[i][1],
                face_xy_norm=res[2 + i][0], head_matrix=res[2 + i][1],
                blendshapes=res[2 + i][2], motion_fraction=self._motion[i],
            )
            for i in range(2)
        )
        frame = self._frame
        return TrackedFrame(
            timestamp_s=frame.timestamp_s, index=frame.index, size_px=frame.size_px,
            people=(people[0], people[1]), regions=self._regions,
            n_people_in_view=self._n_people, processing_s=time.perf_counter() - self._t0,
        )
