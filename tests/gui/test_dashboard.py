"""The live dashboard, offscreen: sources, threads, drawing, controls, failures, CLI.

Most tests use the fake tracker (tests/gui/conftest.py: B follows A by 0.4 s) so they run in
seconds; the ``mediapipe`` ones track the demo clip for real.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PyQt6 import QtCore, QtWidgets

from synchrony.cli import main as cli_main
from synchrony.commands import monitor as monitor_command
from synchrony.gui.app import MonitorConfig, build_window, mediapipe_tracker_factory
from synchrony.gui.drawing import PERSON_RGB, person_label
from synchrony.gui.qt_dashboard import MainWindow
from synchrony.gui.workers import SourceChoice
from synchrony.live import LiveParameters
from tests.fixtures.live_fakes import FAST, FakeTracker, FlakyCamera
from tests.shared import REPO_ROOT, model_dir

pytestmark = pytest.mark.gui
DEMO = REPO_ROOT / "sample_videos" / "demo_dyad_a_leads_0.5s.mp4"
SUMMARY = re.compile(r"synchrony monitor: \d+ frames processed, [\d.]+ fps processed, "
                     r"\d+ dropped, median latency \d+ ms")




def child(win: MainWindow, kind: type, name: str):  # noqa: ANN201
    widget = win.findChild(kind, name)
    assert widget is not None, name
    return widget


def test_file_source_draws_traces_heatmap_and_gauge(qtbot, window: MainWindow,
                                                     clip: Path) -> None:
    controls = window.controls
    controls.kind.setCurrentIndex(1)  # video file
    child(window, QtWidgets.QLineEdit, "filePath").setText(str(clip))
    child(window, QtWidgets.QCheckBox, "loopFile").setChecked(True)
    button = child(window, QtWidgets.QPushButton, "startStopButton")
    qtbot.mouseClick(button, QtCore.Qt.MouseButton.LeftButton)
    assert window.session.running
    assert button.text().startswith("Stop")
    qtbot.waitUntil(lambda: window.session.n_records > 10, timeout=5000)
    qtbot.waitUntil(lambda: window.traces.n_points > 20, timeout=5000)
    qtbot.waitUntil(lambda: window.heatmap.n_rows >= 3, timeout=10000)
    assert window.video.image.image is not None
    label = child(window, QtWidgets.QLabel, "gaugeWords")
    # a leader is named only once the synchrony is above chance
    qtbot.waitUntil(lambda: label.text().startswith("B follows A"), timeout=120000)
    assert re.fullmatch(r"B follows A by 0\.(3\d|4\d|50) s", label.text()), label.text()
    assert child(window, QtWidgets.QLabel, "gaugeSignificance").text().startswith(
        "above chance")
    assert "synchrony r" in child(window, QtWidgets.QLabel, "gaugeValue").text()
    assert "fps" in child(window, QtWidgets.QLabel, "statProcessedFps").text()
    assert not window.banner.isVisible()


def test_parameters_and_signal_apply_live_and_stop_start(qtbot, window: MainWindow,
                                                         clip: Path) -> None:
    window.start(SourceChoice("file", str(clip), loop=True))
    qtbot.waitUntil(lambda: window.heatmap.n_rows >= 1, timeout=10000)
    child(window, QtWidgets.QDoubleSpinBox, "maxLagSpin").setValue(0.5)
    pipeline = window.session.pipeline
    assert pipeline is not None
    qtbot.waitUntil(lambda: pipeline.parameters.max_lag_s == 0.5, timeout=2000)
    qtbot.waitUntil(lambda: len(pipeline.snapshot().lags_s) == 21, timeout=2000)
    qtbot.keyClick(window, QtCore.Qt.Key.Key_2)  # signal 2 = head
    assert pipeline.parameters.signal == "head"
    qtbot.waitUntil(lambda: "head" in window.traces.getPlotItem().titleLabel.text,
                    timeout=2000)
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)  # stop
    assert not window.session.running
    assert window.controls.start_stop.text().startswith("Start")
    n_before = window.session.n_records
    qtbot.wait(300)
    assert window.session.n_records == n_before
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)  # start again, same parameters
    assert window.session.running
    qtbot.waitUntil(lambda: window.session.n_records > 5, timeout=5000)
    new = window.session.pipeline
    assert new is not None
    assert new is not pipeline
    assert new.parameters == LiveParameters(3.0, 0.5, 0.5, "head")
    assert all(tracker.closed for tracker in window.session._make_tracker.made[:-1])


def test_invalid_parameters_are_reported_in_the_banner(qtbot, window: MainWindow,
                                                       clip: Path) -> None:
    window.start(SourceChoice("file", str(clip), loop=True))
    window.controls.window_spin.setValue(1.0)  # max lag 1 s would not fit a 1 s window
    window.controls.max_lag_spin.setValue(2.0)
    # the banner may first say "waiting for frames"; wait for the parameter message
    qtbot.waitUntil(lambda: window.banner.isVisible()
                    and "parameters not applied" in window.banner.text(), timeout=3000)
    assert window.session.pipeline is not None
    assert window.session.pipeline.parameters.max_lag_s == 1.0


def test_missing_camera_is_a_message_not_a_traceback(qtbot, window: MainWindow,
                                                      capfd: pytest.CaptureFixture[str]) -> None:
    window.controls.set_source(SourceChoice("camera", 99))
    window.start()
    # The banner first reads "waiting for frames", and what it shows changes as statuses
    # arrive: wait for the whole expected message, never read whatever appears first.
    expected = "camera 99 could not be opened; retrying every 1 s"
    qtbot.waitUntil(lambda: window.banner.isVisible() and expected in window.banner.text(),
                    timeout=5000)
    assert window.session.messages["source"] == ("error", expected)
    assert window.session.running  # keeps trying until stopped
    window.stop()
    assert not window.session.running
    assert "Traceback" not in capfd.readouterr().err


def test_unplugged_camera_gap_then_resume(qtbot, window: MainWindow) -> None:
    camera = FlakyCamera(outage_s=(1.0, 3.0))
    window.session.start(SourceChoice("camera", 0), FAST, open_source=lambda: camera)
    qtbot.waitUntil(lambda: "no frames" in window.banner.text(), timeout=4000)
    assert camera.n_reopen >= 1
    n_during = window.session.n_records
    qtbot.waitUntil(lambda: window.session.n_records > n_during + 25, timeout=5000)
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=3000)
    pipeline = window.session.pipeline
    assert pipeline is not None
    qtbot.waitUntil(lambda: pipeline.snapshot().trace_time_s[-1]
                    + pipeline.snapshot().timestamp_s > 3.6, timeout=3000)
    state = pipeline.snapshot()
    t = state.trace_time_s + state.timestamp_s
    assert np.isnan(state.trace_a[(t > 1.6) & (t < 2.4)]).all()  # the outage is a gap
    assert np.isfinite(state.trace_a[t > 3.5]).any()


def test_person_out_of_view_is_shown(qtbot, clip: Path) -> None:
    win = build_window(MonitorConfig(source=None, parameters=FAST),
                       lambda regions: FakeTracker(b_visible=False))
    qtbot.addWidget(win)
    win.show()
    win.start(SourceChoice("file", str(clip)))
    qtbot.waitUntil(lambda: "B not in view" in win.banner.text(), timeout=5000)
    state = win.session.pipeline.snapshot()
    assert person_label(state, 1) == "B  (not in view)"
    assert person_label(state, 0) == "A"
    shown = win.video.image.image
    assert shown is not None
    assert shown.shape == state.image_rgb.shape
    assert not np.array_equal(shown, state.image_rgb)  # A and both boxes drawn into it
    for rgb in PERSON_RGB:  # A's skeleton and box, B's box: drawn in their colours
        assert np.all(shown == rgb, axis=2).any()
        assert not np.all(state.image_rgb == rgb, axis=2).any()
    win.close()


def test_missing_model_is_a_message(qtbot, tmp_path: Path, clip: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYNCHRONY_MODEL_DIR", raising=False)
    win = build_window(MonitorConfig(source=None, parameters=FAST),
                       mediapipe_tracker_factory(tmp_path, "lite"))
    qtbot.addWidget(win)
    win.show()
    win.start(SourceChoice("file", str(clip)))
    qtbot.waitUntil(lambda: "pose" in win.banner.text(), timeout=5000)
    qtbot.waitUntil(lambda: not win.session.running, timeout=5000)
    assert win.controls.start_stop.text().startswith("Start")
    win.close()


@pytest.mark.mediapipe
def test_demo_clip_tracked_for_real_follows_the_sign_convention(qtbot) -> None:
    """On the demo clip B follows A by 0.5 s: the gauge says so and the heatmap agrees."""
    win = build_window(MonitorConfig(source=None, parameters=FAST, model_dir=model_dir()))
    qtbot.addWidget(win)
    words: set[str] = set()
    win.timer.timeout.connect(lambda: words.add(win.gauge.words.text()))
    win.show()
    win.start(SourceChoice("file", str(DEMO)))
    qtbot.waitUntil(lambda: win.session.n_records > 10, timeout=15000)
    qtbot.waitUntil(lambda: win.heatmap.n_rows >= 20, timeout=30000)
    # a leader is named once the synchrony is above chance (half a 25 s horizon of windows)
    qtbot.waitUntil(lambda: any(w.startswith("B follows A") for w in words), timeout=90000)
    state = win.session.pipeline.snapshot()
    assert np.isfinite(state.pose_xy_norm).any(axis=(1, 2)).all()  # both skeletons found
    mean_profile = np.nanmean(state.heatmap_r, axis=0)
    assert 0.2 <= state.lags_s[np.nanargmax(mean_profile)] <= 0.8  # lag > 0: A leads
    assert any(re.fullmatch(r"B follows A by 0\.[3-7]\d s", w) for w in words), words
    win.close()
    assert win.last_stats.n_processed > 50


@pytest.mark.mediapipe
def test_cli_exits_after_n_seconds_with_screenshot_and_summary(tmp_path: Path) -> None:
    png = tmp_path / "out.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "SYNCHRONY_MODEL_DIR": str(model_dir())}
    done = subprocess.run(
        [sys.executable, "-m", "synchrony.cli", "monitor", str(DEMO), "--exit-after-s", "4",
         "--screenshot", str(png)],
        capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert png.stat().st_size > 10_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert SUMMARY.fullmatch(lines[0]), lines[0]


def test_cli_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["monitor", str(tmp_path / "missing.mp4")]) == 2
    assert cli_main(["monitor", str(DEMO), "--window-s", "1", "--max-lag-s", "2"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    assert "no such file" in lines[0]
    assert "max_lag_s" in lines[1]


def test_cli_without_source_falls_back_to_the_sample_clip(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(monitor_command, "_camera_exists", lambda index=0: False)
    args = cli_build_args([])
    assert monitor_command._source(args) == ("file", str(DEMO), True)
    assert "no camera found; playing the sample clip" in capsys.readouterr().err
    assert monitor_command.sample_clip() == DEMO


def cli_build_args(argv: list[str]):  # noqa: ANN201
    from synchrony.cli import build_parser

    return build_parser().parse_args(["monitor", *argv])


def test_gauge_words_that_would_wrap_get_a_smaller_font(qtbot) -> None:
    from gui.qt_gauge import LONG_WORDS_PT, WORDS_PT, SynchronyGauge

    gauge = SynchronyGauge()
    qtbot.addWidget(gauge)
    gauge.resize(320, 200)
    gauge.show()
    gauge.show_values("body", 0.4, 0.5, "B follows A by 0.50 s", 0.3, True)
    assert (gauge.words.font().pointSize(), gauge.words.font().bold()) == (WORDS_PT, True)
    gauge.show_values("body", math.nan, math.nan, "collecting data: first value after 7.5 s",
                      math.nan, None)
    assert (gauge.words.font().pointSize(), gauge.words.font().bold()) == (LONG_WORDS_PT, False)
    assert gauge.words.heightForWidth(gauge.words.width()) <= gauge.words.height() + 2
