"""Capture and tracking threads of the dashboard: QObject workers moved to QThreads.

capture thread --CapturedFrame--> LatestFrameMailbox (one slot, drops counted)
--> tracking thread (builds the tracker inside ``run``, closes it on exit)
--> ``LivePipeline.push`` + ``record_ready`` (immutable TrackedFrame) --> GUI thread;
analysis thread: ``LivePipeline.update`` (grid, signals, WCC) whenever due.
While recording, the tracking thread also writes every tracked frame into a
:class:`LiveRecording` (a crash-safe :class:`~synchrony.session.store.SessionWriter`).

Both loops stop on a ``threading.Event``. Failures are never raised into Qt: they become
``status(level, text)`` signals that the window shows in its banner. A camera or stream
that stops delivering (unplugged, dropped) is reopened every ``retry_s`` until it is back.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cv2
from PyQt6 import QtCore

from synchrony.capture.sources import CameraSource, FrameSource, StreamSource, VideoFileSource
from synchrony.errors import InputError
from synchrony.live import CapturedFrame, LatestFrameMailbox, LiveParameters, LivePipeline
from synchrony.records import PersonTracker, TrackedFrame
from synchrony.session.store import SessionWriter

SOURCE_KINDS = ("camera", "file", "stream")
RETRY_S = 1.0
"""Seconds between attempts to (re)open a camera or stream."""
STALL_S = 1.0
"""A live source silent for this long (s) is reported and reopened."""


def one_line(exc: BaseException) -> str:
    """An exception as one line of text (no traceback)."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


@dataclass(frozen=True, slots=True)
class SourceChoice:
    """What to capture: ``kind`` "camera" (value = index), "file" (path) or "stream" (URL)."""

    kind: str
    value: str | int
    loop: bool = False

    def __post_init__(self) -> None:
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"kind must be one of {', '.join(SOURCE_KINDS)}, got {self.kind!r}")

    @property
    def is_live(self) -> bool:
        """Cameras and streams: retried when missing, reopened when they stall."""
        return self.kind != "file"

    def describe(self) -> str:
        """Short name for the status bar."""
        if self.kind == "file":
            return f"file {Path(str(self.value)).name}" + (" (looped)" if self.loop else "")
        return f"{self.kind} {self.value}"

    def session_block(self) -> dict[str, Any]:
        """The ``source`` block of a recorded session (size and rate come from the frames)."""
        block: dict[str, Any] = {"kind": self.kind, "description": self.describe()}
        if self.kind == "file":
            block["path"] = str(Path(str(self.value)).resolve())
        return block

    def open(self) -> FrameSource:
        """Open the source (files are paced at real time, like a camera)."""
        if self.kind == "camera":
            return CameraSource(int(self.value))
        if self.kind == "stream":
            return StreamSource(str(self.value))
        return VideoFileSource(str(self.value), realtime=True, loop=self.loop)


class LiveRecording:
    """A session being recorded while monitoring; written by the tracking thread.

    Frames are rebased so that the session starts at 0 s and frame 0; ``frames_captured``
    and ``frames_dropped_by_tracker`` count from the start of the recording, and the
    measured frame rate is stored at the end. Thread-safe: ``close`` (GUI thread) and
    ``write`` (tracking thread) may race; a frame arriving after ``close`` is ignored.
    """

    def __init__(self, writer: SessionWriter,
                 mailbox: LatestFrameMailbox[CapturedFrame] | None) -> None:
        self.writer = writer
        self.started_s = time.perf_counter()
        self._mailbox = mailbox
        self._base = (mailbox.n_put, mailbox.n_dropped) if mailbox else (0, 0)
        self._origin: tuple[float, int] | None = None
        self._last_s = 0.0
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        """The session directory."""
        return self.writer.path

    def write(self, record: TrackedFrame) -> None:
        """Write one tracked frame (tracking thread); on failure the session is closed
        (``ended: "error: …"`` or ``"disk full"``) and the error raised."""
        self._guarded(functools.partial(self._write, record))

    def flush_if_due(self) -> None:
        """Write the buffered rows if a part is due (called while no frame arrives)."""
        self._guarded(self.writer.flush_if_due)

    def _write(self, record: TrackedFrame) -> None:
        if self._origin is None:
            self._origin = (record.timestamp_s, record.index)
            width, height = record.size_px
            self.writer.update(source=self.writer.metadata["source"] | {
                "width_px": width, "height_px": height})
        t0, i0 = self._origin
        self._last_s = record.timestamp_s - t0
        self.writer.write(replace(record, timestamp_s=self._last_s, index=record.index - i0))
        self.writer.update(**self._counts())

    def _guarded(self, step: Callable[[], None]) -> None:
        """Run ``step`` under the lock unless closed; an error closes the session."""
        with self._lock:
            if self.writer.closed:
                return
            try:
                step()
            except Exception as exc:
                if not self.writer.closed:
                    self.writer.close(ended=f"error: {type(exc).__name__}")
                raise

    def close(self, ended: str = "clean") -> None:
        """Write the last rows and close the session (raises DiskFullError if it cannot)."""
        with self._lock:
            if not self.writer.closed:
                self.writer.update(**self._counts())
                self.writer.close(ended=ended)

    def _counts(self) -> dict[str, Any]:
        mailbox = self._mailbox
        n_captured = mailbox.n_put - self._base[0] if mailbox else 0
        counts: dict[str, Any] = {
            "frames_captured": n_captured,
            "frames_dropped_by_tracker": mailbox.n_dropped - self._base[1] if mailbox else 0}
        if n_captured > 1 and self._last_s > 0:
            counts["fps"] = (n_captured - 1) / self._last_s
        return counts


class CaptureWorker(QtCore.QObject):
    """Reads frames as fast as the source gives them into the mailbox."""

    status = QtCore.pyqtSignal(str, str)  # level ("" clears, "info", "warning", "error"), text
    finished = QtCore.pyqtSignal()

    def __init__(self, open_source: Callable[[], FrameSource], description: str,
                 mailbox: LatestFrameMailbox[CapturedFrame], stop: threading.Event, *,
                 retry: bool, retry_s: float = RETRY_S, stall_s: float = STALL_S) -> None:
        super().__init__()
        self._open_source, self._description = open_source, description
        self._mailbox, self._stop = mailbox, stop
        self._retry, self._retry_s, self._stall_s = retry, retry_s, stall_s

    @QtCore.pyqtSlot()
    def run(self) -> None:
        """Capture until stopped, the file ends, or a file cannot be opened."""
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        source: FrameSource | None = None
        try:
            while not self._stop.is_set():
                if source is None:
                    source = self._try_open()
                    if source is None and not self._retry:
                        break
                    last_frame_s, stalled = time.perf_counter(), False
                    continue
                frame = source.read()
                if frame is not None:
                    self._mailbox.put(CapturedFrame(frame, time.perf_counter()))
                    last_frame_s = time.perf_counter()
                    if stalled:
                        stalled = False
                        self.status.emit("", "")
                elif not source.is_live:
                    self.status.emit("info", f"{self._description}: end of the video")
                    break
                elif time.perf_counter() - last_frame_s >= self._stall_s:
                    stalled = True
                    self.status.emit("warning", f"{self._description}: no frames (unplugged or "
                                     f"dropped?); reconnecting every {self._retry_s:g} s")
                    self._reopen(source)
                else:
                    self._stop.wait(0.005)
        except Exception as exc:  # noqa: BLE001 - shown in the banner, never a traceback
            self.status.emit("error", f"capture stopped: {one_line(exc)}")
        finally:
            if source is not None:
                source.close()
            self.finished.emit()

    def _try_open(self) -> FrameSource | None:
        try:
            source = self._open_source()
        except (InputError, OSError) as exc:
            retry = f"; retrying every {self._retry_s:g} s" if self._retry else ""
            self.status.emit("error", f"{one_line(exc)}{retry}")
            self._stop.wait(self._retry_s)
            return None
        self.status.emit("", "")
        return source

    def _reopen(self, source: FrameSource) -> None:
        reopen = getattr(source, "reopen", None)
        try:
            if reopen is not None:
                reopen()
        except (InputError, OSError):
            pass
        self._stop.wait(self._retry_s)


class TrackingWorker(QtCore.QObject):
    """Tracks the newest frame, pushes it into the pipeline and announces the record."""

    record_ready = QtCore.pyqtSignal(object)  # TrackedFrame
    status = QtCore.pyqtSignal(str, str)
    recording_failed = QtCore.pyqtSignal(str)
    finished = QtCore.pyqtSignal()

    def __init__(self, make_tracker: Callable[[], PersonTracker],
                 mailbox: LatestFrameMailbox[CapturedFrame], pipeline: LivePipeline,
                 stop: threading.Event,
                 recording: Callable[[], LiveRecording | None] = lambda: None) -> None:
        super().__init__()
        self._make_tracker, self._mailbox = make_tracker, mailbox
        self._pipeline, self._stop = pipeline, stop
        self._recording = recording

    @QtCore.pyqtSlot()
    def run(self) -> None:
        """Build the tracker here (its thread), track until stopped, close it."""
        try:
            tracker = self._make_tracker()
        except Exception as exc:  # noqa: BLE001 - model missing, bad bundle: banner
            self.status.emit("error", one_line(exc))
            self.finished.emit()
            return
        try:
            while not self._stop.is_set():
                item = self._mailbox.get(timeout=0.1)
                recording = self._recording()
                if item is None:
                    if recording is not None:
                        self._record(recording.flush_if_due)
                    continue
                record = tracker.track(item.frame)
                if recording is not None:
                    self._record(functools.partial(recording.write, record))
                self._pipeline.push(record, image_rgb=item.frame.image_rgb,
                                    captured_s=item.captured_s)
                self.record_ready.emit(record)
        except Exception as exc:  # noqa: BLE001
            self.status.emit("error", f"tracking stopped: {type(exc).__name__}: {one_line(exc)}")
        finally:
            tracker.close()
            self.finished.emit()

    def _record(self, step: Callable[[], None]) -> None:
        """Run a recording step; a failure stops the recording, never the tracking."""
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - disk full, permissions: banner
            self.recording_failed.emit(one_line(exc))


class AnalysisWorker(QtCore.QObject):
    """Runs ``pipeline.update()`` (grid, signals, WCC, chance level) off the tracking thread,
    so that tracking never waits for it."""

    status = QtCore.pyqtSignal(str, str)
    finished = QtCore.pyqtSignal()

    def __init__(self, pipeline: LivePipeline, stop: threading.Event,
                 period_s: float = 0.05) -> None:
        super().__init__()
        self._pipeline, self._stop, self._period_s = pipeline, stop, period_s

    @QtCore.pyqtSlot()
    def run(self) -> None:
        """Update whenever due until stopped."""
        try:
            while not self._stop.is_set():
                if not self._pipeline.update():
                    self._stop.wait(self._period_s)
        except Exception as exc:  # noqa: BLE001
            self.status.emit("error", f"analysis stopped: {type(exc).__name__}: "
                             f"{one_line(exc)}")
        finally:
            self.finished.emit()


class LiveSession(QtCore.QObject):
    """Owns one run: mailbox, pipeline, the workers and their threads.

    Signals
    -------
    messages_changed : the status messages (``messages``) changed.
    running_changed(bool) : a run started or ended.
    record_ready(object) : a tracked frame was pushed (GUI thread).
    recording_changed(bool) : a recording started or ended (``recording``).

    ``recording_metadata`` holds :class:`~synchrony.session.store.SessionWriter` keyword
    arguments kept in every recorded session (``parameters``, ``regions``,
    ``calibration``, ``participants``).
    """

    messages_changed = QtCore.pyqtSignal()
    running_changed = QtCore.pyqtSignal(bool)
    record_ready = QtCore.pyqtSignal(object)
    recording_changed = QtCore.pyqtSignal(bool)

    def __init__(self, make_tracker: Callable[[], PersonTracker],
                 make_pipeline: Callable[[LatestFrameMailbox[CapturedFrame], LiveParameters],
                                         LivePipeline],
                 parent: QtCore.QObject | None = None,
                 recording_metadata: Mapping[str, Any] | None = None) -> None:
        super().__init__(parent)
        self._make_tracker, self._make_pipeline = make_tracker, make_pipeline
        self.recording_metadata = dict(recording_metadata or {})
        self.recording: LiveRecording | None = None
        self.pipeline: LivePipeline | None = None
        self.source: SourceChoice | None = None
        self.messages: dict[str, tuple[str, str]] = {}
        self.n_records = 0
        self._stop = threading.Event()
        self._mailbox: LatestFrameMailbox[CapturedFrame] | None = None
        self._threads: list[QtCore.QThread] = []
        self._workers: list[QtCore.QObject] = []

    @property
    def running(self) -> bool:
        """True between ``start`` and ``stop`` (or a fatal tracking error)."""
        return bool(self._threads)

    def start(self, source: SourceChoice, parameters: LiveParameters,
              open_source: Callable[[], FrameSource] | None = None) -> None:
        """Start capturing ``source`` (``open_source`` overrides how it is opened)."""
        self.stop()
        self.source, self.n_records = source, 0
        self.messages.clear()
        self._stop = threading.Event()
        self._mailbox = LatestFrameMailbox()
        try:
            self.pipeline = self._make_pipeline(self._mailbox, parameters)
        except ValueError as exc:
            self._set_message("parameters", "error", f"not started: {one_line(exc)}")
            return
        capture = CaptureWorker(open_source or source.open, source.describe(), self._mailbox,
                                self._stop, retry=source.is_live)
        tracking = TrackingWorker(self._make_tracker, self._mailbox, self.pipeline, self._stop,
                                  lambda: self.recording)
        workers: list[CaptureWorker | TrackingWorker | AnalysisWorker] = [capture, tracking]
        if not self.pipeline.auto_update:
            workers.append(AnalysisWorker(self.pipeline, self._stop))
            workers[-1].status.connect(self._on_analysis_status)
        capture.status.connect(self._on_capture_status)
        capture.finished.connect(self._on_capture_finished)
        tracking.status.connect(self._on_tracking_status)
        tracking.recording_failed.connect(self._on_recording_failed)
        tracking.record_ready.connect(self._on_record)
        tracking.finished.connect(self._on_tracking_finished)
        for worker in workers:
            thread = QtCore.QThread(self)
            worker.moveToThread(thread)
            thread.started.connect(worker.run)
            worker.finished.connect(thread.quit)
            self._threads.append(thread)
            self._workers.append(worker)
        for thread in self._threads:
            thread.start()
        self.messages_changed.emit()
        self.running_changed.emit(True)

    def stop(self, timeout_s: float = 10.0, ended: str = "clean") -> None:
        """Stop the threads and wait for them (the tracker is closed by its thread), then
        close the recording, if any, with ``ended``."""
        if not self._threads:
            self.stop_recording(ended)
            return
        self._stop.set()
        if self._mailbox is not None:
            self._mailbox.close()
        for thread in self._threads:
            thread.quit()
            thread.wait(int(timeout_s * 1000))
            thread.deleteLater()
        self._threads, self._workers = [], []
        self.stop_recording(ended)
        self.running_changed.emit(False)

    def start_recording(self, path: Path, parameters: Mapping[str, Any] | None = None) -> bool:
        """Record every tracked frame of the current run into a new session at ``path``.

        ``parameters`` are added to ``recording_metadata["parameters"]``. Returns False
        (reason in ``messages["recording"]``) when not running or ``path`` is refused.
        """
        if self.recording is not None:
            return True
        if not self.running or self.source is None:
            self._set_message("recording", "error", "not recording: nothing is running")
            return False
        metadata = dict(self.recording_metadata)
        metadata["parameters"] = dict(metadata.get("parameters") or {}) | dict(parameters or {})
        try:
            writer = SessionWriter(path, source=self.source.session_block(), fps=None,
                                   **metadata)
        except (InputError, OSError) as exc:
            self._set_message("recording", "error", f"not recording: {one_line(exc)}")
            return False
        self.recording = LiveRecording(writer, self._mailbox)
        self._set_message("recording", "", "")
        self.recording_changed.emit(True)
        return True

    def stop_recording(self, ended: str = "clean") -> None:
        """Close the recording (the last rows and ``session.json`` are written)."""
        recording, self.recording = self.recording, None
        if recording is None:
            return
        try:
            recording.close(ended)
        except Exception as exc:  # noqa: BLE001 - disk full and the like: banner
            self._set_message("recording", "error", f"recording stopped: {one_line(exc)}")
        self.recording_changed.emit(False)

    def _set_message(self, key: str, level: str, text: str) -> None:
        if level:
            self.messages[key] = (level, text)
        else:
            self.messages.pop(key, None)
        self.messages_changed.emit()

    @QtCore.pyqtSlot(str, str)
    def _on_capture_status(self, level: str, text: str) -> None:
        self._set_message("source", level, text)

    @QtCore.pyqtSlot(str, str)
    def _on_tracking_status(self, level: str, text: str) -> None:
        self._set_message("tracking", level, text)

    @QtCore.pyqtSlot()
    def _on_capture_finished(self) -> None:
        if self.sender() in self._workers and not self._stop.is_set():
            lost = self.messages.get("source", ("", ""))[0] == "error"
            self.stop_recording("source lost" if lost else "clean")

    @QtCore.pyqtSlot(str)
    def _on_recording_failed(self, text: str) -> None:
        if self.sender() in self._workers and self.recording is not None:
            self.stop_recording(f"error: {text}")
            self._set_message("recording", "error", f"recording stopped: {text}")

    @QtCore.pyqtSlot(str, str)
    def _on_analysis_status(self, level: str, text: str) -> None:
        self._set_message("analysis", level, text)

    @QtCore.pyqtSlot(object)
    def _on_record(self, record: object) -> None:
        if self.sender() not in self._workers:  # queued from a run already stopped
            return
        self.n_records += 1
        self.record_ready.emit(record)

    @QtCore.pyqtSlot()
    def _on_tracking_finished(self) -> None:
        # the tracker failed: nothing left to do (a run already stopped is not this one)
        if self.sender() in self._workers and not self._stop.is_set():
            self.stop(ended="error: tracking stopped")
