"""The video pane: one RGB picture at its aspect ratio (people already drawn into it)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtWidgets


class ImagePane(pg.GraphicsLayoutWidget):
    """A dark pane showing one RGB image at its aspect ratio (``self.view``, ``self.image``)."""

    def __init__(self, name: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setObjectName(name)
        self.setBackground((20, 20, 20))
        self.ci.setContentsMargins(0, 0, 0, 0)
        self.view = self.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.view.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image)


class VideoView(ImagePane):
    """The newest picture, at its aspect ratio (overlays are drawn into the picture)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("videoView", parent)
        self._size: tuple[int, int] | None = None
        self.setMinimumSize(320, 240)

    def show_frame(self, image_rgb: np.ndarray | None) -> None:
        """Show ``image_rgb`` ((H, W, 3) uint8, shown as is); None keeps the last picture."""
        if image_rgb is None:
            return
        self.image.setImage(image_rgb, autoLevels=False)
        size = (image_rgb.shape[1], image_rgb.shape[0])
        if size != self._size:
            self._size = size
            self.view.setRange(QtCore.QRectF(0, 0, *size), padding=0)
