"""Record a live run into a session: :class:`SessionRecorder`, an output of the live runner.

Attached to a :class:`~synchrony.live.runner.LiveRunner` (from the start, as ``record`` and
``monitor --record`` do, or while it runs, as the dashboard's Record button does), it

- takes the first frame captured after it was attached as the session's origin: frames
  are rebased so that the session starts at 0 s and frame 0 (a recording from the start of
  a file keeps the file's times and indices); tracked frames captured before the origin
  are skipped;
- writes every tracked frame into a crash-safe :class:`~synchrony.session.store.SessionWriter`
  (a part file about every second; rows are also flushed while no frame arrives) on its own
  thread, so that the tracking thread never waits for the disk (the first Parquet part of
  a process alone takes about a second);
- counts ``frames_captured`` (from the origin) and ``frames_dropped_by_tracker`` (captured
  frames the tracker skipped because a newer one was waiting); every captured frame is
  either recorded or dropped: at the end ``frames_recorded + frames_dropped_by_tracker =
  frames_captured``; stores the measured frame rate when the source gave none;
- with ``save_video``, encodes every captured frame as H.264 into ``video.mp4`` on another
  thread (fragmented MP4, timed by the rebased ``timestamp_s``). Capture waits when the
  encoder is more than ``video_queue_frames`` behind, so no frame is left out;
- ends the session "disk full" when the disk is full (what was written is kept) and then
  raises from its next call, so that the runner isolates it (or stops, when it was added
  as required);
- stores the Lab Streaming Layer clock at the origin frame's capture
  (``session.json`` ``lsl_clock.origin_lsl_time_s``, when liblsl is available): session
  time ``t`` was captured at LSL time ``origin_lsl_time_s + t``, which aligns the session
  with an XDF file from LabRecorder; LSL markers received live (:meth:`add_lsl_marker`)
  are stored in the session's markers with both times;
- closes the session with the run's ``ended`` ("clean", "interrupted", "source lost" …).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Generic, TypeVar

from synchrony.io.h264 import H264Writer
from synchrony.live.lsl import lsl_clock
from synchrony.live.outputs import OutputBase, ended_by, one_line
from synchrony.live.threads import CapturedFrame, Clock
from synchrony.live.timeline import SynchronyRow
from synchrony.records import Frame, TrackedFrame
from synchrony.session.store import VIDEO_FILE, SessionWriter

log = logging.getLogger(__name__)

VIDEO_QUEUE_FRAMES = 64
"""Frames the encoder may fall behind before capture waits (about 2 s at 30 fps)."""
WRITE_QUEUE_FRAMES = 512
"""Tracked frames the session writer may fall behind before tracking waits."""

T = TypeVar("T")
_END = object()
_FLUSH = object()


class _Worker(Generic[T]):
    """A thread that hands queued items, in order, to ``handle``; then calls ``finish``.

    An exception stops it and is kept in :attr:`error`; :meth:`put` then returns at once.
    """

    def __init__(self, name: str, handle: Callable[[T], None], finish: Callable[[], None],
                 maxsize: int) -> None:
        self.error: BaseException | None = None
        self._handle, self._finish = handle, finish
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=maxsize)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, item: T | object) -> None:
        """Queue ``item``; wait while the queue is full (unless the worker has stopped)."""
        while not self._done.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """Handle what is queued, finish, and wait for the thread."""
        self.put(_END)
        self._thread.join()

    def _run(self) -> None:
        try:
            while (item := self._queue.get()) is not _END:
                self._handle(item)
        except Exception as exc:  # noqa: BLE001 - kept; raised by the recorder's next call
            log.debug("%s stopped", self._thread.name, exc_info=exc)
            self.error = exc
        finally:
            self._done.set()
            try:
                self._finish()
            except Exception as exc:  # noqa: BLE001 - kept as above
                self.error = self.error or exc


class SessionRecorder(OutputBase):
    """Writes the frames of a live run into a session (see the module docstring).

    Parameters
    ----------
    writer : the open session.
    save_video : also encode every captured frame into ``writer.path / video.mp4``.
    fps_hint : nominal rate of the source in Hz (for the encoder's rate control).
    video_queue_frames : frames the encoder may fall behind before capture waits.
    clock : monotonic clock (s) for :attr:`started_s`.

    Attributes
    ----------
    n_captured, n_recorded : frames captured since the origin, and tracked frames written.
    video_frames : frames encoded into the video so far.
    failure : the error that ended the recording early (disk full …), else None.
    started_s : clock reading when the recorder was made.
    """

    name = status_key = "recording"

    def __init__(self, writer: SessionWriter, *, save_video: bool = False,
                 fps_hint: float | None = None, video_queue_frames: int = VIDEO_QUEUE_FRAMES,
                 clock: Clock = time.perf_counter) -> None:
        self.writer = writer
        self.save_video = save_video
        self.fps_hint = fps_hint
        self.started_s = clock()
        self.n_captured = 0
        self.n_recorded = 0
        self.video_frames = 0
        self.failure: BaseException | None = None
        self._lock = threading.Lock()  # origin, counts and closing
        self._origin: tuple[float, int] | None = None
        self.origin_lsl_time_s: float | None = None
        self._last_captured_s = 0.0
        self._last_recorded_index = -1
        self._closing = False
        self._closed = threading.Event()
        self._video: H264Writer | None = None
        self._writes: _Worker[Any] = _Worker("session-writer", self._write, lambda: None,
                                             WRITE_QUEUE_FRAMES)
        self._encoder: _Worker[Frame] | None = (
            _Worker("session-encoder", self._encode, self._close_video, video_queue_frames)
            if save_video else None)

    @property
    def path(self) -> Path:
        """The session directory."""
        return self.writer.path

    @property
    def closed(self) -> bool:
        """True once the session is closed."""
        return self.writer.closed

    # ------------------------------------------------------------------ output
    def on_capture(self, frame: Frame) -> None:
        """Count the frame (the first one is the origin) and queue it for the video."""
        self._raise_failure()
        with self._lock:
            if self._closing:
                return
            if self._origin is None:
                width, height = frame.size_px
                self.writer.update(source=self.writer.metadata["source"] | {
                    "width_px": width, "height_px": height})
                self._origin = (frame.timestamp_s, frame.index)
                self.origin_lsl_time_s = lsl_clock()
                if self.origin_lsl_time_s is not None:
                    self.writer.update(lsl_clock={
                        "origin_lsl_time_s": self.origin_lsl_time_s,
                        "meaning": "LSL time (pylsl.local_clock, s) at which session time 0 "
                                   "was captured: LSL time = origin_lsl_time_s + time_s"})
            t0, i0 = self._origin
            self.n_captured += 1
            self._last_captured_s = frame.timestamp_s - t0
        if self._encoder is not None:
            self._encoder.put(replace(frame, timestamp_s=frame.timestamp_s - t0,
                                      index=frame.index - i0))

    def on_frame(self, tracked: TrackedFrame, captured: CapturedFrame) -> None:
        """Queue one tracked frame (rebased) for the session.

        Frames captured before the origin are skipped. Raises the error that ended the
        recording (disk full …).
        """
        self._raise_failure()
        origin = self._origin
        if self._closing or origin is None or tracked.index < origin[1]:
            return
        t0, i0 = origin
        self._writes.put(replace(tracked, timestamp_s=tracked.timestamp_s - t0,
                                 index=tracked.index - i0))

    def on_rows(self, rows: Sequence[SynchronyRow]) -> None:
        """Keep the live synchrony timeline rows (rebased) for ``live_timeline.parquet``."""
        origin = self._origin
        if self._closing or origin is None or not rows:
            return
        t0 = origin[0]
        self.writer.write_timeline([row.as_dict() | {
            "window_start_s": row.window_start_s - t0, "window_end_s": row.window_end_s - t0}
            for row in rows])

    def add_lsl_marker(self, text: str, lsl_time_s: float) -> None:
        """Store a marker received over LSL at ``lsl_time_s`` (saved at once).

        Its session time is ``lsl_time_s - origin_lsl_time_s``; a marker that arrives before
        the first frame is placed at 0 s.
        """
        origin = self.origin_lsl_time_s
        time_s = max(0.0, lsl_time_s - origin) if origin is not None else 0.0
        self.writer.add_marker(time_s, text, lsl_time_s=lsl_time_s, source="lsl")

    def on_idle(self) -> None:
        """Have the buffered rows written if a part is due."""
        self._raise_failure()
        if not self._closing:
            self._writes.put(_FLUSH)

    def close(self, ended: str = "clean") -> None:
        """Finish the video, write the last rows and close the session with ``ended``.

        Never raises: a failure (disk full while writing the last part or the video) is
        kept in :attr:`failure` and in the session's ``ended``. A second call (e.g. the GUI
        thread while the runner closes it) waits until the first has finished.
        """
        with self._lock:
            closing, self._closing = self._closing, True
        if closing:
            self._closed.wait()
            return
        try:
            self._close(ended)
        finally:
            self._closed.set()

    def counts(self, *, final: bool = False) -> dict[str, Any]:
        """Frame counters for ``session.json`` (and the measured rate if none was known).

        Until ``final``, frames after the last recorded one are not yet counted as dropped
        (they may still be tracked).
        """
        settled = self.n_captured if final else self._last_recorded_index + 1
        counts: dict[str, Any] = {"frames_captured": self.n_captured,
                                  "frames_dropped_by_tracker": max(0, settled - self.n_recorded),
                                  "video_frames_written": self.video_frames}
        if self.writer.metadata.get("fps") is None and self.n_captured > 1 and (
                self._last_captured_s > 0):
            counts["fps"] = (self.n_captured - 1) / self._last_captured_s
        return counts

    # ------------------------------------------------------------------ internals
    def _raise_failure(self) -> None:
        """Raise the error that stopped the writer or the encoder, if any."""
        for worker in (self._writes, self._encoder):
            if worker is not None and worker.error is not None:
                self.failure = self.failure or worker.error
                raise worker.error

    def _close(self, ended: str) -> None:
        self._writes.close()
        if self._encoder is not None:
            self._encoder.close()
        for worker in (self._writes, self._encoder):
            if worker is not None and worker.error is not None and self.failure is None:
                self.failure = worker.error
                ended = ended_by(worker.error)
        if self.writer.closed:  # closed by a failure ("disk full", "error: …")
            return
        try:
            self.writer.update(**self.counts(final=True))
            self.writer.close(ended=ended)
        except OSError as exc:  # a full disk: the session says "disk full" already
            self.failure = self.failure or exc
            log.debug("closing %s failed: %s", self.path, one_line(exc))

    def _write(self, item: TrackedFrame | object) -> None:
        """Writer thread: one tracked frame, or a flush if due; an error closes the session."""
        try:
            if item is _FLUSH:
                self.writer.flush_if_due()
                return
            assert isinstance(item, TrackedFrame)
            self.writer.write(item)
            self.n_recorded += 1
            self._last_recorded_index = item.index
            self.writer.update(**self.counts())
        except Exception as exc:
            if not self.writer.closed:  # a full disk has closed it already
                self.writer.close(ended=ended_by(exc))
            raise

    def _encode(self, frame: Frame) -> None:
        """Write one captured frame into the video (encoder thread)."""
        if self._video is None:
            video = self.path / VIDEO_FILE  # created with the session's mode before any frame
            os.close(os.open(video, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                             self.writer.file_mode))
            os.chmod(video, self.writer.file_mode)
            self._video = H264Writer(video, size_px=frame.size_px, fps_hint=self.fps_hint,
                                     crash_safe=True)
        self._video.write(frame.image_rgb, frame.timestamp_s)
        self.video_frames = self._video.n_frames

    def _close_video(self) -> None:
        if self._video is not None:
            self._video.close()
