"""Recording from the dashboard (Record button, ``monitor --record``) and ``--calibration``.

The fake tracker (tests/gui/conftest.py) stands in for MediaPipe except in the
``mediapipe`` test, which records the demo clip for real through the command line.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PyQt6 import QtCore, QtWidgets

from synchrony.calibration.profile import CalibrationProfile, PersonCalibration, save_profile
from synchrony.cli import main as cli_main
from synchrony.gui import app as gui_app
from synchrony.gui.app import MonitorConfig, build_window
from synchrony.gui.qt_dashboard import MainWindow
from synchrony.gui.workers import SourceChoice
from synchrony.records import HALVES, Frame, Region, TrackedFrame
from synchrony.session.store import open_session
from tests.fixtures.live_fakes import FAST, FakeTracker
from tests.fixtures.video_files import FRAME_SIZE_PX, write_cfr_video
from tests.shared import REPO_ROOT, model_dir

pytestmark = pytest.mark.gui
DEMO = REPO_ROOT / "sample_videos" / "demo_dyad_a_leads_0.5s.mp4"
REGIONS = (Region(0.05, 0.0, 0.45, 1.0), Region(0.55, 0.0, 0.95, 1.0))




def profile_file(tmp_path: Path) -> tuple[CalibrationProfile, Path]:
    profile = CalibrationProfile(
        people={"A": PersonCalibration(REGIONS[0], role="therapist", body_scale=0.2),
                "B": PersonCalibration(REGIONS[1], role="client")},
        camera={"frame_size_px": [640, 480]})
    return profile, save_profile(profile, tmp_path / "profile.json")


def recorded(win: MainWindow) -> int:
    recording = win.session.recording
    return 0 if recording is None else int(recording.writer.metadata["frames_recorded"])


def test_record_button_writes_the_tracked_frames_into_a_session(
        qtbot, window: MainWindow, clip: Path, tmp_path: Path) -> None:
    window.start(SourceChoice("file", str(clip), loop=True))
    qtbot.waitUntil(lambda: window.session.n_records > 5, timeout=5000)
    window.next_recording_dir = tmp_path / "session"
    button = window.findChild(QtWidgets.QPushButton, "recordButton")
    assert button is not None
    assert button.text() == "Record  (R)"
    qtbot.mouseClick(button, QtCore.Qt.MouseButton.LeftButton)
    assert window.session.recording is not None
    assert button.text().startswith("Stop recording")
    rec = window.findChild(QtWidgets.QLabel, "statRecording")
    assert rec is not None
    qtbot.waitUntil(lambda: rec.text() == "● REC 00:01", timeout=3000)
    qtbot.waitUntil(lambda: recorded(window) >= 30, timeout=5000)
    qtbot.mouseClick(button, QtCore.Qt.MouseButton.LeftButton)
    assert window.session.recording is None
    assert window.session.running
    assert button.text() == "Record  (R)"
    window.refresh()
    assert not rec.isVisible()

    session = open_session(tmp_path / "session")
    assert session.ended == "clean"
    frames = session.frames()
    meta = session.metadata
    assert len(frames) == meta["frames_recorded"] >= 30
    assert meta["landmark_parts"] >= 2  # written incrementally, about one part per second
    times = np.array([f.timestamp_s for f in frames])
    assert times[0] == 0.0
    assert (np.diff(times) > 0).all()
    assert meta["frames_captured"] >= meta["frames_recorded"]
    assert 15 < meta["fps"] < 35
    assert meta["source"]["kind"] == "file"
    assert (meta["source"]["width_px"], meta["source"]["height_px"]) == FRAME_SIZE_PX  # captured
    assert meta["parameters"]["window_s"] == FAST.window_s
    assert np.isfinite(frames[-1].people[1].pose_xy_norm).any()


def test_r_records_into_a_default_directory_and_closing_stops_it(
        qtbot, window: MainWindow, clip: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    window.controls.set_source(SourceChoice("file", str(clip), loop=True))
    window.activateWindow()
    window.setFocus()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_R)  # not running: starts the source too
    if window.session.recording is None:  # focus handling differs between platforms
        window.toggle_recording()
    assert window.session.running
    assert window.session.recording is not None
    qtbot.waitUntil(lambda: recorded(window) >= 10, timeout=5000)
    window.close()
    (directory,) = (tmp_path / "sessions").iterdir()
    assert open_session(directory).ended == "clean"
    assert len(open_session(directory).frames()) >= 10


def test_recording_ends_with_the_source_and_interrupt_is_recorded(
        qtbot, window: MainWindow, tmp_path: Path) -> None:
    short = write_cfr_video(tmp_path, n_frames=25, fps=25.0)  # 1 s, not looped
    window.start(SourceChoice("file", str(short)))
    assert window.start_recording(tmp_path / "one")
    qtbot.waitUntil(lambda: window.session.recording is None, timeout=5000)
    assert open_session(tmp_path / "one").ended == "clean"
    assert not window.start_recording(tmp_path / "one")  # never overwritten
    assert "not empty" in window.banner.text() or "not recording" in window.banner.text()

    window.start(SourceChoice("file", str(short), loop=True))
    assert window.start_recording(tmp_path / "two")
    qtbot.waitUntil(lambda: recorded(window) >= 3, timeout=5000)
    window.interrupt()
    assert open_session(tmp_path / "two").ended == "interrupted"


class RegionTracker(FakeTracker):
    """Stands in for MediaPipeTracker: keeps the regions it was built with."""

    built: list[RegionTracker] = []

    def __init__(self, *, pose_model: Path, face_model: Path,
                 regions: tuple[Region, Region] = HALVES) -> None:
        super().__init__()
        self.regions = regions
        RegionTracker.built.append(self)

    def track(self, frame: Frame) -> TrackedFrame:
        return dataclasses.replace(super().track(frame), regions=self.regions)


def test_calibration_gives_regions_roles_and_is_stored(
        qtbot, tmp_path: Path, clip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile, path = profile_file(tmp_path)
    configs: list[MonitorConfig] = []

    def fake_run_monitor(config: MonitorConfig) -> int:
        configs.append(config)
        return 0

    monkeypatch.setattr(gui_app, "run_monitor", fake_run_monitor)
    assert cli_main(["monitor", str(clip), "--calibration", str(path)]) == 0
    (config,) = configs
    assert config.calibration == profile

    monkeypatch.setattr("synchrony.capture.bundles.find_model", lambda *a, **k: tmp_path / "x.task")
    monkeypatch.setattr("synchrony.capture.tracking.MediaPipeTracker", RegionTracker)
    RegionTracker.built.clear()
    win = build_window(dataclasses.replace(config, parameters=FAST))
    qtbot.addWidget(win)
    win.show()
    win.start(SourceChoice("file", str(clip), loop=True))
    assert win.start_recording(tmp_path / "session")
    qtbot.waitUntil(lambda: recorded(win) >= 5, timeout=5000)
    pipeline = win.session.pipeline
    assert pipeline is not None
    assert pipeline.labels == ("A (therapist)", "B (client)")
    assert pipeline.snapshot().labels == ("A (therapist)", "B (client)")
    assert RegionTracker.built[-1].regions == REGIONS
    assert pipeline.snapshot().regions[0] == (0.05, 0.0, 0.45, 1.0)
    win.close()
    session = open_session(tmp_path / "session")
    assert session.metadata["calibration"] == profile.to_dict()
    assert session.regions == REGIONS
    assert session.roles == {"A": "therapist", "B": "client"}


def test_cli_refuses_a_non_empty_record_dir_and_a_bad_profile(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("x")
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "synchrony.calibration/1", "people": {}}')
    for option, value in (("--record", busy), ("--calibration", bad),
                          ("--calibration", tmp_path / "missing.json")):
        assert cli_main(["monitor", str(DEMO), option, str(value)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert err.startswith("synchrony monitor: error: "), err
        assert str(value) in err
    assert (busy / "keep.txt").read_text() == "x"


@pytest.mark.mediapipe
def test_cli_records_the_clip_while_monitoring(tmp_path: Path) -> None:
    out = tmp_path / "session"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "SYNCHRONY_MODEL_DIR": str(model_dir())}
    done = subprocess.run(
        [sys.executable, "-m", "synchrony.cli", "monitor", str(DEMO), "--record", str(out),
         "--exit-after-s", "3"],
        capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"into {out} (ended: clean)" in lines[0], done.stderr
    session = open_session(out)
    assert session.ended == "clean"
    frames = session.frames()
    meta = session.metadata
    # how many frames 3 s hold depends on the machine's speed: every tracked frame is
    # recorded, and every captured one is either recorded or counted as skipped
    assert len(frames) == meta["frames_recorded"] >= 1
    assert meta["frames_captured"] == meta["frames_recorded"] + meta["frames_dropped_by_tracker"]
    assert any(np.isfinite(f.people[0].pose_xy_norm).any() for f in frames)
