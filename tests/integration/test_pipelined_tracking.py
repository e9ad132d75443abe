"""MediaPipe tracking with frames in flight equals tracking one frame at a time.

``track_video`` hands :class:`~synchrony.capture.tracking.MediaPipeTracker` the next frame
while the previous one's slowest task still runs; each task object still sees its frames in
order, so the landmarks must be exactly those of calling ``track`` frame by frame.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from synchrony.capture.factory import find_models
from synchrony.capture.sources import VideoFileSource
from synchrony.capture.tracking import MediaPipeTracker
from synchrony.capture.video import track_video
from tests.shared import REPO_ROOT

DEMO = REPO_ROOT / "sample_videos" / "demo_dyad_a_leads_0.5s.mp4"
N_FRAMES = 60


def _first_frames_clip(tmp_path: Path) -> Path:
    """The demo's first ``N_FRAMES`` frames, losslessly (FFV1)."""
    out = tmp_path / "first.mkv"
    with VideoFileSource(DEMO) as src:
        first = src.read()
        assert first is not None
        w, h = first.size_px
        writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"FFV1"), 25.0, (w, h))
        frame = first
        for _ in range(N_FRAMES):
            assert frame is not None
            writer.write(cv2.cvtColor(frame.image_rgb, cv2.COLOR_RGB2BGR))
            frame = src.read()
        writer.release()
    return out


def test_frames_in_flight_give_the_landmarks_of_one_frame_at_a_time(tmp_path: Path) -> None:
    """case -> expected: 60 demo frames, pipelined vs ``track`` per frame -> identical
    pose, face, head matrix and blendshape arrays for both people in every frame."""
    clip = _first_frames_clip(tmp_path)
    models = find_models()
    with MediaPipeTracker(pose_model=models.pose, face_model=models.face) as tracker:
        pipelined = track_video(clip, tracker, progress=False).frames
    with MediaPipeTracker(pose_model=models.pose, face_model=models.face) as tracker, \
            VideoFileSource(clip) as src:
        one_by_one = [tracker.track(frame) for frame in iter(src.read, None)]
    assert len(pipelined) == len(one_by_one) == N_FRAMES
    found = 0
    for p, s in zip(pipelined, one_by_one, strict=True):
        assert p.index == s.index
        for pp, sp in zip(p.people, s.people, strict=True):
            for field in ("pose_xy_norm", "pose_visibility", "face_xy_norm", "head_matrix",
                          "blendshapes"):
                np.testing.assert_array_equal(getattr(pp, field), getattr(sp, field))
            found += int(np.isfinite(pp.pose_xy_norm).all())
    assert found >= N_FRAMES  # both people tracked in most frames: the comparison is not vacuous
