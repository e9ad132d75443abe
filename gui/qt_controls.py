"""Controls: source picker, start/stop, record and the live parameters.

The live parameters are the window, step, maximum lag and signal.
"""

from __future__ import annotations

from PyQt6 import QtCore, QtWidgets

from synchrony.live import LiveParameters
from synchrony.signals.registry import registered_signals

from .workers import SourceChoice

_KIND_LABELS = (("camera", "Camera"), ("file", "Video file"), ("stream", "Stream URL"))


def _spin(name: str, value: float, low: float, high: float, step: float,
          tip: str) -> QtWidgets.QDoubleSpinBox:
    spin = QtWidgets.QDoubleSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setDecimals(2)
    spin.setSuffix(" s")
    spin.setValue(value)
    spin.setToolTip(tip)
    spin.setKeyboardTracking(False)
    return spin


class ControlPanel(QtWidgets.QWidget):
    """The control panel: source picker, Start/Stop and Record buttons, live parameters.

    Emits ``start_requested(SourceChoice)``, ``stop_requested()``, ``record_requested()``
    (Record button: start or stop recording) and ``parameters_edited(LiveParameters)``
    (debounced by 300 ms).
    """

    start_requested = QtCore.pyqtSignal(object)
    stop_requested = QtCore.pyqtSignal()
    record_requested = QtCore.pyqtSignal()
    parameters_edited = QtCore.pyqtSignal(object)

    def __init__(self, parameters: LiveParameters, source: SourceChoice | None,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("controlPanel")
        self.running = False
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self._source_box(source))
        self.start_stop = QtWidgets.QPushButton("Start  (Space)")
        self.start_stop.setObjectName("startStopButton")
        self.start_stop.clicked.connect(self.toggle)
        layout.addWidget(self.start_stop)
        self.record = QtWidgets.QPushButton()
        self.record.setObjectName("recordButton")
        self.record.setToolTip("record the landmarks into a new session directory")
        self.record.clicked.connect(self.record_requested)
        self.set_recording(False)
        layout.addWidget(self.record)
        layout.addWidget(self._parameter_box(parameters))
        layout.addStretch(1)
        self._debounce = QtCore.QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(lambda: self.parameters_edited.emit(self.parameters()))

    # ------------------------------------------------------------------ building
    def _source_box(self, source: SourceChoice | None) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox("Source")
        form = QtWidgets.QFormLayout(box)
        self.kind = QtWidgets.QComboBox()
        self.kind.setObjectName("sourceKind")
        for kind, label in _KIND_LABELS:
            self.kind.addItem(label, kind)
        self.camera = QtWidgets.QSpinBox()
        self.camera.setObjectName("cameraIndex")
        self.camera.setRange(0, 99)
        self.path = QtWidgets.QLineEdit()
        self.path.setObjectName("filePath")
        self.path.setPlaceholderText("video file")
        browse = QtWidgets.QPushButton("Browse…")
        browse.setObjectName("browseButton")
        browse.clicked.connect(self._browse)
        self.loop = QtWidgets.QCheckBox("loop")
        self.loop.setObjectName("loopFile")
        file_row = QtWidgets.QHBoxLayout()
        for part in (self.path, browse, self.loop):
            file_row.addWidget(part)
        file_widget = QtWidgets.QWidget()
        file_widget.setLayout(file_row)
        file_row.setContentsMargins(0, 0, 0, 0)
        self.url = QtWidgets.QLineEdit()
        self.url.setObjectName("streamUrl")
        self.url.setPlaceholderText("rtsp://… or http://…")
        self.stack = QtWidgets.QStackedWidget()
        for widget in (self.camera, file_widget, self.url):
            self.stack.addWidget(widget)
        self.kind.currentIndexChanged.connect(self.stack.setCurrentIndex)
        form.addRow("Kind", self.kind)
        form.addRow("Input", self.stack)
        if source is not None:
            self.set_source(source)
        return box

    def _parameter_box(self, parameters: LiveParameters) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox("Parameters (applied live)")
        form = QtWidgets.QFormLayout(box)
        self.window_spin = _spin("windowSpin", parameters.window_s, 1.0, 30.0, 0.5,
                            "window length of the cross-correlation")
        self.step_spin = _spin("stepSpin", parameters.step_s, 0.05, 5.0, 0.05,
                          "time between heatmap rows")
        self.max_lag_spin = _spin("maxLagSpin", parameters.max_lag_s, 0.4, 10.0, 0.1,
                             "largest lag; lag > 0: A leads, B follows")
        self.signal = QtWidgets.QComboBox()
        self.signal.setObjectName("signalCombo")
        for k, spec in enumerate(registered_signals(), start=1):
            self.signal.addItem(f"{k}  {spec.name}" if k <= 9 else spec.name, spec.name)
            self.signal.setItemData(k - 1, f"{spec.label} ({spec.unit})",
                                    QtCore.Qt.ItemDataRole.ToolTipRole)
        self.set_signal(parameters.signal)
        for spin in (self.window_spin, self.step_spin, self.max_lag_spin):
            spin.valueChanged.connect(lambda _value: self._debounce.start())
        self.signal.currentIndexChanged.connect(
            lambda _index: self.parameters_edited.emit(self.parameters()))
        form.addRow("Window", self.window_spin)
        form.addRow("Step", self.step_spin)
        form.addRow("Max lag", self.max_lag_spin)
        form.addRow("Signal", self.signal)
        return box

    # ------------------------------------------------------------------ state
    def parameters(self) -> LiveParameters:
        """Return the parameters as currently entered."""
        return LiveParameters(self.window_spin.value(), self.step_spin.value(),
                              self.max_lag_spin.value(), str(self.signal.currentData()))

    def signal_names(self) -> list[str]:
        """Return the signals the picker offers, in its order (keys 1-9 choose the first nine)."""
        return [str(self.signal.itemData(i)) for i in range(self.signal.count())]

    def set_signal(self, name: str) -> None:
        """Choose a signal (keyboard shortcuts 1-9).

        Raises
        ------
        ValueError
            ``name`` is not one of the picker's signals.
        """
        index = self.signal.findData(name)
        if index < 0:
            raise ValueError(f"signal must be one of {', '.join(self.signal_names())}, "
                             f"got {name!r}")
        self.signal.setCurrentIndex(index)

    def source(self) -> SourceChoice:
        """Return the source as currently entered."""
        kind = str(self.kind.currentData())
        if kind == "camera":
            return SourceChoice("camera", self.camera.value())
        if kind == "stream":
            return SourceChoice("stream", self.url.text().strip())
        return SourceChoice("file", self.path.text().strip(), loop=self.loop.isChecked())

    def set_source(self, source: SourceChoice) -> None:
        """Show ``source`` in the picker."""
        self.kind.setCurrentIndex([k for k, _ in _KIND_LABELS].index(source.kind))
        if source.kind == "camera":
            self.camera.setValue(int(source.value))
        elif source.kind == "stream":
            self.url.setText(str(source.value))
        else:
            self.path.setText(str(source.value))
            self.loop.setChecked(source.loop)

    def set_running(self, running: bool) -> None:
        """Update the start/stop button."""
        self.running = running
        self.start_stop.setText("Stop  (Space)" if running else "Start  (Space)")

    def set_recording(self, recording: bool) -> None:
        """Update the record button."""
        self.record.setText("Stop recording  (R)" if recording else "Record  (R)")

    @QtCore.pyqtSlot()
    def toggle(self) -> None:
        """Start or stop (button and Space)."""
        if self.running:
            self.stop_requested.emit()
        else:
            self.start_requested.emit(self.source())

    def _browse(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Open video", "", "Videos (*.mp4 *.avi *.mov *.mkv *.webm);;All files (*)")
        if path:
            self.path.setText(path)
