"""Main window: video (centre), controls and gauge (right), traces and WCC (bottom), status.

The window never computes: a ~30 Hz timer takes ``pipeline.snapshot()`` and hands its
arrays to the widgets, redrawing only when the snapshot's version changed. Problems
(source missing, model missing, a person out of view, bad parameters) appear in the
in-window banner above the video, never in a modal box.

Record (R) writes the landmarks of the running source into a new session directory
(``next_recording_dir`` if set, else ``sessions/YYYYmmdd-HHMMSS`` under the current
directory); the status bar shows "● REC mm:ss" while it records.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PyQt6 import QtCore, QtGui, QtWidgets

from synchrony.live import DashboardState, LiveParameters, PipelineStats

from .drawing import annotated_frame
from .qt_controls import ControlPanel
from .qt_gauge import SynchronyGauge
from .qt_traces import TracePlot
from .qt_video import VideoView
from .qt_wcc_plot import WccHeatmap
from .workers import LiveSession, SourceChoice

REFRESH_MS = 33
RECORDINGS_DIR = Path("sessions")
"""Default parent of new recordings (relative: under the current directory)."""
_LEVEL_STYLE = {"error": "#b00020", "warning": "#a15c00", "info": "#1f5f99"}
_LEVEL_ORDER = ("error", "warning", "info")


def new_recording_dir(parent: Path = RECORDINGS_DIR) -> Path:
    """``parent/YYYYmmdd-HHMMSS`` (``-2``, ``-3``… if that exists already)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path, k = parent / stamp, 1
    while path.exists():
        k += 1
        path = parent / f"{stamp}-{k}"
    return path


class MainWindow(QtWidgets.QMainWindow):
    """The live dashboard around one :class:`LiveSession`."""

    def __init__(self, session: LiveSession, parameters: LiveParameters,
                 source: SourceChoice | None = None, history_s: float = 60.0) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("synchrony monitor")
        self.session = session
        self.parameters = parameters
        self.parameter_error: str | None = None
        self.last_stats = PipelineStats()
        self.next_recording_dir: Path | None = None
        """Directory of the next recording (used once); None: a new one under
        ``RECORDINGS_DIR``."""
        self._version = self._data_version = -1
        self.banner = QtWidgets.QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.video = VideoView()
        central = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(central)
        column.setContentsMargins(2, 2, 2, 2)
        column.addWidget(self.banner)
        column.addWidget(self.video, 1)
        self.setCentralWidget(central)
        self.controls = ControlPanel(parameters, source)
        self.gauge = SynchronyGauge()
        self.traces = TracePlot(span_s=history_s)
        self.heatmap = WccHeatmap(span_s=history_s)
        self._docks = [
            self._dock("Synchrony", self.gauge, QtCore.Qt.DockWidgetArea.RightDockWidgetArea),
            self._dock("Controls", self.controls, QtCore.Qt.DockWidgetArea.RightDockWidgetArea),
            self._dock("Movement", self.traces, QtCore.Qt.DockWidgetArea.BottomDockWidgetArea),
            self._dock("Cross-correlation", self.heatmap,
                       QtCore.Qt.DockWidgetArea.BottomDockWidgetArea),
        ]
        self.splitDockWidget(self._docks[2], self._docks[3], QtCore.Qt.Orientation.Horizontal)
        self.resizeDocks(self._docks[:2], [330, 330], QtCore.Qt.Orientation.Horizontal)
        self.resizeDocks(self._docks[2:3], [260], QtCore.Qt.Orientation.Vertical)
        self._status_labels = self._status_bar()
        self._pipeline_messages: tuple[str, ...] = ()
        self.controls.start_requested.connect(self.start)
        self.controls.stop_requested.connect(self.stop)
        self.controls.parameters_edited.connect(self.apply_parameters)
        self.controls.record_requested.connect(self.toggle_recording)
        session.running_changed.connect(self.controls.set_running)
        session.recording_changed.connect(self.controls.set_recording)
        session.recording_changed.connect(lambda _on: self._show_recording())
        session.messages_changed.connect(self._show_banner)
        self._shortcuts()
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self._show_stats(PipelineStats())

    # ------------------------------------------------------------------ layout
    def _dock(self, title: str, widget: QtWidgets.QWidget,
              area: QtCore.Qt.DockWidgetArea) -> QtWidgets.QDockWidget:
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(f"dock{title.replace('-', '').replace(' ', '')}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _status_bar(self) -> dict[str, QtWidgets.QLabel]:
        labels = {}
        bar = self.statusBar()
        assert bar is not None
        for name in ("statRecording", "statSource", "statInputFps", "statProcessedFps",
                     "statDropped", "statLatency"):
            label = QtWidgets.QLabel()
            label.setObjectName(name)
            bar.addPermanentWidget(label)
            labels[name] = label
        labels["statRecording"].setStyleSheet("QLabel { color: #d00000; font-weight: bold; }")
        return labels

    def _shortcuts(self) -> None:
        keys: list[tuple[str, Callable[[], object]]] = [
            ("Space", self.controls.toggle), ("R", self.toggle_recording),
            ("Ctrl+Q", self.close),
            ("V", self.toggle_video_only), ("F11", self.toggle_full_screen)]
        keys += [(str(k), functools.partial(self.controls.set_signal, name))
                 for k, name in enumerate(self.controls.signal_names()[:9], start=1)]
        for key, slot in keys:
            shortcut = QtGui.QShortcut(QtGui.QKeySequence(key), self)
            shortcut.activated.connect(slot)

    def toggle_video_only(self) -> None:
        """Hide or show every dock (V): the video takes the whole window."""
        show = not any(dock.isVisible() for dock in self._docks)
        for dock in self._docks:
            dock.setVisible(show)

    def toggle_full_screen(self) -> None:
        """Full screen on or off (F11)."""
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    # ------------------------------------------------------------------ actions
    @QtCore.pyqtSlot(object)
    def start(self, source: SourceChoice | None = None) -> None:
        """Start capturing ``source`` (default: the one in the picker)."""
        self._start(source)

    def _start(self, source: SourceChoice | None, record_to: Path | None = None) -> None:
        """Start ``source`` (default: the picker's).

        If ``record_to`` is given, the run is recorded into it from its first frame.
        """
        source = source or self.controls.source()
        self.controls.set_source(source)
        self._version = self._data_version = -1
        self.session.start(source, self.parameters, record_to=record_to,
                           record_parameters=self._recording_parameters())
        self._status_labels["statSource"].setText(source.describe())

    @QtCore.pyqtSlot()
    def stop(self) -> None:
        """Stop capturing; the last picture stays on screen."""
        self.session.stop()
        self.refresh()

    @QtCore.pyqtSlot(object)
    def apply_parameters(self, parameters: LiveParameters) -> None:
        """Apply new parameters to the running pipeline (errors go to the banner)."""
        pipeline = self.session.pipeline
        try:
            if pipeline is not None and self.session.running:
                pipeline.set_parameters(window_s=parameters.window_s, step_s=parameters.step_s,
                                        max_lag_s=parameters.max_lag_s,
                                        signal=parameters.signal)
        except ValueError as exc:
            self.parameter_error = f"parameters not applied: {exc}"
        else:
            self.parameters, self.parameter_error = parameters, None
        self._show_banner()

    @QtCore.pyqtSlot()
    def toggle_recording(self) -> None:
        """Start or stop recording (Record button and R)."""
        if self.session.recording is not None:
            self.session.stop_recording()
        else:
            self.start_recording()

    def start_recording(self, path: Path | None = None,
                        source: SourceChoice | None = None) -> bool:
        """Record into ``path`` (default: ``next_recording_dir`` or a new timestamped folder).

        Returns False if refused (see banner). When nothing runs, ``source`` (default: the
        picker's) is started and recorded from its first frame.
        """
        if path is None:
            path, self.next_recording_dir = self.next_recording_dir, None
        path = path or new_recording_dir()
        if not self.session.running:
            self._start(source, record_to=path)
            return self.session.recording is not None
        return self.session.start_recording(path, self._recording_parameters())

    def _recording_parameters(self) -> dict[str, object]:
        params = self.parameters
        return {"recorded_by": "monitor", "window_s": params.window_s,
                "step_s": params.step_s, "max_lag_s": params.max_lag_s,
                "signal": params.signal}

    def interrupt(self) -> None:
        """Close after SIGINT/SIGTERM: the recording ends "interrupted"."""
        self.session.stop(ended="interrupted")
        self.close()

    def finish(self, screenshot: str | None = None) -> bool:
        """Redraw, save a screenshot of the window (if asked) and close; False if unsaved."""
        self.refresh()
        saved = True
        if screenshot:
            saved = self.grab().save(screenshot, "PNG", 0)  # 0: smallest file
        self.close()
        return saved

    def closeEvent(self, event: QtGui.QCloseEvent | None) -> None:  # noqa: N802 (Qt)
        """Stop the threads before the window goes."""
        self.timer.stop()
        self.session.stop()
        if self.session.pipeline is not None:
            self.last_stats = self.session.pipeline.stats()
        super().closeEvent(event)

    # ------------------------------------------------------------------ drawing
    @QtCore.pyqtSlot()
    def refresh(self) -> None:
        """Timer tick: draw the newest snapshot if it changed; update the status bar."""
        self._show_recording()
        pipeline = self.session.pipeline
        if pipeline is None:
            return
        state = pipeline.snapshot()
        self.last_stats = state.stats
        self._show_stats(state.stats)
        if state.version == self._version:
            return
        self._version = state.version
        self.video.show_frame(annotated_frame(state))
        if state.data_version != self._data_version:
            self._data_version = state.data_version
            self._draw_plots(state)
        self._show_banner(state.messages)

    def _draw_plots(self, state: DashboardState) -> None:
        params = state.parameters
        self.traces.show_traces(state.trace_time_s, state.trace_a, state.trace_b,
                                f"{params.signal} ({state.signal_unit})", state.labels)
        self.heatmap.show_grid(state.heatmap_time_s, state.lags_s, state.heatmap_r,
                               params.step_s, state.peak_lag_s,
                               f"{params.signal}: window {params.window_s:g} s, "
                               f"step {params.step_s:g} s")
        self.gauge.show_values(params.signal, state.sync_r, state.sync_lag_s,
                               state.lead_words, state.threshold_r, state.significant)

    def _show_stats(self, stats: PipelineStats) -> None:
        labels = self._status_labels
        dropped = stats.dropped_fraction
        latency = (f"latency {stats.latency_p50_s * 1000:.0f} ms "
                   f"(p95 {stats.latency_p95_s * 1000:.0f})"
                   if math.isfinite(stats.latency_p50_s) else "latency –")
        labels["statInputFps"].setText(f"input {stats.input_fps:.1f} fps")
        labels["statProcessedFps"].setText(f"processed {stats.processed_fps:.1f} fps")
        labels["statDropped"].setText(
            f"dropped {stats.n_dropped}" + (f" ({dropped:.0%})" if math.isfinite(dropped) else ""))
        labels["statLatency"].setText(latency)

    def _show_recording(self) -> None:
        recording = self.session.recording
        label = self._status_labels["statRecording"]
        label.setVisible(recording is not None)
        if recording is not None:
            seconds = int(time.perf_counter() - recording.started_s)
            label.setText(f"● REC {seconds // 60:02d}:{seconds % 60:02d}")
            label.setToolTip(str(recording.path))

    def _show_banner(self, pipeline_messages: tuple[str, ...] | None = None) -> None:
        if pipeline_messages is not None:
            self._pipeline_messages = pipeline_messages
        lines = [(level, text) for level, text in self.session.messages.values()]
        if self.parameter_error:
            lines.append(("warning", self.parameter_error))
        if self.session.running:
            lines += [("warning", text) for text in self._pipeline_messages]
        if not lines:
            self.banner.setVisible(False)
            self.banner.setText("")
            return
        lines.sort(key=lambda line: _LEVEL_ORDER.index(line[0]) if line[0] in _LEVEL_ORDER
                   else len(_LEVEL_ORDER))
        colour = _LEVEL_STYLE.get(lines[0][0], "#444")
        self.banner.setStyleSheet(f"QLabel#banner {{ background: {colour}; color: white; "
                                  "padding: 6px; font-weight: bold; }")
        self.banner.setText("   ·   ".join(text for _, text in lines))
        self.banner.setVisible(True)
