"""The calibration wizard: adjust the proposed regions, set roles, record a baseline, save.

View of :mod:`synchrony.calibration` (Qt-free): the wizard only draws the proposal, lets the
user edit it, and calls ``build_profile`` / ``save_profile``. The baseline runs in a worker
``QObject`` moved to a ``QThread``; its result or error comes back as a signal. Problems are
shown in the status line, never in a modal box.

Object names (for tests): ``calibrationWizard``, ``regionEditor``, ``roleA``, ``roleB``,
``infoA``, ``infoB``, ``swapButton``, ``resetButton``, ``baselineButton``, ``saveButton``,
``statusLabel``, ``cameraLabel``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from synchrony.calibration.baseline import Baseline
from synchrony.calibration.profile import CalibrationProfile, save_profile
from synchrony.calibration.workflow import SceneProposal, build_profile
from synchrony.records import PERSONS, Region
from synchrony.signals.registry import registered_signals

from .drawing import PERSON_RGB
from .qt_video import ImagePane

BaselineFunction = Callable[[tuple[Region, Region]], Baseline]
ROLE_CHOICES = ("", "therapist", "client")


class RegionEditor(ImagePane):
    """The frame with one draggable, resizable rectangle per person (A, then B).

    Signals
    -------
    sigRegionsChanged : emitted when the user finished moving or resizing a rectangle.
    """

    sigRegionsChanged = QtCore.pyqtSignal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("regionEditor", parent)
        self._size = (1, 1)
        self.rois: list[pg.ROI] = []
        self.labels: list[pg.TextItem] = []
        for rgb in PERSON_RGB:
            roi = pg.ROI((0, 0), (1, 1), pen=pg.mkPen(color=rgb, width=3),
                         hoverPen=pg.mkPen(color=rgb, width=5), rotatable=False,
                         removable=False)
            for handle, anchor in (((0, 0), (1, 1)), ((1, 1), (0, 0)), ((1, 0), (0, 1)),
                                   ((0, 1), (1, 0)), ((0.5, 0), (0.5, 1)),
                                   ((0.5, 1), (0.5, 0)), ((0, 0.5), (1, 0.5)),
                                   ((1, 0.5), (0, 0.5))):
                roi.addScaleHandle(handle, anchor)
            roi.sigRegionChanged.connect(self._place_labels)
            roi.sigRegionChangeFinished.connect(self.sigRegionsChanged)
            label = pg.TextItem(color=(255, 255, 255), fill=pg.mkBrush(*rgb, 230), anchor=(0, 0))
            font = label.textItem.font()
            font.setPointSize(13)
            font.setBold(True)
            label.setFont(font)
            self.view.addItem(roi)
            self.view.addItem(label)
            self.rois.append(roi)
            self.labels.append(label)
        self.setMinimumSize(480, 360)

    def set_frame(self, image_rgb: np.ndarray) -> None:
        """Show the frame; rectangles are kept inside it."""
        self.image.setImage(image_rgb, autoLevels=False, levels=(0, 255))
        h, w = image_rgb.shape[:2]
        self._size = (w, h)
        bounds = QtCore.QRectF(0, 0, w, h)
        for roi in self.rois:
            roi.maxBounds = bounds
        self.view.setRange(bounds, padding=0)

    def set_regions(self, regions: Sequence[Region]) -> None:
        """Place the rectangles (normalised regions -> pixels)."""
        w, h = self._size
        for roi, region in zip(self.rois, regions, strict=True):
            roi.setPos((region.x0 * w, region.y0 * h), update=False, finish=False)
            roi.setSize(((region.x1 - region.x0) * w, (region.y1 - region.y0) * h),
                        update=True, finish=False)
        self._place_labels()

    def regions(self) -> tuple[Region, Region]:
        """Return the rectangles as normalised (A, B) regions, clipped to the frame."""
        w, h = self._size
        out = []
        for roi in self.rois:
            x, y = roi.pos()
            rw, rh = roi.size()
            x0, x1 = min(max(x / w, 0.0), 1.0), min(max((x + rw) / w, 0.0), 1.0)
            y0, y1 = min(max(y / h, 0.0), 1.0), min(max((y + rh) / h, 0.0), 1.0)
            out.append(Region(round(x0, 4), round(y0, 4), round(x1, 4), round(y1, 4)))
        return out[0], out[1]

    def set_labels(self, texts: Sequence[str]) -> None:
        """Text on each rectangle, e.g. ``"A · therapist"``."""
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(f" {text} ")
        self._place_labels()

    def _place_labels(self) -> None:
        for roi, label in zip(self.rois, self.labels, strict=True):
            x, y = roi.pos()
            label.setPos(x + 6, y + 6)


class BaselineWorker(QtCore.QObject):
    """Runs the baseline function once in its thread.

    Signals
    -------
    finished(object) : the :class:`~synchrony.calibration.baseline.Baseline`.
    failed(str) : one-line error message.
    """

    finished = QtCore.pyqtSignal(object)
    failed = QtCore.pyqtSignal(str)

    def __init__(self, function: BaselineFunction, regions: tuple[Region, Region]) -> None:
        super().__init__()
        self._function = function
        self._regions = regions

    @QtCore.pyqtSlot()
    def run(self) -> None:
        """Measure; report the result or the error (never raises into Qt)."""
        try:
            result = self._function(self._regions)
        except Exception as exc:  # noqa: BLE001 - reported in the status line
            self.failed.emit(" ".join(str(exc).split()) or type(exc).__name__)
        else:
            self.finished.emit(result)


def _floor_text(name: str, level: float | None, units: dict[str, str]) -> str:
    """``"  head: 0.11 deg/s"`` (``-`` when not measured)."""
    value = "-" if level is None else f"{level:.2g} {units.get(name, '')}".rstrip()
    return f"  {name}: {value}"


def _person_info(profile: CalibrationProfile, person: str) -> str:
    """Body scale and noise floor of one person, in words with units."""
    calib = profile.people[person]
    w = profile.frame_size_px[0]
    scale = ("body scale: not measured" if calib.body_scale is None else
             f"body scale: shoulders {calib.body_scale:.3f} of the frame width "
             f"({calib.body_scale * w:.0f} px)")
    floors = calib.noise_floor
    if all(v is None for v in floors.values()):
        return f"{scale}\nnoise floor: not measured (press Record baseline)"
    units = {spec.name: spec.display_unit for spec in registered_signals()}
    parts = [_floor_text(name, v, units) for name, v in floors.items()]
    return "\n".join([scale, "noise floor (still):", *parts])


class CalibrationWizard(QtWidgets.QWidget):
    """Edit and save a calibration profile.

    Parameters
    ----------
    proposal : the automatic proposal (regions, camera check, preview frame).
    baseline : function measuring the baseline for given regions (runs in a worker
        thread); None disables "Record baseline".
    out : where "Save" writes the profile.
    roles : initial roles of A and B.

    Signals
    -------
    saved(str) : the path the profile was written to.
    baselineDone(bool) : a baseline finished (True) or failed (False).
    """

    saved = QtCore.pyqtSignal(str)
    baselineDone = QtCore.pyqtSignal(bool)

    def __init__(self, proposal: SceneProposal, *, baseline: BaselineFunction | None,
                 out: Path, roles: tuple[str | None, str | None] = (None, None),
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calibrationWizard")
        self.setWindowTitle("synchrony — calibration")
        self.proposal = proposal
        self.out = Path(out)
        self.baseline: Baseline | None = None
        self._baseline_function = baseline
        self._thread: QtCore.QThread | None = None
        self._worker: BaselineWorker | None = None
        self._error_shown = False
        self.editor = RegionEditor()
        self.editor.set_frame(proposal.preview_rgb)
        self.editor.set_regions(proposal.regions.regions)
        self.editor.sigRegionsChanged.connect(self._refresh)
        self.role_boxes = [self._role_box(name, role) for name, role in zip(PERSONS, roles,
                                                                            strict=True)]
        self.infos = [QtWidgets.QLabel() for _ in PERSONS]
        for name, info in zip(PERSONS, self.infos, strict=True):
            info.setObjectName(f"info{name}")
            info.setWordWrap(True)
        self.swap_button = self._button("swapButton", "Swap A/B roles", self.swap_roles,
                                        "Exchange the roles of A and B. A stays the left "
                                        "person, B the right one (IDs never change sides).")
        self.reset_button = self._button("resetButton", "Reset regions", self.reset_regions,
                                         "Back to the automatically proposed regions")
        self.baseline_button = self._button(
            "baselineButton", "Record baseline", self.record_baseline,
            "Both people sit still for a few seconds: measures tracker noise and body size")
        self.baseline_button.setEnabled(baseline is not None)
        self.save_button = self._button("saveButton", "Save", self.save,
                                        f"Write the profile to {self.out}")
        self.status = QtWidgets.QLabel()
        self.status.setObjectName("statusLabel")
        self.status.setWordWrap(True)
        self.camera = QtWidgets.QLabel(self._camera_text())
        self.camera.setObjectName("cameraLabel")
        self.camera.setWordWrap(True)
        self._layout()
        warnings = proposal.regions.warnings + list(proposal.camera.get("warnings", []))
        self._set_status("Drag or resize the boxes so that each holds one person with room "
                         "to move. " + " ".join(f"Warning: {w}." for w in warnings))
        self._refresh()

    # -- construction
    def _role_box(self, person: str, role: str | None) -> QtWidgets.QComboBox:
        box = QtWidgets.QComboBox()
        box.setObjectName(f"role{person}")
        box.setEditable(True)
        box.addItems(ROLE_CHOICES)
        box.setCurrentText(role or "")
        box.setToolTip("therapist, client, or any text")
        box.currentTextChanged.connect(self._refresh)
        return box

    def _button(self, name: str, text: str, slot: Callable[[], None],
                tip: str) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _layout(self) -> None:
        side = QtWidgets.QVBoxLayout()
        for k, person in enumerate(PERSONS):
            group = QtWidgets.QGroupBox(f"Person {person} ({'left' if k == 0 else 'right'})")
            form = QtWidgets.QFormLayout(group)
            form.addRow("Role", self.role_boxes[k])
            form.addRow(self.infos[k])
            side.addWidget(group)
        for button in (self.swap_button, self.reset_button, self.baseline_button):
            side.addWidget(button)
        camera_box = QtWidgets.QGroupBox("Camera check")
        QtWidgets.QVBoxLayout(camera_box).addWidget(self.camera)
        side.addWidget(camera_box)
        side.addWidget(self.status)
        side.addStretch(1)
        side.addWidget(self.save_button)
        panel = QtWidgets.QWidget()
        panel.setLayout(side)
        panel.setFixedWidth(330)
        layout = QtWidgets.QHBoxLayout(self)
        layout.addWidget(self.editor, 1)
        layout.addWidget(panel)

    def _camera_text(self) -> str:
        cam = self.proposal.camera
        w, h = cam["frame_size_px"]
        fps = cam.get("measured_fps")
        claimed = cam.get("claimed_fps")
        lines = [f"{cam.get('source', '')}: {w}x{h} px",
                 f"{'-' if fps is None else f'{fps:.1f}'} fps measured"
                 + (f" ({claimed:.1f} claimed)" if claimed else ""),
                 f"mean luminance {cam.get('mean_luminance', 0):.0f}/255, "
                 f"{100 * cam.get('clipped_fraction', 0):.1f} % clipped"]
        lines += [f"⚠ {w}" for w in cam.get("warnings", [])]
        return "\n".join(lines)

    # -- state
    def roles(self) -> tuple[str | None, str | None]:
        """(A's role, B's role) as typed; empty = None."""
        a, b = (box.currentText().strip() or None for box in self.role_boxes)
        return a, b

    def profile(self) -> CalibrationProfile:
        """Return the profile as currently edited (InputError if the regions break a rule)."""
        return build_profile(self.proposal, self.baseline, regions=self.editor.regions(),
                             roles=self.roles())

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self._error_shown = error
        self.status.setStyleSheet("color: #c0392b;" if error else "")
        self.status.setText(text)

    def _refresh(self) -> None:
        roles = self.roles()
        self.editor.set_labels([f"{p} · {r}" if r else p
                                for p, r in zip(PERSONS, roles, strict=True)])
        try:
            profile = self.profile()
        except ValueError as exc:
            self._set_status(str(exc), error=True)
            self.save_button.setEnabled(False)
            return
        self.save_button.setEnabled(True)
        if self._error_shown:
            self._set_status("Regions are valid.")
        for person, info in zip(PERSONS, self.infos, strict=True):
            info.setText(_person_info(profile, person))

    # -- actions
    def swap_roles(self) -> None:
        """Exchange the two role fields (A stays left, B right)."""
        a, b = (box.currentText() for box in self.role_boxes)
        self.role_boxes[0].setCurrentText(b)
        self.role_boxes[1].setCurrentText(a)

    def reset_regions(self) -> None:
        """Back to the proposed regions."""
        self.editor.set_regions(self.proposal.regions.regions)
        self._refresh()

    def record_baseline(self) -> None:
        """Start the baseline in a worker thread with the current regions."""
        if self._baseline_function is None or self._thread is not None:
            return
        try:
            regions = self.profile().regions
        except ValueError as exc:
            self._set_status(str(exc), error=True)
            return
        self.baseline_button.setEnabled(False)
        self._set_status("Recording the baseline: both people please sit still …")
        self._thread = QtCore.QThread(self)
        self._worker = BaselineWorker(self._baseline_function, regions)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.finished.connect(self._baseline_finished)
        self._worker.failed.connect(self._baseline_failed)
        self._thread.start()

    def _stop_thread(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread = None
            self._worker = None
        self.baseline_button.setEnabled(self._baseline_function is not None)

    def _baseline_finished(self, baseline: Baseline) -> None:
        self._stop_thread()
        self.baseline = baseline
        self._refresh()
        notes = " ".join(f"Warning: {w}." for w in baseline.warnings)
        self._set_status(f"Baseline recorded ({baseline.duration_s:.1f} s, "
                         f"{baseline.n_frames} frames). {notes}".strip())
        self.baselineDone.emit(True)

    def _baseline_failed(self, message: str) -> None:
        self._stop_thread()
        self._set_status(f"Baseline failed: {message}", error=True)
        self.baselineDone.emit(False)

    def save(self) -> None:
        """Validate and write the profile to ``out``; errors go to the status line."""
        try:
            save_profile(self.profile(), self.out)
        except (ValueError, OSError) as exc:
            self._set_status(f"Not saved: {exc}", error=True)
            return
        self._set_status(f"Saved to {self.out}")
        self.saved.emit(str(self.out))

    def closeEvent(self, event: QtGui.QCloseEvent | None) -> None:  # noqa: N802 - Qt API
        """Wait for a running baseline before closing."""
        self._stop_thread()
        super().closeEvent(event)


def run_wizard(proposal: SceneProposal, *, baseline: BaselineFunction | None, out: Path,
               roles: tuple[str | None, str | None] = (None, None)) -> int:
    """Show the wizard until it is closed; 0 if a profile was saved, else 1."""
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    wizard = CalibrationWizard(proposal, baseline=baseline, out=out, roles=roles)
    saved: list[str] = []
    wizard.saved.connect(saved.append)
    wizard.resize(1200, 640)
    wizard.show()
    app.exec()
    if not saved:
        print("synchrony calibrate: the wizard was closed without saving", file=sys.stderr)
        return 1
    print(f"calibration profile written to {saved[-1]}", file=sys.stderr)
    return 0
