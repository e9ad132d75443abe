"""The H.264 writer of session videos and annotated exports (PyAV, libx264, yuv420p).

Each frame is stamped with its own ``timestamp_s`` (variable timing kept). With
``crash_safe=True`` the MP4 is fragmented, a fragment per second flushed at once, so a
killed process leaves a playable file missing at most the last ~1 s.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Self

import av
import numpy as np
from av.container import OutputContainer

if TYPE_CHECKING:
    pass

TIME_BASE = Fraction(1, 90000)
#: Fragmented MP4, a fragment per second flushed to the file at once: a SIGKILL leaves a
#: playable file missing at most the last ~1 s.
FRAGMENTED_MP4 = {"movflags": "frag_keyframe+empty_moov+default_base_moof",
                  "frag_duration": "1000000", "flush_packets": "1"}


class H264Writer:
    """H.264 (libx264, yuv420p) MP4 writer timed by each frame's ``timestamp_s``.

    Parameters
    ----------
    path : output ``.mp4``.
    size_px : (width, height) of the frames; odd sizes are padded by one edge pixel.
    fps_hint : nominal rate in Hz (for the encoder's rate control; timing comes from the
        frames).
    crf, preset : x264 quality (lower = better) and speed.
    crash_safe : fragmented MP4 and no encoder look-ahead (``tune=zerolatency``), so a
        killed process leaves a playable file missing at most ~1 s.
    """

    def __init__(self, path: str | Path, *, size_px: tuple[int, int], fps_hint: float | None,
                 crf: int = 20, preset: str = "veryfast", crash_safe: bool = False) -> None:
        self.path = Path(path)
        self.n_frames = 0
        width, height = size_px
        self._size = (width + width % 2, height + height % 2)
        self._last_pts = -1
        rate = Fraction(fps_hint or 30).limit_denominator(1001)
        container = av.open(str(self.path), "w", options=FRAGMENTED_MP4 if crash_safe else {})
        self._container: OutputContainer | None = container
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height = self._size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = TIME_BASE
        stream.codec_context.gop_size = max(1, round(float(rate)))
        options = {"crf": str(crf), "preset": preset}
        if crash_safe:
            options["tune"] = "zerolatency"
        stream.codec_context.options = options
        self._stream = stream

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def write(self, image_rgb: np.ndarray, timestamp_s: float) -> None:
        """Encode one (H, W, 3) uint8 RGB frame shown at ``timestamp_s`` seconds."""
        h, w = image_rgb.shape[:2]
        if (w, h) != self._size:
            image_rgb = np.pad(image_rgb, ((0, self._size[1] - h), (0, self._size[0] - w),
                                           (0, 0)), mode="edge")
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image_rgb), format="rgb24")
        pts = max(round(timestamp_s / TIME_BASE), self._last_pts + 1)
        self._last_pts = pts
        frame.pts, frame.time_base = pts, TIME_BASE
        if self._container is None:
            raise RuntimeError("video writer is closed")
        self._container.mux(self._stream.encode(frame))
        self.n_frames += 1

    def close(self) -> None:
        """Flush the encoder and close the file; safe to call twice."""
        if self._container is None:
            return
        container, self._container = self._container, None
        try:
            container.mux(self._stream.encode(None))
        finally:
            container.close()
