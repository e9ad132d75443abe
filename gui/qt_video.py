"""The video with both people's skeletons, face points and labelled region boxes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtWidgets

from .drawing import PERSON_RGB, PersonDrawing


class _PersonOverlay:
    """Skeleton, joints, face points and region box of one person, in one colour."""

    def __init__(self, view: pg.ViewBox, rgb: tuple[int, int, int]) -> None:
        pen = pg.mkPen(color=rgb, width=3)
        self.skeleton = pg.PlotCurveItem(pen=pen, connect="pairs", antialias=True)
        self.joints = pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(*rgb))
        self.face = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(*rgb, 220))
        self.box = QtWidgets.QGraphicsRectItem()
        self.box.setPen(pg.mkPen(color=rgb, width=2, style=QtCore.Qt.PenStyle.DashLine))
        self.box.setBrush(pg.mkBrush(None))
        self.label = pg.TextItem(color=(255, 255, 255), fill=pg.mkBrush(*rgb, 220),
                                 anchor=(0, 0))
        font = self.label.textItem.font()
        font.setPointSize(14)
        font.setBold(True)
        self.label.setFont(font)
        for item in (self.box, self.face, self.skeleton, self.joints, self.label):
            view.addItem(item)

    def show(self, drawing: PersonDrawing | None) -> None:
        empty = np.zeros((0, 2))
        segments = drawing.segments_px if drawing is not None else empty
        self.skeleton.setData(segments[:, 0], segments[:, 1])
        for item, points in ((self.joints, drawing.joints_px if drawing else empty),
                             (self.face, drawing.face_px if drawing else empty)):
            if len(points):
                item.setData(pos=points)
            else:
                item.clear()  # setData with no points makes pyqtgraph warn (all-NaN bounds)
        visible = drawing is not None and drawing.box_px is not None
        self.box.setVisible(visible)
        self.label.setVisible(visible)
        if visible:
            assert drawing is not None
            assert drawing.box_px is not None
            x, y, w, h = drawing.box_px
            self.box.setRect(QtCore.QRectF(x, y, w, h))
            suffix = "" if drawing.in_view else "  (not in view)"
            self.label.setText(f" {drawing.label}{suffix} ")
            self.label.setPos(x + 4, y + 4)


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
    """Newest frame with the overlays of A and B; keeps the image's aspect ratio."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("videoView", parent)
        self.overlays = [_PersonOverlay(self.view, rgb) for rgb in PERSON_RGB]
        self._size: tuple[int, int] | None = None
        self.setMinimumSize(320, 240)

    def show_frame(self, image_rgb: np.ndarray | None,
                   people: tuple[PersonDrawing, ...]) -> None:
        """Draw the frame (if any) and the overlays."""
        if image_rgb is not None:
            self.image.setImage(image_rgb, autoLevels=False, levels=(0, 255))
            size = (image_rgb.shape[1], image_rgb.shape[0])
            if size != self._size:
                self._size = size
                self.view.setRange(QtCore.QRectF(0, 0, *size), padding=0)
        for k, overlay in enumerate(self.overlays):
            overlay.show(people[k] if k < len(people) else None)
