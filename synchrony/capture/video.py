"""Every frame of a video file, decoded in its own thread and tracked: :func:`track_video`.

Decoding runs ahead of tracking (a short queue, nothing dropped: a recorded video is
analysed frame by frame). The decoding thread also flags each frame's whole-frame event
(duplicated frame, lighting step, camera bump: :mod:`synchrony.capture.frame_events`) in
:attr:`~synchrony.records.TrackedFrame.frame_event`; the signals treat such frames as
missing samples.
"""

from __future__ import annotations

import math
import queue
import threading
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
                frame, event = item
                tracked = tracker.track(frame)
                frames.append(tracked if event is None else replace(tracked, frame_event=event))
                if bar:
                    bar.update()
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
