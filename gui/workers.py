"""The dashboard's Qt adapter around the live runner: :class:`LiveSession`.

The threads are :class:`synchrony.live.runner.LiveRunner`'s (capture -> one-slot mailbox ->
tracking -> :class:`~synchrony.live.pipeline.LivePipeline`, analysis off the tracking
thread). A :class:`_RunBridge`, one of the runner's outputs, turns what the runner reports
into Qt signals, queued to the GUI thread: each tracked frame (``record_ready``), each status
change (the banner) and the end of the run. Recording is another output, a
:class:`~synchrony.session.recorder.SessionRecorder` attached to the running runner (Record
button, R) or from its first frame (``monitor --record``).

Failures never reach Qt as exceptions: they are statuses in :attr:`LiveSession.messages`,
which the window shows in its banner. A camera or stream that stops delivering is reopened
every ``RETRY_S`` until it is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
from PyQt6 import QtCore

from synchrony.capture.factory import TrackerFactory
from synchrony.capture.sources import CameraSource, FrameSource, StreamSource, VideoFileSource
from synchrony.errors import InputError
from synchrony.live import CapturedFrame, LatestFrameMailbox, LiveParameters, LivePipeline
from synchrony.live.outputs import one_line
from synchrony.live.runner import RETRY_S, LiveRunner
from synchrony.records import HALVES, Region, TrackedFrame
from synchrony.session.recorder import SessionRecorder
from synchrony.session.store import SessionWriter

log = logging.getLogger(__name__)

SOURCE_KINDS = ("camera", "file", "stream")
STOP_TIMEOUT_S = 10.0
"""How long ``stop`` waits for the threads (a stream read may block a few seconds)."""

__all__ = ["RETRY_S", "SOURCE_KINDS", "LiveSession", "SourceChoice"]

PipelineFactory = Callable[[LatestFrameMailbox[CapturedFrame], LiveParameters], LivePipeline]


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
        """Return a recorded session's ``source`` block (size and rate come from the frames)."""
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


class _RunBridge(QtCore.QObject):
    """A runner output that re-emits what the runner reports as Qt signals.

    The signals are queued to the GUI thread, since they are emitted from the runner's threads.
    """

    status = QtCore.pyqtSignal(str, str, str)  # key, level ("" clears), text
    record_ready = QtCore.pyqtSignal(object)  # TrackedFrame
    finished = QtCore.pyqtSignal(str)  # how the run ended

    name = status_key = "dashboard"

    def on_frame(self, tracked: TrackedFrame, captured: CapturedFrame) -> None:
        """Announce the tracked frame (tracking thread)."""
        self.record_ready.emit(tracked)

    def on_status(self, key: str, level: str, text: str) -> None:
        """Forward a status change (any thread)."""
        self.status.emit(key, level, text)

    def close(self, ended: str) -> None:
        """Emit ``finished``: the run ended (called on the thread that ended it)."""
        self.finished.emit(ended)


class LiveSession(QtCore.QObject):
    """Owns one run (a :class:`LiveRunner` and its pipeline) and the recording, if any.

    Signals
    -------
    messages_changed : the status messages (``messages``) changed.
    running_changed(bool) : a run started or ended.
    record_ready(object) : a tracked frame was pushed (GUI thread).
    recording_changed(bool) : a recording started or ended (``recording``).

    Parameters
    ----------
    make_tracker : builds a tracker for the regions (on the tracking thread).
    make_pipeline : builds the pipeline of a run from its mailbox and parameters.
    recording_metadata : :class:`~synchrony.session.store.SessionWriter` keyword arguments
        kept in every recorded session (``parameters``, ``regions``, ``calibration``,
        ``participants``).
    regions : (A, B) tracking regions (default: ``recording_metadata["regions"]`` or halves).
    extra_outputs : builds more outputs of each run from its pipeline (e.g. the LSL outlets,
        :func:`synchrony.live.lsl.outlets_for`); an ``InputError`` from it stops the start
        with a message.
    marker_stream : name of an LSL marker stream whose markers go into the recording (and
        show as the latest message), or None.
    """

    messages_changed = QtCore.pyqtSignal()
    running_changed = QtCore.pyqtSignal(bool)
    record_ready = QtCore.pyqtSignal(object)
    recording_changed = QtCore.pyqtSignal(bool)

    def __init__(self, make_tracker: TrackerFactory, make_pipeline: PipelineFactory,
                 parent: QtCore.QObject | None = None,
                 recording_metadata: Mapping[str, Any] | None = None,
                 regions: tuple[Region, Region] | None = None,
                 extra_outputs: Callable[[LivePipeline], list[object]] | None = None,
                 marker_stream: str | None = None) -> None:
        super().__init__(parent)
        self._extra_outputs, self.marker_stream = extra_outputs, marker_stream
        self._markers: Any = None
        self._make_tracker, self._make_pipeline = make_tracker, make_pipeline
        self.recording_metadata = dict(recording_metadata or {})
        self.regions = regions or self.recording_metadata.get("regions") or HALVES
        self.recording: SessionRecorder | None = None
        self.pipeline: LivePipeline | None = None
        self.runner: LiveRunner | None = None
        self.source: SourceChoice | None = None
        self.messages: dict[str, tuple[str, str]] = {}
        self.n_records = 0
        self._bridge: _RunBridge | None = None

    @property
    def running(self) -> bool:
        """True between ``start`` and ``stop`` (or the end of the run)."""
        return self.runner is not None

    def start(self, source: SourceChoice, parameters: LiveParameters,
              open_source: Callable[[], FrameSource] | None = None, *,
              record_to: Path | None = None,
              record_parameters: Mapping[str, Any] | None = None) -> None:
        """Start capturing ``source`` (``open_source`` overrides how it is opened).

        With ``record_to``, the run is recorded into that new session from its first frame
        (see :meth:`start_recording`; a refused directory is reported, the run goes on).
        """
        self.stop()
        self.source, self.n_records = source, 0
        self.messages.clear()
        mailbox: LatestFrameMailbox[CapturedFrame] = LatestFrameMailbox()
        try:
            self.pipeline = self._make_pipeline(mailbox, parameters)
        except ValueError as exc:
            self._set_message("parameters", "error", f"not started: {one_line(exc)}")
            return
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        bridge = _RunBridge(self)
        bridge.status.connect(self._on_status)
        bridge.record_ready.connect(self._on_record)
        bridge.finished.connect(self._on_finished)
        self._bridge = bridge
        try:
            extra = self._extra_outputs(self.pipeline) if self._extra_outputs else []
        except (InputError, OSError) as exc:
            self._set_message("outputs", "error", f"not started: {one_line(exc)}")
            return
        self.runner = LiveRunner(open_source or source.open, self._make_tracker,
                                 regions=self.regions, pipeline=self.pipeline, mailbox=mailbox,
                                 outputs=[bridge, *extra], description=source.describe(),
                                 retry=source.is_live)
        if self.marker_stream:
            from synchrony.live.lsl_markers import MarkerInlet

            self._markers = MarkerInlet(self.marker_stream, self._on_marker,
                                        self.runner.report).start()
        if record_to is not None:
            self.start_recording(record_to, record_parameters)
        self.runner.start()
        self.messages_changed.emit()
        self.running_changed.emit(True)

    def stop(self, timeout_s: float = STOP_TIMEOUT_S, ended: str = "clean") -> None:
        """Stop the run and wait for its threads (the tracker is closed by its thread).

        Then close the recording, if any, with ``ended``.
        """
        runner, self.runner = self.runner, None
        markers, self._markers = self._markers, None
        if markers is not None:
            markers.stop()
        if runner is None:
            self.stop_recording(ended)
            return
        bridge, self._bridge = self._bridge, None  # what the old run reports is ignored
        runner.stop(ended)
        if runner.join(timeout_s):
            if bridge is not None:
                bridge.deleteLater()
        else:
            log.warning("the live threads did not stop within %g s", timeout_s)
        self.stop_recording(ended)
        self.running_changed.emit(False)

    def start_recording(self, path: Path, parameters: Mapping[str, Any] | None = None) -> bool:
        """Record every tracked frame of the current run into a new session at ``path``.

        ``parameters`` are added to ``recording_metadata["parameters"]``. Returns False
        (reason in ``messages["recording"]``) when not running or ``path`` is refused.
        """
        if self.recording is not None:
            return True
        if self.runner is None or self.source is None:
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
        recorder = SessionRecorder(writer)
        if not self.runner.add_output(recorder):
            recorder.close("clean")
            self._set_message("recording", "error", "not recording: the run has ended")
            return False
        self.recording = recorder
        self._set_message("recording", "", "")
        self.recording_changed.emit(True)
        return True

    def stop_recording(self, ended: str = "clean") -> None:
        """Close the recording (the last rows and ``session.json`` are written)."""
        recording, self.recording = self.recording, None
        if recording is None:
            return
        if self.runner is not None:
            self.runner.remove_output(recording)
        recording.close(ended)  # does nothing if the run has closed it already
        if recording.failure is not None:
            self._set_message("recording", "error",
                              f"recording stopped: {one_line(recording.failure)}")
        self.recording_changed.emit(False)

    def _on_marker(self, text: str, lsl_time_s: float) -> None:
        """Store an LSL marker (inlet thread) in the recording, if one is running."""
        recording = self.recording
        if recording is not None and not recording.closed:
            recording.add_lsl_marker(text, lsl_time_s)

    def _set_message(self, key: str, level: str, text: str) -> None:
        if level:
            self.messages[key] = (level, text)
        else:
            self.messages.pop(key, None)
        self.messages_changed.emit()

    def _current(self) -> bool:
        """Tell whether the signal comes from the current run (not one already stopped)."""
        return self._bridge is not None and self.sender() is self._bridge

    @QtCore.pyqtSlot(str, str, str)
    def _on_status(self, key: str, level: str, text: str) -> None:
        if not self._current():
            return
        self._set_message(key, level, text)
        if key == "recording" and self.recording is not None and self.recording.closed:
            self.recording = None  # the recorder failed (disk full …): the runner closed it
            self.recording_changed.emit(False)

    @QtCore.pyqtSlot(object)
    def _on_record(self, record: object) -> None:
        if not self._current():
            return
        self.n_records += 1
        self.record_ready.emit(record)

    @QtCore.pyqtSlot(str)
    def _on_finished(self, ended: str) -> None:
        """Handle the run ending by itself (end of the video, tracker failure, source lost)."""
        if not self._current():
            return
        bridge, self._bridge, self.runner = self._bridge, None, None
        if bridge is not None:
            bridge.deleteLater()  # the run has closed its outputs: nothing emits any more
        self.stop_recording(ended)
        self.running_changed.emit(False)
