"""Capture and tracking threads of the dashboard: QObject workers moved to QThreads.

capture thread --CapturedFrame--> LatestFrameMailbox (one slot, drops counted)
--> tracking thread (builds the tracker inside ``run``, closes it on exit)
--> ``LivePipeline.push`` + ``record_ready`` (immutable TrackedFrame) --> GUI thread;
analysis thread: ``LivePipeline.update`` (grid, signals, WCC) whenever due.

Both loops stop on a ``threading.Event``. Failures are never raised into Qt: they become
``status(level, text)`` signals that the window shows in its banner. A camera or stream
that stops delivering (unplugged, dropped) is reopened every ``retry_s`` until it is back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
from PyQt6 import QtCore

from synchrony.errors import InputError
from synchrony.live import CapturedFrame, LatestFrameMailbox, LiveParameters, LivePipeline
from synchrony.sources import CameraSource, FrameSource, StreamSource, VideoFileSource
from synchrony.tracking import PersonTracker

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

    def open(self) -> FrameSource:
        """Open the source (files are paced at real time, like a camera)."""
        if self.kind == "camera":
            return CameraSource(int(self.value))
        if self.kind == "stream":
            return StreamSource(str(self.value))
        return VideoFileSource(str(self.value), realtime=True, loop=self.loop)


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
    finished = QtCore.pyqtSignal()

    def __init__(self, make_tracker: Callable[[], PersonTracker],
                 mailbox: LatestFrameMailbox[CapturedFrame], pipeline: LivePipeline,
                 stop: threading.Event) -> None:
        super().__init__()
        self._make_tracker, self._mailbox = make_tracker, mailbox
        self._pipeline, self._stop = pipeline, stop

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
                if item is None:
                    continue
                record = tracker.track(item.frame)
                self._pipeline.push(record, image_rgb=item.frame.image_rgb,
                                    captured_s=item.captured_s)
                self.record_ready.emit(record)
        except Exception as exc:  # noqa: BLE001
            self.status.emit("error", f"tracking stopped: {type(exc).__name__}: {one_line(exc)}")
        finally:
            tracker.close()
            self.finished.emit()


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
    """

    messages_changed = QtCore.pyqtSignal()
    running_changed = QtCore.pyqtSignal(bool)
    record_ready = QtCore.pyqtSignal(object)

    def __init__(self, make_tracker: Callable[[], PersonTracker],
                 make_pipeline: Callable[[LatestFrameMailbox[CapturedFrame], LiveParameters],
                                         LivePipeline],
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._make_tracker, self._make_pipeline = make_tracker, make_pipeline
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
        tracking = TrackingWorker(self._make_tracker, self._mailbox, self.pipeline, self._stop)
        workers: list[CaptureWorker | TrackingWorker | AnalysisWorker] = [capture, tracking]
        if not self.pipeline.auto_update:
            workers.append(AnalysisWorker(self.pipeline, self._stop))
            workers[-1].status.connect(self._on_analysis_status)
        capture.status.connect(self._on_capture_status)
        tracking.status.connect(self._on_tracking_status)
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

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop both threads and wait for them (the tracker is closed by its thread)."""
        if not self._threads:
            return
        self._stop.set()
        if self._mailbox is not None:
            self._mailbox.close()
        for thread in self._threads:
            thread.quit()
            thread.wait(int(timeout_s * 1000))
            thread.deleteLater()
        self._threads, self._workers = [], []
        self.running_changed.emit(False)

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
        if not self._stop.is_set():  # the tracker failed: nothing left to do
            self.stop()
