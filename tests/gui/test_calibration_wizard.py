"""The calibration wizard (pytest-qt, offscreen): drag, swap roles, baseline, save.

No MediaPipe: the proposal is built by hand and the baseline function is a stand-in that
returns fixed numbers, so the test checks the view's wiring, not the estimation.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
from PyQt6 import QtCore, QtGui, QtWidgets

from synchrony.calibration.baseline import Baseline
from synchrony.calibration.estimate import PersonEstimate, RegionProposal
from synchrony.calibration.profile import load_profile
from synchrony.calibration.workflow import SceneProposal
from synchrony.gui.qt_calibration import CalibrationWizard, run_wizard
from synchrony.records import Region

pytestmark = pytest.mark.gui

SIZE = (320, 240)
REGIONS = (Region(0.02, 0.2, 0.38, 0.9), Region(0.38, 0.05, 1.0, 1.0))
FLOOR = {"body": 0.02, "head": 0.4, "face": 0.01, "motion": 0.0002}


def _person(x_px: float, width_px: float) -> PersonEstimate:
    return PersonEstimate(head_xy_px=(x_px, 80.0), shoulder_width_px=width_px,
                          width_measured=True, shoulder_y_px=120.0,
                          box_px=(x_px - width_px, 60.0, x_px + width_px, 160.0), n_frames=6)


@pytest.fixture
def proposal() -> SceneProposal:
    image = np.full((SIZE[1], SIZE[0], 3), 180, np.uint8)
    image[60:200, 30:100] = (200, 120, 60)   # a "person" on the left
    image[30:240, 150:290] = (40, 50, 90)    # a bigger one right of the middle
    regions = RegionProposal(regions=REGIONS, people=(_person(65, 40), _person(220, 100)),
                             frame_size_px=SIZE, n_frames=6)
    camera = {"source": "test", "frame_size_px": list(SIZE), "claimed_fps": 25.0,
              "measured_fps": 25.0, "mean_luminance": 150.0, "clipped_fraction": 0.0,
              "dark_fraction": 0.0, "warnings": []}
    return SceneProposal(regions=regions, camera=camera, preview_rgb=image)


def fake_baseline(regions: tuple[Region, Region]) -> Baseline:
    """Stands in for the MediaPipe baseline; checks it runs off the GUI thread."""
    assert threading.current_thread() is not threading.main_thread()
    return Baseline(noise_floor={"A": dict(FLOOR), "B": dict(FLOOR)},
                    body_scale={"A": 0.12, "B": 0.3}, duration_s=3.0, n_frames=75,
                    grid_hz=20.0, detected_fraction={"A": 1.0, "B": 1.0})


@pytest.fixture
def wizard(qtbot, proposal: SceneProposal, tmp_path: Path) -> CalibrationWizard:
    w = CalibrationWizard(proposal, baseline=fake_baseline, out=tmp_path / "profile.json",
                          roles=("therapist", "client"))
    qtbot.addWidget(w)
    w.resize(1000, 560)
    w.show()
    qtbot.waitExposed(w)
    return w


def _drag(qtbot, editor, start_xy: tuple[float, float], end_xy: tuple[float, float]) -> None:
    """Press, move in small steps and release the left button (image pixel coordinates)."""
    viewport = editor.viewport()
    start, end = (editor.mapFromScene(editor.view.mapViewToScene(QtCore.QPointF(*xy)))
                  for xy in (start_xy, end_xy))
    qtbot.mousePress(viewport, QtCore.Qt.MouseButton.LeftButton, pos=start)
    for k in range(1, 9):
        pos = QtCore.QPointF(start + (end - start) * (k / 8))
        move = QtGui.QMouseEvent(QtCore.QEvent.Type.MouseMove, pos, viewport.mapToGlobal(pos),
                                 QtCore.Qt.MouseButton.NoButton,
                                 QtCore.Qt.MouseButton.LeftButton,
                                 QtCore.Qt.KeyboardModifier.NoModifier)
        QtWidgets.QApplication.sendEvent(viewport, move)
        qtbot.wait(5)
    qtbot.mouseRelease(viewport, QtCore.Qt.MouseButton.LeftButton, pos=end)


def test_widgets_have_object_names(wizard: CalibrationWizard) -> None:
    for name in ("regionEditor", "roleA", "roleB", "infoA", "infoB", "swapButton",
                 "resetButton", "baselineButton", "saveButton", "statusLabel", "cameraLabel"):
        assert wizard.findChild(QtWidgets.QWidget, name) is not None, name
    assert wizard.editor.regions() == pytest.approx(REGIONS, abs=2e-3)


def test_drag_swap_roles_baseline_and_save(qtbot, wizard: CalibrationWizard,
                                           tmp_path: Path) -> None:
    editor = wizard.editor
    a_before = editor.regions()[0]
    w, h = SIZE
    centre = ((a_before.x0 + a_before.x1) / 2 * w, (a_before.y0 + a_before.y1) / 2 * h)
    with qtbot.waitSignal(editor.sigRegionsChanged, timeout=2000):
        _drag(qtbot, editor, centre, (centre[0] - 5, centre[1] + 12))
    a_after = editor.regions()[0]
    assert a_after.y0 == pytest.approx(a_before.y0 + 12 / h, abs=0.02)
    assert a_after.x0 == pytest.approx(a_before.x0 - 5 / w, abs=0.02)

    swap = wizard.findChild(QtWidgets.QPushButton, "swapButton")
    qtbot.mouseClick(swap, QtCore.Qt.MouseButton.LeftButton)
    assert wizard.roles() == ("client", "therapist")
    role_b = wizard.findChild(QtWidgets.QComboBox, "roleB")
    role_b.setCurrentText("therapist (lead)")
    assert "B · therapist (lead)" in editor.labels[1].textItem.toPlainText()

    with qtbot.waitSignal(wizard.baselineDone, timeout=5000) as done:
        qtbot.mouseClick(wizard.findChild(QtWidgets.QPushButton, "baselineButton"),
                         QtCore.Qt.MouseButton.LeftButton)
    assert done.args == [True]
    assert "body: 0.02 body widths/s" in wizard.findChild(QtWidgets.QLabel, "infoA").text()

    with qtbot.waitSignal(wizard.saved, timeout=2000):
        qtbot.mouseClick(wizard.findChild(QtWidgets.QPushButton, "saveButton"),
                         QtCore.Qt.MouseButton.LeftButton)
    profile = load_profile(tmp_path / "profile.json")  # validates
    assert profile.roles == {"A": "client", "B": "therapist (lead)"}
    assert profile.regions[0] == pytest.approx(a_after, abs=1e-3)
    assert profile.people["A"].noise_floor == FLOOR
    assert profile.people["B"].body_scale == pytest.approx(0.3)
    data = json.loads((tmp_path / "profile.json").read_text())
    assert data["schema"] == "synchrony.calibration/1"
    assert data["baseline"]["n_frames"] == 75


def test_overlapping_regions_block_save(qtbot, wizard: CalibrationWizard) -> None:
    wizard.editor.set_regions((Region(0.1, 0.1, 0.7, 0.9), Region(0.2, 0.1, 0.8, 0.9)))
    wizard.editor.sigRegionsChanged.emit()
    save = wizard.findChild(QtWidgets.QPushButton, "saveButton")
    assert not save.isEnabled()
    assert "overlap" in wizard.findChild(QtWidgets.QLabel, "statusLabel").text()
    qtbot.mouseClick(wizard.findChild(QtWidgets.QPushButton, "resetButton"),
                     QtCore.Qt.MouseButton.LeftButton)
    assert save.isEnabled()


@pytest.mark.parametrize("save", [True, False])
def test_run_wizard_returns_0_only_after_saving(qapp, proposal: SceneProposal, tmp_path: Path,
                                                save: bool) -> None:
    """``synchrony calibrate --interactive``'s event loop: save, then close the window."""
    out = tmp_path / "profile.json"

    def act() -> None:
        wizard = next(w for w in QtWidgets.QApplication.topLevelWidgets()
                      if w.objectName() == "calibrationWizard" and w.isVisible())
        if save:
            wizard.findChild(QtWidgets.QPushButton, "saveButton").click()
        wizard.close()

    QtCore.QTimer.singleShot(200, act)
    assert run_wizard(proposal, baseline=None, out=out, roles=("therapist", None)) == (
        0 if save else 1)
    assert out.exists() == save
    if save:
        assert load_profile(out).roles == {"A": "therapist", "B": None}
