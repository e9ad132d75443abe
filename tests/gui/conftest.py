"""GUI test set-up: no modal boxes allowed; a fake tracker and fake live sources.

The fake tracker reads nothing from the image: A's upper body follows ``driver(t)`` and B's
``driver(t - lag_s)`` (from ``tests.fixtures.tracked``), so B follows A by ``lag_s``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PyQt6 import QtWidgets

from synchrony.gui.app import MonitorConfig, build_window
from synchrony.gui.qt_dashboard import MainWindow
from synchrony.live import LiveParameters
from synchrony.records import HALVES, Frame, PersonObservation, Region, TrackedFrame
from tests.fixtures.tracked import SIZE_PX, driver, person
from tests.fixtures.video_files import write_cfr_video

FAKE_LAG_S = 0.4


@pytest.fixture(autouse=True)
def _no_message_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard reports problems in its banner: any QMessageBox fails the test."""

    def fail(*args: object, **kwargs: object) -> None:
        pytest.fail(f"unexpected QMessageBox: {args[1:3]}")

    for name in ("critical", "warning", "information", "question", "about"):
        monkeypatch.setattr(QtWidgets.QMessageBox, name, staticmethod(fail))
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", fail)


class FakeTracker:
    """PersonTracker stand-in: B follows A by ``lag_s``; ``b_visible=False`` hides B."""

    def __init__(self, lag_s: float = FAKE_LAG_S, b_visible: bool = True) -> None:
        self.lag_s, self.b_visible = lag_s, b_visible
        self.closed = False

    def track(self, frame: Frame) -> TrackedFrame:
        t = frame.timestamp_s
        a, b = driver(np.array([t, t - self.lag_s]), seed=0)
        people = (person(0.25, 0.03 * a, rot_deg=5 * a),
                  person(0.75, 0.03 * b, rot_deg=5 * b) if self.b_visible
                  else PersonObservation())
        return TrackedFrame(timestamp_s=t, index=frame.index, size_px=SIZE_PX, people=people,
                            regions=HALVES)

    def close(self) -> None:
        self.closed = True


class FlakyCamera:
    """A live source at ``fps`` that goes silent from ``outage_s[0]`` to ``outage_s[1]``
    (seconds after the first read), like an unplugged camera, then comes back."""

    is_live = True
    description = "fake camera"
    fps_hint = 25.0
    size_px = (64, 48)
    n_frames_hint = None

    def __init__(self, fps: float = 25.0, outage_s: tuple[float, float] = (1.5, 3.0)) -> None:
        self.fps, self.outage_s = fps, outage_s
        self.n_reopen = 0
        self.n_consecutive_failures = 0
        self._start: float | None = None
        self._index = 0
        self._image = np.full((48, 64, 3), 90, dtype=np.uint8)

    def read(self) -> Frame | None:
        now = time.perf_counter()
        self._start = now if self._start is None else self._start
        t = now - self._start
        if self.outage_s[0] <= t < self.outage_s[1]:
            time.sleep(0.02)
            self.n_consecutive_failures += 1
            return None
        time.sleep(1.0 / self.fps)
        self.n_consecutive_failures = 0
        self._index += 1
        return Frame(self._image, t, self._index - 1)

    def reopen(self) -> None:
        self.n_reopen += 1

    def close(self) -> None:
        pass


@pytest.fixture
def fake_tracker() -> Callable[..., FakeTracker]:
    """Tracker factory (``TrackerFactory``) of fake trackers; ``made`` lists those it built."""
    made: list[FakeTracker] = []

    def make(regions: tuple[Region, Region] = HALVES) -> FakeTracker:
        made.append(FakeTracker())
        return made[-1]

    make.made = made  # type: ignore[attr-defined]
    return make


#: Short windows so that tests see heatmap rows within a few seconds.
FAST = LiveParameters(window_s=3.0, step_s=0.5, max_lag_s=1.0, signal="body")


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
