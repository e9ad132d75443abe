"""GUI test set-up: no modal boxes allowed; the dashboard with a fake tracker.

The fakes themselves (tracker, flaky camera) are Qt-free: ``tests/fixtures/live_fakes.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PyQt6 import QtWidgets

from synchrony.gui.app import MonitorConfig, build_window
from synchrony.gui.qt_dashboard import MainWindow
from synchrony.records import HALVES, Region
from tests.fixtures.live_fakes import FAST, FakeTracker
from tests.fixtures.video_files import write_cfr_video


@pytest.fixture(autouse=True)
def _no_message_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard reports problems in its banner: any QMessageBox fails the test."""

    def fail(*args: object, **kwargs: object) -> None:
        pytest.fail(f"unexpected QMessageBox: {args[1:3]}")

    for name in ("critical", "warning", "information", "question", "about"):
        monkeypatch.setattr(QtWidgets.QMessageBox, name, staticmethod(fail))
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", fail)






@pytest.fixture
def fake_tracker() -> Callable[..., FakeTracker]:
    """Tracker factory (``TrackerFactory``) of fake trackers; ``made`` lists those it built."""
    made: list[FakeTracker] = []

    def make(regions: tuple[Region, Region] = HALVES) -> FakeTracker:
        made.append(FakeTracker())
        return made[-1]

    make.made = made  # type: ignore[attr-defined]
    return make




@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10 s of tiny frames at 25 fps (the fake tracker ignores the pixels)."""
    return write_cfr_video(tmp_path_factory.mktemp("clip"), n_frames=250, fps=25.0)


@pytest.fixture
def window(qtbot, fake_tracker) -> MainWindow:  # noqa: ANN001 - pytest-qt fixtures
    """The dashboard with a fake tracker, shown offscreen, closed after the test."""
    win = build_window(MonitorConfig(source=None, parameters=FAST), fake_tracker)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
