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


class _Pending:
    """A frame 'in flight' in :class:`_PipeliningTracker`."""

    def __init__(self, owner: _PipeliningTracker, tracked) -> None:  # type: ignore[no-untyped-def]
        self.owner, self.tracked = owner, tracked

    def result(self):  # type: ignore[no-untyped-def]
        self.owner.log.append(("result", self.tracked.index))
        self.owner.in_flight -= 1
        return self.tracked


class _PipeliningTracker(FakeTracker):
    """A tracker with ``submit``: logs submissions and results, counts frames in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[str, int]] = []
        self.in_flight = self.most_in_flight = 0

    def submit(self, frame):  # type: ignore[no-untyped-def]
        self.log.append(("submit", frame.index))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        return _Pending(self, self.track(frame))


def test_a_pipelining_tracker_gets_the_next_frame_before_the_last_result(tmp_path: Path
                                                                         ) -> None:
    """case -> expected: a tracker with ``submit`` -> frame t+1 submitted before frame t's
    result is awaited, never more than FRAMES_IN_FLIGHT outstanding, every frame returned
    once and in order (the last ones flushed at the end)."""
    tracker = _PipeliningTracker()
    clip = write_cfr_video(tmp_path, n_frames=40, fps=25.0)
    run = video.track_video(clip, tracker, progress=False)
    assert [f.index for f in run.frames] == list(range(40))
    assert tracker.most_in_flight == video.FRAMES_IN_FLIGHT == 2
    assert tracker.in_flight == 0
    assert tracker.log[:4] == [("submit", 0), ("submit", 1), ("result", 0), ("submit", 2)]
    assert [i for kind, i in tracker.log if kind == "result"] == list(range(40))
