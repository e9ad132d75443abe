"""Replay window: a recorded session's video with overlays, timeline, episodes and markers.

Layout: status line (top, only when there is something to say); the video (left) beside the
episode and marker lists (right); the transport row (play/pause, step, time, speed, signal,
add marker); the synchrony at the cursor in words; the timeline of the whole session.

Keyboard: Space play/pause, Left/Right one frame back/forward, M add a marker at the cursor,
1-9 the signals in the signal box's order (body, head, face, motion, then any
registered later). Playback runs on a QTimer at the session's frame rate times
the speed; when drawing is slower than that, frames are skipped to keep time. The window
draws what :class:`synchrony.session.replay.ReplayModel` gives it and never computes.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from PyQt6 import QtCore, QtGui, QtWidgets

from synchrony.render.frames import EPISODE_RGB
from synchrony.session.replay import ReplayModel
from synchrony.signals.registry import registered_signals

from .qt_timeline import SynchronyTimeline
from .qt_video import VideoView

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
MIN_INTERVAL_MS = 15
EPISODE_COLUMNS = ("kind", "start", "end", "signal", "strength")


def clock_text(time_s: float) -> str:
    """``75.25`` -> ``"1:15.2"``."""
    return f"{int(time_s // 60)}:{time_s % 60:04.1f}"


class ReplayWindow(QtWidgets.QMainWindow):
    """Replays one session (see the module docstring).

    Parameters
    ----------
    model : the opened session.
    signal : signal shown first.
    speed : playback speed (one of SPEEDS).
    """

    def __init__(self, model: ReplayModel, signal: str = "body", speed: float = 1.0) -> None:
        super().__init__()
        self.setObjectName("replayWindow")
        self.setWindowTitle(f"synchrony replay: {model.session.path.name}")
        self.model = model
        self.position = 0
        self.signal = signal
        self.speed = speed
        self._play_origin: tuple[float, float] = (0.0, 0.0)  # (wall clock, session time)
        self.status = QtWidgets.QLabel()
        self.status.setObjectName("statusLine")
        self.status.setWordWrap(True)
        self.status.setVisible(False)
        self.video = VideoView()
        self.episode_table = self._episode_table()
        self.marker_list = QtWidgets.QListWidget()
        self.marker_list.setObjectName("markerList")
        self.marker_list.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.marker_list.itemClicked.connect(
            lambda item: self.seek(item.data(QtCore.Qt.ItemDataRole.UserRole)))
        self.timeline = SynchronyTimeline()
        self.timeline.seek_requested.connect(self.seek)
        self.description = QtWidgets.QLabel()
        self.description.setObjectName("synchronyNow")
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self._tick)
        self._build_layout()
        self._shortcuts()
        self.set_signal(signal)
        self.show_markers()
        self.set_position(0)

    # ------------------------------------------------------------------ layout
    def _episode_table(self) -> QtWidgets.QTableWidget:
        table = QtWidgets.QTableWidget(0, len(EPISODE_COLUMNS))
        table.setObjectName("episodeTable")
        table.setHorizontalHeaderLabels(EPISODE_COLUMNS)
        table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        table.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        vertical = table.verticalHeader()
        assert vertical is not None
        vertical.setVisible(False)
        header = table.horizontalHeader()
        assert header is not None
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        table.cellClicked.connect(self._episode_clicked)
        return table

    def _button(self, text: str, name: str, slot: Callable[[], object],
                tip: str) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        return button

    def _transport(self) -> QtWidgets.QHBoxLayout:
        row = QtWidgets.QHBoxLayout()
        self.play_button = self._button("Play", "playButton", self.toggle_play, "Space")
        row.addWidget(self._button("◀|", "stepBackButton", lambda: self.step(-1), "Left"))
        row.addWidget(self.play_button)
        row.addWidget(self._button("|▶", "stepForwardButton", lambda: self.step(1), "Right"))
        self.time_label = QtWidgets.QLabel()
        self.time_label.setObjectName("timeLabel")
        self.time_label.setMinimumWidth(150)
        row.addWidget(self.time_label)
        row.addStretch(1)
        self.speed_box = QtWidgets.QComboBox()
        self.speed_box.setObjectName("speedBox")
        self.speed_box.addItems([f"{s:g}×" for s in SPEEDS])
        self.speed_box.setCurrentIndex(SPEEDS.index(self.speed) if self.speed in SPEEDS else 2)
        self.speed_box.currentIndexChanged.connect(lambda i: self.set_speed(SPEEDS[i]))
        self.signal_box = QtWidgets.QComboBox()
        self.signal_box.setObjectName("signalBox")
        for k, spec in enumerate(registered_signals(), start=1):
            self.signal_box.addItem(f"{k}: {spec.name}" if k <= 9 else spec.name, spec.name)
            self.signal_box.setItemData(k - 1, f"{spec.label} ({spec.unit})",
                                        QtCore.Qt.ItemDataRole.ToolTipRole)
        self.signal_box.currentIndexChanged.connect(
            lambda i: self.set_signal(str(self.signal_box.itemData(i))))
        for label, box in (("speed", self.speed_box), ("signal", self.signal_box)):
            box.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
            row.addWidget(QtWidgets.QLabel(label))
            row.addWidget(box)
        row.addWidget(self._button("Add marker (M)", "markerButton", self.add_marker, "M"))
        return row

    def _side_panel(self) -> QtWidgets.QWidget:
        panel = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(panel)
        column.setContentsMargins(0, 0, 0, 0)
        legend = "  ".join(f'<span style="color: rgb{rgb}">■</span> {kind}'
                           for kind, rgb in EPISODE_RGB.items())
        column.addWidget(QtWidgets.QLabel("<b>Episodes</b> (click one to jump to it)"))
        column.addWidget(QtWidgets.QLabel(legend))
        column.addWidget(self.episode_table, 3)
        column.addWidget(QtWidgets.QLabel("<b>Markers</b> (M adds one at the cursor)"))
        column.addWidget(self.marker_list, 1)
        panel.setMinimumWidth(340)
        return panel

    def _build_layout(self) -> None:
        central = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(central)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.status)
        top = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        top.addWidget(self.video)
        top.addWidget(self._side_panel())
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 1)
        column.addWidget(top, 3)
        column.addLayout(self._transport())
        column.addWidget(self.description)
        column.addWidget(self.timeline, 2)
        self.setCentralWidget(central)

    def _shortcuts(self) -> None:
        keys: list[tuple[str, Callable[[], object]]] = [
            ("Space", self.toggle_play), ("Left", lambda: self.step(-1)),
            ("Right", lambda: self.step(1)), ("M", self.add_marker), ("Ctrl+Q", self.close)]
        names = [str(self.signal_box.itemData(i)) for i in range(self.signal_box.count())]
        keys += [(str(k), functools.partial(self.set_signal, name))
                 for k, name in enumerate(names[:9], start=1)]
        for key, slot in keys:
            shortcut = QtGui.QShortcut(QtGui.QKeySequence(key), self)
            shortcut.activated.connect(slot)

    # ------------------------------------------------------------------ player
    @property
    def playing(self) -> bool:
        """True while the playback timer runs."""
        return self.timer.isActive()

    def set_position(self, k: int) -> None:
        """Show position ``k`` (clamped): picture, cursor, time and synchrony in words."""
        model = self.model
        self.position = model.clamp(k)
        time_s = model.time_at(self.position)
        self.video.show_frame(model.image(self.position))
        self.timeline.set_cursor(time_s)
        self.time_label.setText(f"{clock_text(time_s)} / {clock_text(model.duration_s)}  "
                                f"(frame {self.position + 1}/{model.n_frames})")
        self.description.setText(model.describe(self.signal, time_s))

    @QtCore.pyqtSlot(float)
    def seek(self, time_s: float) -> None:
        """Jump to the frame nearest ``time_s`` (seconds); playback goes on if it was on."""
        self.set_position(self.model.index_at(time_s))
        self._play_origin = (time.perf_counter(), self.model.time_at(self.position))

    def step(self, n_frames: int) -> None:
        """Pause and move ``n_frames`` frames (negative: back)."""
        self.pause()
        self.set_position(self.position + n_frames)

    def play(self) -> None:
        """Start playing from the cursor (from the start when at the end)."""
        if self.position >= self.model.n_frames - 1:
            self.set_position(0)
        self._play_origin = (time.perf_counter(), self.model.time_at(self.position))
        self.timer.setInterval(self._interval_ms())
        self.timer.start()
        self.play_button.setText("Pause")

    def pause(self) -> None:
        """Stop playing; the frame stays."""
        self.timer.stop()
        self.play_button.setText("Play")

    def toggle_play(self) -> None:
        """Play or pause (Space)."""
        self.pause() if self.playing else self.play()

    def set_speed(self, speed: float) -> None:
        """Playback speed, 0.25× to 4×."""
        self.speed = min(max(float(speed), SPEEDS[0]), SPEEDS[-1])
        self._play_origin = (time.perf_counter(), self.model.time_at(self.position))
        self.timer.setInterval(self._interval_ms())

    def _interval_ms(self) -> int:
        return max(MIN_INTERVAL_MS, round(1000.0 / (self.model.fps * self.speed)))

    def _tick(self) -> None:
        wall0, time0 = self._play_origin
        target = self.model.index_at(time0 + (time.perf_counter() - wall0) * self.speed)
        self.set_position(max(target, self.position + 1))
        if self.position >= self.model.n_frames - 1:
            self.pause()

    # ------------------------------------------------------------------ synchrony
    def set_signal(self, signal: str) -> None:
        """Show the timeline, episodes and words of ``signal`` (keys 1-9).

        Raises
        ------
        ValueError
            ``signal`` is not a registered signal (nothing changes).
        """
        model = self.model
        timeline = model.timeline(signal)  # checks the name first
        self.signal = signal
        with QtCore.QSignalBlocker(self.signal_box):
            self.signal_box.setCurrentIndex(self.signal_box.findData(signal))
        self.timeline.show_timeline(timeline, model.episodes(signal),
                                    (0.0, model.duration_s), model.note(signal))
        self.episode_table.setRowCount(0)
        for row, e in enumerate(model.episodes(signal)):
            self.episode_table.insertRow(row)
            cells = (e.kind, clock_text(e.start_s), clock_text(e.end_s), e.signal,
                     f"{e.strength:.2f}")
            for col, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                item.setData(QtCore.Qt.ItemDataRole.UserRole, e.start_s)
                self.episode_table.setItem(row, col, item)
        if self.episode_table.rowCount() == 0:
            self.show_status(f"no episodes for {signal}: {model.note(signal)}"
                             if model.note(signal) else "")
        else:
            self.show_status("")
        self.description.setText(model.describe(signal, model.time_at(self.position)))

    def _episode_clicked(self, row: int, column: int) -> None:
        item = self.episode_table.item(row, column)
        if item is not None:
            self.seek(float(item.data(QtCore.Qt.ItemDataRole.UserRole)))

    # ------------------------------------------------------------------ markers
    def show_markers(self) -> None:
        """List the markers and draw them on the timeline."""
        markers = self.model.markers
        self.timeline.set_markers([(float(m["time_s"]), str(m["label"])) for m in markers])
        self.marker_list.clear()
        for m in markers:
            item = QtWidgets.QListWidgetItem(f"{clock_text(float(m['time_s']))}  {m['label']}")
            item.setData(QtCore.Qt.ItemDataRole.UserRole, float(m["time_s"]))
            self.marker_list.addItem(item)

    def add_marker(self) -> None:
        """Add a marker at the cursor (M); saved into the session at once."""
        try:
            marker = self.model.add_marker(self.model.time_at(self.position))
        except (OSError, ValueError) as exc:
            self.show_status(f"marker not saved: {exc}", error=True)
            return
        self.show_markers()
        self.show_status(f"{marker['label']} at {clock_text(marker['time_s'])} saved")

    # ------------------------------------------------------------------ status
    def show_status(self, text: str, *, error: bool = False) -> None:
        """One line above the video (hidden when empty); never a modal box."""
        colour = "#b00020" if error else "#1f5f99"
        self.status.setStyleSheet(f"color: white; background: {colour}; padding: 3px;")
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def finish(self, screenshot: str | None = None) -> bool:
        """Save a screenshot of the window (if asked) and close; False if it was not saved."""
        saved = self.grab().save(screenshot, "PNG", 0) if screenshot else True
        self.close()
        return saved

    def closeEvent(self, event: QtGui.QCloseEvent | None) -> None:  # noqa: N802 (Qt)
        """Stop playing and close the video file."""
        self.pause()
        self.model.close()
        super().closeEvent(event)
