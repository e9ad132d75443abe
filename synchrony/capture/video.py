"""Every frame of a video file, decoded in its own thread and tracked: :func:`track_video`.

Decoding runs ahead of tracking (a short queue, nothing dropped: a recorded video is
analysed frame by frame), and a tracker that can pipeline (``submit``, as
:class:`~synchrony.capture.tracking.MediaPipeTracker`) gets the next frame while the
slowest task of the previous one still runs (``FRAMES_IN_FLIGHT``). Frames are allocated
in the decoding thread and freed in the tracking one; glibc keeps such freed memory in
per-thread arenas instead of giving it back, which grew a process by about 0.3 MB per
frame (1.34 GB after 3,000 frames of the demo at 120 s, linear in the length), so every
``RELEASE_EVERY_FRAMES`` frames the free heap is handed back to the OS (``malloc_trim``;
0.61 GB peak on the same clip, 4 % slower). The decoding thread also flags each frame's
whole-frame event (duplicated frame, lighting step, camera bump:
:mod:`synchrony.capture.frame_events`) in :attr:`~synchrony.records.TrackedFrame.frame_event`;
the signals treat such frames as missing samples.
"""

from __future__ import annotations

import collections
import ctypes
import ctypes.util
import functools
import math
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from synchrony.capture.frame_events import FrameEventDetector
from synchrony.capture.sources import VideoFileSource, probe_video
from synchrony.errors import InputError
from synchrony.interrupts import InterruptPoints
from synchrony.progress import ProgressBar
from synchrony.records import Frame, PersonTracker, TrackedFrame

_POLL_S = 0.05
"""Longest wait (s) for the decoder before Ctrl-C/SIGTERM is looked at again."""
RELEASE_EVERY_FRAMES = 100
"""Frames tracked between two :func:`release_free_memory` calls (see the module docstring)."""
FRAMES_IN_FLIGHT = 2
"""Frames handed to a tracker that can pipeline (has ``submit``) before the oldest is awaited."""


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """Glibc's ``malloc_trim``, or None where the C library has none (macOS, musl)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def release_free_memory() -> None:
    """Give the heap's free pages back to the operating system (glibc); elsewhere nothing."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@dataclass(frozen=True, slots=True)
class TrackingRun:
    """Tracked frames of one video plus what the source said about itself."""

    frames: list[TrackedFrame]
    source: dict[str, Any]


def track_video(path: Path, tracker: PersonTracker, *, progress: bool = True) -> TrackingRun:
    """Decode every frame of ``path`` (in a reader thread) and track both people.

    ``source["frames_unreadable"]`` counts the frames lost to damage or a cut (the file
    source also logs a warning); the frames around them are analysed.
    """
    info = probe_video(path)
    frames: list[TrackedFrame] = []
    q: queue.Queue[tuple[Frame, str | None] | None | BaseException] = queue.Queue(maxsize=8)
    stop = threading.Event()
    lost = [0]  # frames the decoder could not read (set by the reader at the end)

    def reader() -> None:
        events = FrameEventDetector()
        try:
            with VideoFileSource(path) as src:
                while not stop.is_set():
                    frame = src.read()
                    q.put(None if frame is None else (frame, events.update(frame.image_rgb)))
                    if frame is None:
                        lost[0] = src.n_frames_unreadable
                        return
        except BaseException as exc:  # handed to the main thread
            q.put(exc)

    thread = threading.Thread(target=reader, name="decoder", daemon=True)
    thread.start()
    bar = ProgressBar("tracking frames", info.n_frames) if progress else None
    submit: Callable[[Frame], Any] | None = getattr(tracker, "submit", None)
    depth = FRAMES_IN_FLIGHT if submit is not None else 1
    if submit is None:
        submit = _Done.of(tracker)
    in_flight: collections.deque[tuple[Any, str | None]] = collections.deque()

    def collect() -> None:
        pending, event = in_flight.popleft()
        tracked = pending.result()
        frames.append(tracked if event is None else replace(tracked, frame_event=event))
        if len(frames) % RELEASE_EVERY_FRAMES == 0:
            release_free_memory()
        if bar:
            bar.update()

    with InterruptPoints() as interrupts:  # Ctrl-C/SIGTERM between frames, never inside a lock
        try:
            while True:
                interrupts.check()
                try:
                    item = q.get(timeout=_POLL_S)
                except queue.Empty:
                    continue
                if isinstance(item, BaseException):
                    raise item
                if item is None:
                    break
                in_flight.append((submit(item[0]), item[1]))
                if len(in_flight) >= depth:
                    collect()
            while in_flight:
                collect()
        finally:
            stop.set()
            while thread.is_alive():
                try:
                    q.get_nowait()
                except queue.Empty:
                    thread.join(timeout=_POLL_S)
            if bar:
                bar.close()
    if not frames:
        raise InputError(f"no frames could be decoded from {path}")
    timestamps = np.array([f.timestamp_s for f in frames])
    duration_s = float(timestamps[-1] - timestamps[0]) if len(frames) > 1 else 0.0
    fps = (len(frames) - 1) / duration_s if duration_s > 0 else (info.fps or math.nan)
    source = {"path": str(path), "fps": fps, "n_frames": len(frames), "duration_s": duration_s,
              "width_px": info.width, "height_px": info.height, "codec": info.codec,
              "nominal_fps": info.fps, "frames_unreadable": lost[0]}
    return TrackingRun(frames, source)


@dataclass(frozen=True, slots=True)
class _Done:
    """A frame tracked at once by a tracker without ``submit``, shaped like a pending one."""

    tracked: TrackedFrame

    def result(self) -> TrackedFrame:
        return self.tracked

    @staticmethod
    def of(tracker: PersonTracker) -> Callable[[Frame], _Done]:
        return lambda frame: _Done(tracker.track(frame))
