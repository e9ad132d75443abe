"""The live runner flags repeated frames; the session stores the flag; analysis reads it back.

Frames are handed out in lockstep with the tracker (frame k once frame k-1 was tracked), so
none is dropped and the detector compares each frame with the one before it. Waiting is on
events with timeouts, never on sleeps.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from synchrony.live import CapturedFrame, LiveRunner, OutputBase
from synchrony.records import Frame, TrackedFrame
from synchrony.session.recorder import SessionRecorder
from synchrony.session.store import PART_SCHEMA, SessionWriter, open_session
from synchrony.signals.frame_events import find_frame_events
from tests.fixtures.sessions import StepClock, write_session
from tests.fixtures.tracked import dyad_frames

FPS = 20.0
TIMEOUT_S = 20.0
REPEATS = (5, 12, 19)


def moving_images(n: int) -> list[np.ndarray]:
    """Textured 160 x 120 frames of a bright bar sweeping across; ``REPEATS`` repeat."""
    rng = np.random.default_rng(0)
    wall = rng.integers(40, 200, (120, 160), dtype=np.uint8)
    images: list[np.ndarray] = []
    for k in range(n):
        if k in REPEATS:
            images.append(images[-1].copy())
            continue
        grey = wall.copy()
        grey[:, 4 * k:4 * k + 12] = 250
        images.append(np.repeat(grey[..., None], 3, axis=2))
    return images


class Tracker:
    """Prepared tracked frames by index; ``tracked`` is set after each frame."""

    def __init__(self, frames: Sequence[TrackedFrame]) -> None:
        self.frames, self.tracked = frames, threading.Event()

    def track(self, frame: Frame) -> TrackedFrame:
        self.tracked.set()
        return self.frames[frame.index]

    def close(self) -> None:
        pass


class Lockstep:
    """A file-like source giving frame k once frame k-1 was tracked."""

    is_live = False
    description = "lockstep frames"
    fps_hint = FPS
    size_px = (160, 120)

    def __init__(self, images: list[np.ndarray], tracker: Tracker) -> None:
        self.images, self.tracker, self.n_frames_hint = images, tracker, len(images)
        self._k = 0

    def read(self) -> Frame | None:
        if self._k >= len(self.images):
            return None
        if self._k > 0:
            assert self.tracker.tracked.wait(TIMEOUT_S), "frame never tracked"
            self.tracker.tracked.clear()
        self._k += 1
        return Frame(self.images[self._k - 1], (self._k - 1) / FPS, self._k - 1)

    def close(self) -> None:
        pass


class Events(OutputBase):
    """Keeps each tracked frame's event."""

    def __init__(self) -> None:
        self.events: dict[int, str | None] = {}

    def on_frame(self, tracked: TrackedFrame, captured: CapturedFrame) -> None:
        self.events[tracked.index] = tracked.frame_event


def test_runner_flags_repeats_and_the_session_keeps_them(tmp_path: Path) -> None:
    frames = dyad_frames(duration_s=1.5, fps=FPS)
    tracker = Tracker(frames)
    seen = Events()
    writer = SessionWriter(tmp_path / "s", source={}, fps=FPS, clock=StepClock(0.3))
    runner = LiveRunner(Lockstep(moving_images(len(frames)), tracker), lambda r: tracker,
                        outputs=[seen])
    runner.add_output(SessionRecorder(writer), required=True)
    assert runner.run() == "clean"
    assert len(seen.events) == len(frames)
    assert {k for k, e in seen.events.items() if e} == set(REPEATS)
    assert {seen.events[k] for k in REPEATS} == {"duplicate"}
    recorded = open_session(tmp_path / "s").frames()
    assert {f.index: f.frame_event for f in recorded} == seen.events
    assert [(e.frame_index, e.event) for e in find_frame_events(recorded)] == [
        (k, "duplicate") for k in REPEATS]


def test_old_session_without_the_column_still_loads(tmp_path: Path) -> None:
    """Parts written before the column existed read as "no event"; repeats found from landmarks."""
    frames = dyad_frames(duration_s=1.0, fps=FPS)
    frames[8] = replace(frames[7], timestamp_s=frames[8].timestamp_s, index=8)
    write_session(tmp_path / "s", frames)
    for part in sorted((tmp_path / "s" / "landmarks").glob("part-*.parquet")):
        table = pq.read_table(part)
        pq.write_table(table.drop_columns(["frame_event"]), part)
        assert "frame_event" not in pq.read_schema(part).names
    recorded = open_session(tmp_path / "s").frames()
    assert len(recorded) == len(frames)
    assert all(f.frame_event is None for f in recorded)
    assert [(e.frame_index, e.event) for e in find_frame_events(recorded)] == [(8, "duplicate")]
    assert "frame_event" in PART_SCHEMA.names
