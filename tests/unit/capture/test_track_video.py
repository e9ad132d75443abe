""":func:`synchrony.capture.video.track_video` without MediaPipe: every frame, heap handed back."""

from __future__ import annotations

from pathlib import Path

import pytest

from synchrony.capture import video
from tests.fixtures.live_fakes import FakeTracker
from tests.fixtures.video_files import write_cfr_video


def test_every_frame_is_tracked_and_free_memory_is_released_every_100_frames(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """case -> expected: 250 frames -> 250 tracked in order, the heap released after frames
    100 and 200 (glibc keeps memory freed across threads otherwise: module docstring)."""
    released: list[int] = []
    frames: list[int] = []
    tracker = FakeTracker()
    track = tracker.track

    def counting(frame):  # type: ignore[no-untyped-def]
        frames.append(frame.index)
        return track(frame)

    monkeypatch.setattr(tracker, "track", counting)
    monkeypatch.setattr(video, "release_free_memory", lambda: released.append(len(frames)))
    clip = write_cfr_video(tmp_path, n_frames=250, fps=25.0)
    run = video.track_video(clip, tracker, progress=False)
    assert len(run.frames) == 250
    assert frames == list(range(250))
    assert released == [100, 200]


def test_release_free_memory_runs_here() -> None:
    """glibc (this machine): the call goes through and returns; elsewhere it does nothing."""
    video.release_free_memory()
