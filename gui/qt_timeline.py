"""Synchrony timeline of a whole session: smoothed synchrony, chance level, episodes, lag.

Two rows sharing the time axis (seconds on the session clock):

- the timeline's strength of each window (:mod:`synchrony.analysis.timeline`, shown as
  r = tanh of the local lag-profile peak) as bars, the chance level of the same statistic
  as a dashed curve, the episodes as coloured blocks in a lane above;
- the timeline's lag in seconds (lag > 0: A leads and B follows).

Markers are white vertical lines, the playback cursor a yellow one. A click anywhere on the
timeline emits ``seek_requested(time_s)``. The widget draws what it is given; the numbers come
from :class:`synchrony.session.replay.ReplayModel`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtWidgets

from synchrony.analysis.episodes import Episode, SignalTimeline
from synchrony.render.frames import EPISODE_RGB

from .drawing import finite_points

CURSOR_RGB = (255, 230, 80)
CHANCE_RGB = (160, 160, 170)
CHANCE_LINE_RGB = (250, 250, 250)
BAR_RGB = (86, 180, 233)
LANE_Y = (1.04, 1.16)  # episode lane above the bars, in units of r


class SynchronyTimeline(pg.GraphicsLayoutWidget):
    """Timeline of one signal with a cursor; click to seek.

    Signals
    -------
    seek_requested(float)
        The user clicked at this time (seconds).
    """

    seek_requested = QtCore.pyqtSignal(float)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setObjectName("synchronyTimeline")
        self.setBackground((24, 24, 28))
        self.r_plot = self.addPlot(row=0, col=0)
        self.lag_plot = self.addPlot(row=1, col=0)
        self.ci.layout.setRowStretchFactor(0, 3)
        self.ci.layout.setRowStretchFactor(1, 2)
        self.lag_plot.setXLink(self.r_plot)
        for plot in (self.r_plot, self.lag_plot):
            plot.setMouseEnabled(x=False, y=False)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.getAxis("left").setWidth(58)
            plot.showGrid(x=True, y=False, alpha=0.2)
        self.r_plot.setLabel("left", "synchrony r")
        self.r_plot.setYRange(0.0, LANE_Y[1] + 0.02, padding=0)
        self.r_plot.getAxis("bottom").setStyle(showValues=False)
        self.lag_plot.setLabel("left", "lag", units="s")
        self.lag_plot.getAxis("left").enableAutoSIPrefix(False)
        self.lag_plot.enableAutoRange(axis="y")
        self.lag_plot.setLabel("bottom", "time (lag > 0: A leads, B follows)", units="s")
        self.chance = pg.PlotDataItem([], [], connect="finite", name="chance",
                                      pen=pg.mkPen(CHANCE_LINE_RGB, width=2,
                                                   style=QtCore.Qt.PenStyle.DashLine))
        self.chance.setZValue(10)
        self.r_plot.addItem(self.chance)
        self.bars = pg.BarGraphItem(x=[], height=[], width=1.0, brush=pg.mkBrush(*BAR_RGB),
                                    pen=pg.mkPen(None))
        self.r_plot.addItem(self.bars)
        self.lanes: list[pg.BarGraphItem] = []
        self.lag_dots = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(*BAR_RGB))
        self.lag_plot.addItem(self.lag_dots)
        self.lag_plot.addItem(pg.InfiniteLine(pos=0, angle=0, movable=False,
                                              pen=pg.mkPen(CHANCE_RGB, width=1)))
        self.note = pg.TextItem(color=(235, 235, 235), anchor=(0, 0.5))
        self.r_plot.addItem(self.note)
        self.marker_lines: list[pg.InfiniteLine] = []
        self.cursors = []
        for plot in (self.r_plot, self.lag_plot):
            cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(CURSOR_RGB, width=2))
            cursor.setZValue(20)
            plot.addItem(cursor)
            self.cursors.append(cursor)
        self.scene().sigMouseClicked.connect(self._clicked)
        self.setMinimumHeight(160)

    def show_timeline(self, timeline: SignalTimeline | None, episodes: Sequence[Episode],
                      span_s: tuple[float, float], note: str = "") -> None:
        """Draw one signal's timeline over ``span_s`` = (first, last) time in seconds."""
        self.r_plot.setXRange(*span_s, padding=0.01)
        for lane in self.lanes:
            self.r_plot.removeItem(lane)
        self.lanes = []
        has_data = timeline is not None and timeline.centre_s.size > 0
        self.note.setVisible(not has_data)
        self.note.setText(note or "no synchrony computed")
        self.note.setPos(span_s[0], 0.5)
        if timeline is None or not has_data:
            self.bars.setOpts(x=[], height=[], width=1.0)
            self.lag_dots.clear()
            self.chance.setData([], [])
            return
        self.bars.setOpts(x=timeline.centre_s,
                          height=np.nan_to_num(np.tanh(timeline.strength), nan=0.0),
                          width=timeline.step_s * 0.9)
        dots = finite_points(timeline.centre_s, timeline.lag_s)
        if len(dots):
            self.lag_dots.setData(pos=dots)
        else:
            self.lag_dots.clear()
        self.chance.setData(timeline.centre_s, np.tanh(timeline.chance_level))
        for kind, rgb in EPISODE_RGB.items():
            mine = [e for e in episodes if e.kind == kind]
            if not mine:
                continue
            lane = pg.BarGraphItem(x0=[e.start_s for e in mine], x1=[e.end_s for e in mine],
                                   y0=LANE_Y[0], y1=LANE_Y[1], brush=pg.mkBrush(*rgb),
                                   pen=pg.mkPen(None), name=kind)
            self.r_plot.addItem(lane)
            self.lanes.append(lane)

    def set_markers(self, markers: Sequence[tuple[float, str]]) -> None:
        """Draw markers, ``(time_s, label)`` each."""
        for line in self.marker_lines:
            self.r_plot.removeItem(line)
        self.marker_lines = []
        for time_s, label in markers:
            line = pg.InfiniteLine(pos=time_s, angle=90, movable=False, label=label,
                                   labelOpts={"position": 0.8, "color": (255, 255, 255)},
                                   pen=pg.mkPen((255, 255, 255), width=1,
                                                style=QtCore.Qt.PenStyle.DashLine))
            line.setZValue(10)
            self.r_plot.addItem(line)
            self.marker_lines.append(line)

    def set_cursor(self, time_s: float) -> None:
        """Move the playback cursor to ``time_s``."""
        for cursor in self.cursors:
            cursor.setValue(time_s)

    def widget_pos(self, time_s: float) -> QtCore.QPoint:
        """Pixel position (in this widget) of ``time_s`` on the middle of the |r| row."""
        scene = self.r_plot.vb.mapViewToScene(QtCore.QPointF(time_s, 0.5))
        return self.mapFromScene(scene)

    def _clicked(self, event: object) -> None:
        pos = event.scenePos()  # type: ignore[attr-defined]
        for plot in (self.r_plot, self.lag_plot):
            if plot.vb.sceneBoundingRect().contains(pos):
                self.seek_requested.emit(float(plot.vb.mapSceneToView(pos).x()))
                return
