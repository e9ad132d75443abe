"""WCC heatmap: lag (s) x time (s before now), r in colour, with the peak path."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtWidgets

from synchrony.engine.lead import SIGN_CONVENTION

from .drawing import finite_points


class WccHeatmap(pg.PlotWidget):
    """Scrolling heatmap of Pearson r (blue -1 … red +1), peak path as black dots."""

    def __init__(self, parent: QtWidgets.QWidget | None = None, span_s: float = 60.0) -> None:
        super().__init__(parent=parent)
        self.setObjectName("wccHeatmap")
        self.setBackground("w")
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.setLabel("bottom", "window end, before now", units="s")
        self.setLabel("left", "lag (> 0: A leads)", units="s")
        self.setToolTip(SIGN_CONVENTION)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        self.image.setColorMap(pg.colormap.get("CET-D1"))
        self.getPlotItem().addColorBar(self.image, values=(-1, 1), interactive=False,
                                       width=12, label="r")
        self.zero = pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen((90, 90, 90), width=1,
                                                                 style=QtCore.Qt.PenStyle.DashLine))
        self.addItem(self.zero)
        self.path = pg.PlotCurveItem(pen=pg.mkPen((0, 0, 0), width=1.5), connect="finite")
        self.dots = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(0, 0, 0))
        self.addItem(self.path)
        self.addItem(self.dots)
        self.setXRange(-span_s, 0, padding=0.01)
        self.n_rows = 0

    def show_grid(self, time_s: np.ndarray, lags_s: np.ndarray, r: np.ndarray,
                  step_s: float, peak_lag_s: np.ndarray, title: str) -> None:
        """Replace the heatmap: ``r`` is (n_rows, n_lags), rows end at ``time_s``."""
        self.setTitle(title, size="10pt")
        self.n_rows = len(time_s)
        lag_step = float(lags_s[1] - lags_s[0]) if len(lags_s) > 1 else 1.0
        self.setYRange(float(lags_s[0]), float(lags_s[-1]), padding=0.02)
        if self.n_rows == 0:
            self.image.clear()
            self.path.setData([], [])
            self.dots.clear()
            return
        self.image.setImage(r.T, autoLevels=False, levels=(-1.0, 1.0))
        self.image.setRect(QtCore.QRectF(float(time_s[0]) - step_s / 2,
                                         float(lags_s[0]) - lag_step / 2,
                                         self.n_rows * step_s, len(lags_s) * lag_step))
        self.path.setData(time_s, peak_lag_s)
        dots = finite_points(time_s, peak_lag_s)
        if len(dots):
            self.dots.setData(pos=dots)
        else:
            self.dots.clear()
