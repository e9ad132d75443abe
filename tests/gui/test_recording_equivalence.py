"""One capture loop: the dashboard and ``synchrony record`` record the same frames.

The same clip is recorded twice with the fake tracker (tests/gui/conftest.py): from the
dashboard (``MainWindow.start_recording``, what ``monitor --record`` does) and by the
``record`` command, whose tracker factory is replaced by the fake one. The clip plays at
5 fps, so the tracker (about 1 ms a frame) never lets a frame wait: nothing is dropped, and
both sessions must hold the same frames with the same indices, times and landmark rows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from synchrony.cli import main as cli_main
from synchrony.gui.app import MonitorConfig, build_window
from synchrony.gui.workers import SourceChoice
from synchrony.session.store import Session, open_session
from tests.fixtures.live_fakes import FAST, FakeTracker
from tests.fixtures.video_files import write_cfr_video

pytestmark = pytest.mark.gui
N_FRAMES = 15
FPS = 5.0


@pytest.fixture(scope="module")
def slow_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 s at 5 fps: a frame every 200 ms."""
    return write_cfr_video(tmp_path_factory.mktemp("slow"), n_frames=N_FRAMES, fps=FPS)


def landmark_rows(session: Session) -> pa.Table:
    """The landmark table without the per-frame processing time (a measurement)."""
    table = session.landmarks_table()
    return table.drop_columns([c for c in ("processing_s",) if c in table.column_names])


def test_dashboard_and_record_hold_the_same_frames(
        qtbot, slow_clip: Path, tmp_path: Path, fake_tracker: Callable[..., FakeTracker],
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = build_window(MonitorConfig(source=None, parameters=FAST), fake_tracker)
    qtbot.addWidget(window)
    window.show()
    assert window.start_recording(tmp_path / "dashboard", SourceChoice("file", str(slow_clip)))
    qtbot.waitUntil(lambda: window.session.recording is None, timeout=20000)  # clip ended
    window.close()

    monkeypatch.setattr("synchrony.capture.factory.tracker_factory",
                        lambda model_dir, pose_variant: fake_tracker)
    assert cli_main(["record", str(slow_clip), "--out", str(tmp_path / "record"),
                     "--no-progress"]) == 0

    dashboard, record = open_session(tmp_path / "dashboard"), open_session(tmp_path / "record")
    for session in (dashboard, record):
        meta = session.metadata
        assert meta["ended"] == "clean"
        assert meta["frames_captured"] == N_FRAMES
        assert meta["frames_dropped_by_tracker"] == 0, "paced too fast for this machine?"
        assert meta["frames_recorded"] == N_FRAMES
    frames_d, frames_r = dashboard.frames(), record.frames()
    assert [f.index for f in frames_d] == [f.index for f in frames_r] == list(range(N_FRAMES))
    assert [f.timestamp_s for f in frames_d] == [f.timestamp_s for f in frames_r]
    assert frames_d[-1].timestamp_s == pytest.approx((N_FRAMES - 1) / FPS)
    assert landmark_rows(dashboard).equals(landmark_rows(record))
    assert len(fake_tracker.made) == 2  # type: ignore[attr-defined]
