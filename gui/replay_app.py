"""Start the replay window: ``run_replay(ReplayConfig(...))`` (used by ``synchrony replay``)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PyQt6 import QtCore, QtWidgets

from synchrony.session.replay import ReplayModel
from synchrony.session.store import Session

from .qt_replay import ReplayWindow


@dataclass(frozen=True)
class ReplayConfig:
    """What ``synchrony replay`` was asked to do.

    Attributes
    ----------
    signal : signal shown first (body, head, face, motion).
    start_s : cursor position at start, seconds on the session clock.
    speed : playback speed (0.25-4).
    play : start playing at once.
    exit_after_s : quit after this many seconds (None: run until closed).
    screenshot : PNG of the window saved just before exit.
    window_size : initial (width, height) in pixels.
    """

    signal: str = "body"
    start_s: float = 0.0
    speed: float = 1.0
    play: bool = False
    exit_after_s: float | None = None
    screenshot: Path | None = None
    window_size: tuple[int, int] = (1280, 800)


def build_replay_window(session: Session, config: ReplayConfig) -> ReplayWindow:
    """Build the replay window for an opened session, at ``config.start_s`` (not shown)."""
    window = ReplayWindow(ReplayModel(session), signal=config.signal, speed=config.speed)
    window.resize(*config.window_size)
    window.seek(config.start_s)
    return window


def run_replay(session: Session, config: ReplayConfig) -> int:
    """Show the replay window until closed (or ``exit_after_s``).

    Returns
    -------
    int
        0; 1 when the screenshot could not be written.
    """
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(
        [sys.argv[0] if sys.argv else "synchrony"])
    window = build_replay_window(session, config)
    window.show()
    if config.play:
        window.play()
    saved = [True]
    if config.exit_after_s is not None:
        screenshot = str(config.screenshot) if config.screenshot else None
        QtCore.QTimer.singleShot(int(config.exit_after_s * 1000),
                                 lambda: saved.__setitem__(0, window.finish(screenshot)))
    app.exec()
    if not saved[0]:
        print(f"synchrony replay: error: could not write {config.screenshot}", file=sys.stderr)
        return 1
    return 0
