"""Frame sources: video files, cameras and network streams behind one interface.

Every source delivers :class:`~synchrony.records.Frame` records:

- ``image_rgb``: (H, W, 3) uint8, C-contiguous, RGB channel order, upright (a file's display
  rotation is applied);
- ``timestamp_s``: seconds from the source's first frame (first frame = 0.0), strictly
  increasing;
- ``index``: 0-based running count of the frames the source has delivered.

Where ``timestamp_s`` comes from:

- files (:class:`VideoFileSource`): the container's presentation time, ``pts * time_base``;
  variable frame rate is kept, a constant rate is never assumed;
- cameras (:class:`CameraSource`): arrival time on a monotonic clock (``time.perf_counter``);
- streams (:class:`StreamSource`, PyAV): the stream's own clock while it behaves, else
  arrival time; a stream joined between keyframes delivers from its first keyframe;
- :class:`ArraySource` (tests): the timestamps it was given.

A time that does not increase (a container repeating or reordering pts) is moved to 1 µs after
the previous timestamp and counted in ``n_timestamp_fixups``.

``read()`` returns ``None`` at the end of a file. For a live source (``is_live``) ``None`` means
a missed frame; the caller may keep calling, and ``n_consecutive_failures`` tells how long the
device has been silent.
A live source may also have ``waiting_for`` (a string, or None): what it waits for while its
data arrives (a stream's first keyframe), so that a caller does not take the wait for silence.
"""

from __future__ import annotations

from pathlib import Path

import cv2  # noqa: F401 - tests patch sources.cv2.VideoCapture

from synchrony.capture.sources.arrays import ArraySource
from synchrony.capture.sources.base import (
    MAX_STREAM_CLOCK_LEAD_S,
    TIMESTAMP_NUDGE_S,
    FrameSource,
    VideoInfo,
)
from synchrony.capture.sources.files import VideoFileSource, probe_video, upright_rgb
from synchrony.capture.sources.live import CameraSource
from synchrony.capture.sources.streams import StreamSource

__all__ = [
    "ArraySource",
    "CameraSource",
    "FrameSource",
    "StreamSource",
    "VideoFileSource",
    "VideoInfo",
    "open_source",
    "probe_video",
    "upright_rgb",
    "MAX_STREAM_CLOCK_LEAD_S",
    "TIMESTAMP_NUDGE_S",
]


def open_source(
    spec: str | int | Path, *, realtime: bool = False, loop: bool = False
) -> FrameSource:
    """Open a camera, a stream or a file from one command-line style argument.

    Parameters
    ----------
    spec
        An int or a string of digits: camera index. A string containing ``://``: stream URL.
        Anything else: video file path.
    realtime, loop
        Passed to :class:`VideoFileSource`; ignored for cameras and streams, which are live.

    Returns
    -------
    FrameSource

    Raises
    ------
    InputError
        The source cannot be opened (see each source class).
    """
    if isinstance(spec, bool):
        raise TypeError(f"spec must be a camera index, URL or path, got {spec!r}")
    if isinstance(spec, int):
        return CameraSource(spec)
    if isinstance(spec, str):
        text = spec.strip()
        if text.isascii() and text.isdigit():
            return CameraSource(int(text))
        if "://" in text:
            return StreamSource(text)
    return VideoFileSource(spec, realtime=realtime, loop=loop)
