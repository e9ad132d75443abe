"""Synchrony gauge: current peak r as a bar against the chance level, lag, who leads."""

from __future__ import annotations

import math

from PyQt6 import QtCore, QtGui, QtWidgets

from .drawing import gauge_fraction

WORDS_PT = 14
"""Point size of the gauge's words ("B follows A by 0.40 s") when they fit on one line."""
LONG_WORDS_PT = 11
"""Point size of longer words (they wrap instead of being clipped)."""
_GREEN, _GREY, _AMBER = QtGui.QColor(0, 158, 115), QtGui.QColor(150, 150, 150), \
    QtGui.QColor(230, 159, 0)


class _Bar(QtWidgets.QWidget):
    """Horizontal bar 0…1 filled to r, with a tick at the chance level."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(22)
        self.fraction = 0.0
        self.threshold = math.nan
        self.colour = _GREY

    def paintEvent(self, event: QtGui.QPaintEvent | None) -> None:  # noqa: N802 (Qt)
        painter = QtGui.QPainter(self)
        rect = self.rect().adjusted(1, 1, -1, -1)
        painter.setPen(QtGui.QPen(QtGui.QColor(120, 120, 120)))
        painter.setBrush(QtGui.QColor(235, 235, 235))
        painter.drawRect(rect)
        fill = QtCore.QRectF(rect.x(), rect.y(), rect.width() * self.fraction, rect.height())
        painter.fillRect(fill, self.colour)
        if math.isfinite(self.threshold):
            x = rect.x() + rect.width() * min(max(self.threshold, 0.0), 1.0)
            painter.setPen(QtGui.QPen(QtGui.QColor(0, 0, 0), 3))
            painter.drawLine(QtCore.QPointF(x, rect.top() - 1),
                             QtCore.QPointF(x, rect.bottom() + 1))
        painter.end()


class SynchronyGauge(QtWidgets.QFrame):
    """Peak r (big), bar vs chance level, lag, words ("B follows A by 0.40 s")."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("synchronyGauge")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        layout = QtWidgets.QVBoxLayout(self)
        self.value = self._label("gaugeValue", 18, bold=True)
        self.bar = _Bar(self)
        self.bar.setObjectName("gaugeBar")
        self.words = self._label("gaugeWords", WORDS_PT, bold=True)
        self.lag = self._label("gaugeLag", 10)
        self.significance = self._label("gaugeSignificance", 10)
        self.significance.setToolTip(
            "Chance level: 96th percentile of the same smoothed synchrony value on B's history "
            "circularly shifted against A's (pairings that cannot be in synchrony), from this "
            "session so far.")
        for widget in (self.value, self.bar, self.words, self.lag, self.significance):
            layout.addWidget(widget)
        layout.addStretch(1)

    def _label(self, name: str, point_size: int, bold: bool = False) -> QtWidgets.QLabel:
        label = QtWidgets.QLabel(self)
        label.setObjectName(name)
        label.setWordWrap(True)
        font = label.font()
        font.setPointSize(point_size)
        font.setBold(bold)
        label.setFont(font)
        return label

    def _fit_words(self, words: str) -> None:
        """Set the words' font: 14 pt bold if they fit on one line, else 11 pt.

        A message such as "collecting data: first value after 7.5 s" wrapped at 14 pt and was
        clipped by the dock's height.
        """
        font = self.words.font()
        font.setPointSize(WORDS_PT)
        font.setBold(True)
        width = self.words.contentsRect().width() or self.contentsRect().width()
        if QtGui.QFontMetrics(font).horizontalAdvance(words) > width:
            font.setPointSize(LONG_WORDS_PT)
            font.setBold(False)
        self.words.setFont(font)

    def show_values(self, signal: str, peak_r: float, lag_s: float, words: str,
                    threshold_r: float, significant: bool | None) -> None:
        """Show the synchrony timeline's newest value; green above chance, grey below.

        ``peak_r``: the smoothed r (tanh of the timeline strength); ``threshold_r``: the
        chance level as r.
        """
        # One short line at 18 pt: a wrapped value was clipped by the dock's height.
        self.value.setText(f"synchrony r {peak_r:+.2f}" if math.isfinite(peak_r)
                           else "synchrony r –")
        self.words.setText(words)
        self._fit_words(words)
        lag = f"{lag_s:+.2f} s" if math.isfinite(lag_s) else "–"
        self.lag.setText(f"{signal}: lag {lag}  (> 0: A leads)")
        if significant is None:
            text, colour = "chance level: collecting data", _AMBER
            if math.isfinite(threshold_r):
                text = f"95% chance level r {threshold_r:.2f}"
        elif significant:
            text, colour = f"above chance (95% level r {threshold_r:.2f})", _GREEN
        else:
            text, colour = f"not above chance (95% level r {threshold_r:.2f})", _GREY
        self.significance.setText(text)
        self.significance.setStyleSheet(f"color: {colour.name()};")
        self.bar.fraction = gauge_fraction(peak_r)
        self.bar.threshold = threshold_r
        self.bar.colour = colour if significant is not None else _GREY
        self.bar.update()
