"""The replay window, offscreen: seeking, playing, markers, episodes, signals, CLI.

Sessions are synthetic (no MediaPipe): B follows A by 0.5 s, 10 fps.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PyQt6 import QtCore

from synchrony.cli import main as cli_main
from synchrony.gui.qt_replay import ReplayWindow
from synchrony.gui.replay_app import ReplayConfig, build_replay_window
from synchrony.session.store import open_session
from tests.fixtures.sessions import coupled_frames, write_session, write_video

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 30 s landmarks-only session and a 12 s one with its video."""
    root = tmp_path_factory.mktemp("replay")
    write_session(root / "plain", coupled_frames(30.0))
    frames = coupled_frames(12.0)
    write_session(root / "video", frames[::2], video_saved=True)
    write_video(root / "video", frames)
    return {"plain": root / "plain", "video": root / "video"}


def open_window(qtbot, path: Path, **config: object) -> ReplayWindow:  # noqa: ANN001
    win = build_replay_window(open_session(path), ReplayConfig(**config))  # type: ignore[arg-type]
    qtbot.addWidget(win)
    with qtbot.waitActive(win):  # shortcuts need the active window
        win.show()
    return win


@pytest.mark.parametrize(("kind", "t_s"), [("plain", 17.3), ("plain", 4.0), ("video", 8.25)])
def test_clicking_the_timeline_seeks_there(qtbot, sessions: dict[str, Path], kind: str,
                                           t_s: float) -> None:
    win = open_window(qtbot, sessions[kind])
    timeline = win.timeline
    qtbot.mouseClick(timeline.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     pos=timeline.widget_pos(t_s))
    frame_s = 1.0 / win.model.fps
    assert abs(win.model.time_at(win.position) - t_s) <= frame_s + 0.02
    assert timeline.cursors[0].value() == pytest.approx(win.model.time_at(win.position))


@pytest.mark.parametrize("kind", ["plain", "video"])
def test_play_advances_frames_and_pauses(qtbot, sessions: dict[str, Path], kind: str) -> None:
    win = open_window(qtbot, sessions[kind], speed=4.0)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Space)
    assert win.playing
    qtbot.waitUntil(lambda: win.position >= 10, timeout=5000)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Space)
    assert not win.playing
    stopped = win.position
    qtbot.wait(100)
    assert win.position == stopped
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Right)
    assert win.position == stopped + 1
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Left)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Left)
    assert win.position == stopped - 1


def test_play_stops_at_the_end(qtbot, sessions: dict[str, Path]) -> None:
    win = open_window(qtbot, sessions["video"], start_s=11.5, speed=4.0)
    win.play()
    qtbot.waitUntil(lambda: not win.playing, timeout=3000)
    assert win.position == win.model.n_frames - 1


def test_markers_added_with_m_are_saved_and_reloaded(qtbot, tmp_path: Path,
                                                     sessions: dict[str, Path]) -> None:
    path = tmp_path / "s"
    shutil.copytree(sessions["plain"], path)
    win = open_window(qtbot, path, start_s=12.0)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_M)
    win.seek(20.0)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_M)
    assert win.marker_list.count() == 2
    assert len(win.timeline.marker_lines) == 2
    assert "saved" in win.status.text()
    win.close()
    assert [m["time_s"] for m in open_session(path).markers] == pytest.approx([12.0, 20.0])
    again = open_window(qtbot, path)
    assert again.marker_list.count() == 2
    assert len(again.timeline.marker_lines) == 2
    item = again.marker_list.item(1)
    assert item is not None
    again.marker_list.itemClicked.emit(item)
    assert again.model.time_at(again.position) == pytest.approx(20.0)


def test_marker_that_cannot_be_saved_is_a_status_line(qtbot, tmp_path: Path,
                                                      sessions: dict[str, Path]) -> None:
    path = tmp_path / "s"
    shutil.copytree(sessions["plain"], path)
    win = open_window(qtbot, path)
    (path / "session.json").unlink()
    (path / "session.json").mkdir()  # cannot be read or replaced
    qtbot.keyClick(win, QtCore.Qt.Key.Key_M)
    assert win.status.isVisible()
    assert win.status.text().startswith("marker not saved")
    assert win.marker_list.count() == 0


def test_clicking_an_episode_jumps_to_its_start(qtbot, sessions: dict[str, Path]) -> None:
    win = open_window(qtbot, sessions["plain"], start_s=29.0)
    table = win.episode_table
    episodes = win.model.episodes("body")
    assert table.rowCount() == len(episodes) > 0
    last = table.rowCount() - 1
    rect = table.visualRect(table.model().index(last, 1))
    qtbot.mouseClick(table.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())
    assert win.model.time_at(win.position) == pytest.approx(episodes[last].start_s, abs=0.051)


def test_signal_keys_switch_timeline_and_episodes(qtbot, sessions: dict[str, Path]) -> None:
    win = open_window(qtbot, sessions["plain"], start_s=15.0)
    body_heights = np.array(win.timeline.bars.opts["height"], dtype=float)
    assert win.description.text().startswith("body: ")
    qtbot.keyClick(win, QtCore.Qt.Key.Key_4)
    assert win.signal == "motion"
    assert win.signal_box.currentText() == "4: motion"
    motion_heights = np.array(win.timeline.bars.opts["height"], dtype=float)
    assert not np.array_equal(body_heights, motion_heights, equal_nan=True)
    assert win.description.text().startswith("motion: ")
    assert all(table_signal == "motion" for table_signal in (
        win.episode_table.item(r, 3).text() for r in range(win.episode_table.rowCount())))
    qtbot.keyClick(win, QtCore.Qt.Key.Key_2)  # head: no head movement in these frames
    assert win.signal == "head"
    assert win.description.text().startswith("head: ")


def test_speed_changes_the_timer(qtbot, sessions: dict[str, Path]) -> None:
    win = open_window(qtbot, sessions["plain"])
    win.speed_box.setCurrentIndex(0)
    assert win.speed == 0.25
    assert win.timer.interval() == 400
    win.speed_box.setCurrentIndex(4)
    assert win.timer.interval() == 25


def test_cli_bad_directory_is_one_line_exit_2(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["replay", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("synchrony replay: error: no such session directory")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "session.json").write_text("{not json")
    assert cli_main(["replay", str(tmp_path / "broken")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_cli_screenshot_and_exit(tmp_path: Path, sessions: dict[str, Path]) -> None:
    png = tmp_path / "replay.png"
    assert cli_main(["replay", str(sessions["video"]), "--start-s", "5", "--play",
                     "--exit-after-s", "0.5", "--screenshot", str(png)]) == 0
    assert png.stat().st_size > 1000
