"""Rolling traces of A's and B's chosen signal (the last ``span_s`` seconds)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtWidgets

from .drawing import PERSON_RGB


class TracePlot(pg.PlotWidget):
    """Two curves, x = seconds before the newest frame; NaN gaps stay gaps."""

    def __init__(self, parent: QtWidgets.QWidget | None = None, span_s: float = 60.0) -> None:
        super().__init__(parent=parent)
        self.setObjectName("tracePlot")
        self.setBackground("w")
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setLabel("bottom", "time before now", units="s")
        self.setXRange(-span_s, 0, padding=0.01)
        self.getPlotItem().addLegend(offset=(8, 4), colCount=2)
        self.curves = [
            self.plot(pen=pg.mkPen(color=rgb, width=2), name=name, connect="finite")
            for rgb, name in zip(PERSON_RGB, ("A", "B"), strict=True)
        ]

    def show_traces(self, time_s: np.ndarray, a: np.ndarray, b: np.ndarray, title: str,
                    labels: tuple[str, str]) -> None:
        """Replace both curves; ``title`` names the signal and its unit."""
        self.setTitle(title, size="10pt")
        for curve, values, label in zip(self.curves, (a, b), labels, strict=True):
            curve.setData(time_s, values)
            curve.opts["name"] = label

    @property
    def n_points(self) -> int:
        """Samples in A's curve (for tests)."""
        x, _ = self.curves[0].getData()
        return 0 if x is None else len(x)
