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
- streams (:class:`StreamSource`): the stream's own clock while it behaves, else arrival time;
- :class:`ArraySource` (tests): the timestamps it was given.

A time that does not increase (a container repeating or reordering pts) is moved to 1 µs after
the previous timestamp and counted in ``n_timestamp_fixups``.

``read()`` returns ``None`` at the end of a file. For a live source (``is_live``) ``None`` means
a missed frame; the caller may keep calling, and ``n_consecutive_failures`` tells how long the
device has been silent.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Self, runtime_checkable

import av
import cv2
import numpy as np
from av.container import InputContainer
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from synchrony.errors import InputError
from synchrony.records import Frame

__all__ = [
    "ArraySource",
    "CameraSource",
    "FrameSource",
    "StreamSource",
    "VideoFileSource",
    "VideoInfo",
    "open_source",
    "probe_video",
]

log = logging.getLogger(__name__)

Clock = Callable[[], float]
"""A monotonic clock returning seconds (``time.perf_counter`` by default)."""

TIMESTAMP_NUDGE_S = 1e-6
"""How far a non-increasing timestamp is moved past the previous one, in seconds."""

MAX_STREAM_CLOCK_LEAD_S = 1.0
"""A stream's clock may step this much (s) more than the arrival clock before it is dropped."""

_FALLBACK_STEP_S = 1.0 / 30.0
_MAX_PLAUSIBLE_FPS = 1000.0


@runtime_checkable
class FrameSource(Protocol):
    """Anything that delivers :class:`Frame` records one at a time.

    ``read()`` returns the next frame, or ``None``: the end of a file, or a missed frame of a
    live source (``is_live``). Sources are context managers that ``close()`` on exit.
    """

    @property
    def fps_hint(self) -> float | None:
        """Nominal frame rate in Hz (frames per second), ``None`` if unknown."""

    @property
    def size_px(self) -> tuple[int, int] | None:
        """Frame (width, height) in pixels, ``None`` if unknown."""

    @property
    def n_frames_hint(self) -> int | None:
        """Number of frames announced by the source, ``None`` if unknown or live."""

    @property
    def description(self) -> str:
        """Short human-readable name, e.g. ``"file clip.mp4"`` or ``"camera 0"``."""

    @property
    def is_live(self) -> bool:
        """True for cameras and streams: frames arrive in real time and may be missed."""

    def read(self) -> Frame | None:
        """Return the next frame, or ``None`` (end of file, or a missed live frame)."""

    def close(self) -> None:
        """Release the file, device or connection; safe to call twice."""

    def __enter__(self) -> Self:
        """Return the source itself."""

    def __exit__(self, *exc_info: object) -> None:
        """Close the source."""


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What a video file's container says about its video stream.

    Attributes
    ----------
    path : the file.
    n_frames : number of video frames: the container's index (mp4/mov) when it has one,
        otherwise packets counted by reading the file.
    fps : average frame rate in Hz, ``None`` if the container gives no timing at all.
    duration_s : duration of the video stream in seconds, ``None`` if unknown.
    width, height : coded frame size in pixels (before any display rotation).
    codec : FFmpeg decoder name, e.g. ``"h264"`` or ``"hevc"``.
    """

    path: Path
    n_frames: int
    fps: float | None
    duration_s: float | None
    width: int
    height: int
    codec: str


class _Timeline:
    """Turn times on any clock into strictly increasing seconds from the first frame.

    A time that does not increase is placed ``TIMESTAMP_NUDGE_S`` after the previous one; a
    missing time (``None``, NaN) one frame step after it. Both are counted in ``n_fixups``.
    ``continue_after`` starts a new pass of the same clock (a looped file restarting at pts 0)
    whose first frame follows the last one.
    """

    def __init__(self, step_s: float) -> None:
        self.n_fixups = 0
        self._step_s = step_s
        self._origin_s: float | None = None
        self._last_s: float | None = None

    def stamp(self, clock_s: float | None) -> float:
        """Return the timestamp in seconds for a frame seen at ``clock_s`` (None = unknown)."""
        last = self._last_s
        expected_s = 0.0 if last is None else last + self._step_s
        if clock_s is None or not math.isfinite(clock_s):
            t = expected_s
            self.n_fixups += 1
        else:
            if self._origin_s is None:
                self._origin_s = clock_s - expected_s
            t = clock_s - self._origin_s
            if last is not None and t <= last:
                t = last + TIMESTAMP_NUDGE_S
                self.n_fixups += 1
            elif last is not None:
                self._step_s = t - last
        self._last_s = t
        return t

    def continue_after(self, gap_s: float | None) -> None:
        """Start a new pass: its first frame comes ``gap_s`` (or one frame step) after the last."""
        self._origin_s = None
        if gap_s is not None and gap_s > 0:
            self._step_s = gap_s


class _ClosingContext:
    """``with source: ...`` closes the source on exit."""

    def close(self) -> None:
        """Release resources (overridden)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        """Return the source itself."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the source."""
        self.close()


# --------------------------------------------------------------------------- files


def _check_is_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a video file")
    if not path.is_file():
        raise InputError(f"{path} is not a regular file")


def _ffmpeg_reason(exc: Exception) -> str:
    reason = getattr(exc, "strerror", None) or str(exc)
    return " ".join(str(reason).split())


def _open_video(path: Path) -> tuple[InputContainer, VideoStream]:
    """Open ``path`` with PyAV and return it with its first video stream (InputError if not)."""
    _check_is_file(path)
    try:
        container = av.open(str(path), mode="r")
    except (av.FFmpegError, OSError) as exc:
        raise InputError(
            f"cannot read {path} as a video (not a video, damaged or truncated): "
            f"{_ffmpeg_reason(exc)}"
        ) from exc
    if not container.streams.video:
        container.close()
        raise InputError(f"no video stream in {path}")
    return container, container.streams.video[0]


def _header_n_frames(stream: VideoStream) -> int | None:
    return stream.frames or None


def _header_fps(stream: VideoStream) -> float | None:
    rate = stream.average_rate or stream.guessed_rate
    return float(rate) if rate else None


def _header_duration_s(container: InputContainer, stream: VideoStream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None


def _count_packets(container: InputContainer, stream: VideoStream) -> tuple[int, float | None]:
    """Count video packets by demuxing (no decoding); return (count, span of pts in seconds)."""
    n_packets = 0
    first_pts: int | None = None
    end_pts: int | None = None
    try:
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            n_packets += 1
            if packet.pts is not None:
                first_pts = packet.pts if first_pts is None else min(first_pts, packet.pts)
                packet_end = packet.pts + (packet.duration or 0)
                end_pts = packet_end if end_pts is None else max(end_pts, packet_end)
    except av.FFmpegError as exc:
        log.warning("%s: stopped counting frames at a read error: %s", container.name, exc)
    if first_pts is None or end_pts is None or stream.time_base is None:
        return n_packets, None
    return n_packets, float((end_pts - first_pts) * stream.time_base)


def probe_video(path: str | Path) -> VideoInfo:
    """Describe a video file's video stream without decoding it.

    Parameters
    ----------
    path
        Video file.

    Returns
    -------
    VideoInfo
        Frame count, average rate (Hz), duration (s), coded size (px) and codec.

    Raises
    ------
    InputError
        Missing file, a directory, not a video, or no video stream.
    """
    path = Path(path)
    container, stream = _open_video(path)
    with container:
        n_frames = _header_n_frames(stream)
        duration_s = _header_duration_s(container, stream)
        if n_frames is None:
            n_frames, span_s = _count_packets(container, stream)
            duration_s = duration_s or span_s
        if n_frames == 0:
            raise InputError(f"no video frames in {path}")
        fps = _header_fps(stream) or (n_frames / duration_s if duration_s else None)
        return VideoInfo(
            path=path,
            n_frames=n_frames,
            fps=fps,
            duration_s=duration_s,
            width=stream.width,
            height=stream.height,
            codec=stream.codec_context.name,
        )


def upright_rgb(video_frame: VideoFrame) -> np.ndarray:
    """RGB uint8 (H, W, 3) C-contiguous image with the display rotation applied."""
    image = video_frame.to_ndarray(format="rgb24")
    quarter_turns = round(video_frame.rotation / 90) % 4  # counterclockwise, as FFmpeg
    if quarter_turns:
        image = np.rot90(image, k=quarter_turns)
    return np.ascontiguousarray(image)


def _duration_s(video_frame: VideoFrame) -> float | None:
    if video_frame.duration and video_frame.time_base:
        return float(video_frame.duration * video_frame.time_base)
    return None


class VideoFileSource(_ClosingContext):
    """Frames of a video file, decoded with PyAV, timed by the container.

    ``timestamp_s`` is the frame's presentation time (``pts * time_base``) minus the first
    frame's, so variable-frame-rate files keep their timing. Non-increasing pts are moved 1 µs
    past the previous timestamp (``n_timestamp_fixups``).

    A damaged packet is skipped and counted in ``n_decode_errors``; decoding continues with the
    next one. A truncated file delivers the frames before the cut, then ``read()`` returns
    ``None`` (``ended_early`` is then True). Opening fails with :class:`InputError` when no
    frame at all can be decoded (mp4 files cut before their index usually fail here: the index
    is written at the end).

    Parameters
    ----------
    path
        Video file.
    realtime
        Pace delivery like a camera: frame k is returned no earlier than
        ``start + timestamp_s`` where ``start`` is the clock at the first ``read()``. Frames are
        never dropped; a slow caller just receives them late.
    loop
        At the end, start again; timestamps keep increasing (the first frame of a new pass
        follows the last frame by that frame's duration).
    clock
        Monotonic clock in seconds, used for ``realtime`` pacing.

    Raises
    ------
    InputError
        Missing file, a directory, not a video, no video stream, or no decodable frame.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        realtime: bool = False,
        loop: bool = False,
        clock: Clock = time.perf_counter,
    ) -> None:
        self.path = Path(path)
        self.realtime = realtime
        self.loop = loop
        self.n_decode_errors = 0
        self._clock = clock
        self._start_s: float | None = None
        self._n_delivered = 0
        self._n_in_pass = 0
        self._ended = False
        self._last_duration_s: float | None = None
        self._container: InputContainer | None = None
        self._frames: Iterator[VideoFrame] | None = None
        container, stream = _open_video(self.path)
        self._n_frames_hint = _header_n_frames(stream)
        self._fps_hint = _header_fps(stream)
        self._duration_s_hint = _header_duration_s(container, stream)
        self._timeline = _Timeline(
            step_s=1.0 / self._fps_hint if self._fps_hint else _FALLBACK_STEP_S
        )
        self._start_pass(container, stream)
        try:
            self._pending = self._next_frame()
        except BaseException:
            self.close()
            raise
        if self._pending is None:
            raise InputError(f"no decodable video frames in {self.path}")
        self._size_px = self._pending.size_px

    # -- FrameSource
    @property
    def fps_hint(self) -> float | None:
        """Average frame rate in Hz from the container, ``None`` if it gives none."""
        return self._fps_hint

    @property
    def size_px(self) -> tuple[int, int]:
        """(width, height) in pixels of the delivered (upright) frames."""
        return self._size_px

    @property
    def n_frames_hint(self) -> int | None:
        """Frame count from the container header (one pass), ``None`` if it gives none."""
        return self._n_frames_hint

    @property
    def duration_s_hint(self) -> float | None:
        """Stream duration in seconds from the container header, ``None`` if unknown."""
        return self._duration_s_hint

    @property
    def description(self) -> str:
        """``"file NAME"``."""
        return f"file {self.path.name}"

    @property
    def is_live(self) -> bool:
        """Always False: a file can be read at any pace."""
        return False

    @property
    def n_timestamp_fixups(self) -> int:
        """Frames whose pts did not increase (or was missing) and were moved forward."""
        return self._timeline.n_fixups

    @property
    def ended_early(self) -> bool:
        """True once the end was reached after decode errors or short of ``n_frames_hint``."""
        short = self._n_frames_hint is not None and self._n_in_pass < self._n_frames_hint
        return self._ended and (self.n_decode_errors > 0 or short)

    def read(self) -> Frame | None:
        """Return the next frame (see the class docstring for timing), ``None`` at the end."""
        frame = self._pending if self._pending is not None else self._next_frame()
        self._pending = None
        if frame is not None and self.realtime:
            self._wait_until(frame.timestamp_s)
        return frame

    def close(self) -> None:
        """Close the file; later ``read()`` calls return ``None``."""
        self._frames = None
        self._pending = None
        if self._container is not None:
            self._container.close()
            self._container = None

    # -- decoding
    def _start_pass(self, container: InputContainer, stream: VideoStream) -> None:
        stream.thread_type = "AUTO"
        self._container = container
        self._frames = self._decode(container, stream)
        self._n_in_pass = 0

    def _decode(self, container: InputContainer, stream: VideoStream) -> Iterator[VideoFrame]:
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.FFmpegError as exc:  # the container cannot be read further: the end
                self._note_decode_error(exc)
                return
            try:
                yield from packet.decode()
            except av.FFmpegError as exc:  # one damaged packet: skip it
                self._note_decode_error(exc)

    def _note_decode_error(self, exc: Exception) -> None:
        self.n_decode_errors += 1
        log.debug("%s: decode error %d: %s", self.path, self.n_decode_errors, exc)

    def _next_frame(self) -> Frame | None:
        if self._frames is None:
            return None
        video_frame = next(self._frames, None)
        if video_frame is None and self.loop and self._n_in_pass > 0:
            self._restart()
            video_frame = next(self._frames, None) if self._frames is not None else None
        if video_frame is None:
            self._finish()
            return None
        return self._to_frame(video_frame)

    def _to_frame(self, video_frame: VideoFrame) -> Frame:
        timestamp_s = self._timeline.stamp(video_frame.time)
        self._last_duration_s = _duration_s(video_frame)
        frame = Frame(upright_rgb(video_frame), timestamp_s, self._n_delivered)
        self._n_delivered += 1
        self._n_in_pass += 1
        return frame

    def _restart(self) -> None:
        self.close()
        self._timeline.continue_after(self._last_duration_s)
        self._start_pass(*_open_video(self.path))

    def _finish(self) -> None:
        self._ended = True
        self.close()
        if self.ended_early and self._n_in_pass > 0:  # no frame at all: the caller raises
            log.warning(
                "%s ended after %d of %s frames (%d decode errors): damaged or truncated?",
                self.path,
                self._n_in_pass,
                self._n_frames_hint,
                self.n_decode_errors,
            )

    def _wait_until(self, timestamp_s: float) -> None:
        now = self._clock()
        if self._start_s is None:
            self._start_s = now - timestamp_s
        delay_s = self._start_s + timestamp_s - now
        if delay_s > 0:
            time.sleep(delay_s)


# --------------------------------------------------------------------------- live sources


def _bgr_to_rgb(image: np.ndarray) -> np.ndarray:
    """OpenCV BGR (or gray, BGRA) image → C-contiguous RGB uint8."""
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _redact_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (for messages and descriptions)."""
    return re.sub(r"^([^:/]+://[^:/@]*:)[^@/]*@", r"\1***@", url)


class _OpenCVSource(_ClosingContext):
    """Shared part of the live sources: an OpenCV ``VideoCapture``, frames timed on arrival."""

    def __init__(self, clock: Clock) -> None:
        self.n_consecutive_failures = 0
        self._clock = clock
        self._timeline = _Timeline(step_s=_FALLBACK_STEP_S)
        self._n_delivered = 0
        self._cap: cv2.VideoCapture | None = None
        self._fps_hint: float | None = None
        self._size_px: tuple[int, int] | None = None
        self.reopen()

    def _open_capture(self) -> cv2.VideoCapture:
        """Open the device or URL; raise InputError when it cannot be opened."""
        raise NotImplementedError

    def _timestamp_s(self) -> float:
        """Timestamp of the frame just grabbed: its arrival time."""
        return self._timeline.stamp(self._clock())

    @property
    def description(self) -> str:
        """Short name of the device or stream (overridden)."""
        raise NotImplementedError

    @property
    def fps_hint(self) -> float | None:
        """Rate in Hz the device or stream reports, ``None`` if it reports none."""
        return self._fps_hint

    @property
    def size_px(self) -> tuple[int, int] | None:
        """(width, height) in pixels of the latest frame (or as reported before the first)."""
        return self._size_px

    @property
    def n_frames_hint(self) -> None:
        """Always ``None``: a live source has no length."""
        return None

    @property
    def is_live(self) -> bool:
        """Always True."""
        return True

    @property
    def n_timestamp_fixups(self) -> int:
        """Frames whose arrival time did not increase and were moved forward 1 µs."""
        return self._timeline.n_fixups

    def reopen(self) -> None:
        """Release the device or connection and open it again.

        Timestamps and frame indices continue where they were.

        Raises
        ------
        InputError
            The device or stream cannot be opened (the source then stays closed).
        """
        self.close()
        cap = self._open_capture()
        self._cap = cap
        self.n_consecutive_failures = 0
        fps = cap.get(cv2.CAP_PROP_FPS)
        self._fps_hint = float(fps) if 0 < fps <= _MAX_PLAUSIBLE_FPS else None
        width, height = cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)
        if width > 0 and height > 0:
            self._size_px = (int(width), int(height))

    def read(self) -> Frame | None:
        """Grab the next frame; ``None`` (and a counted failure) if none came in time."""
        ok, bgr = self._cap.read() if self._cap is not None else (False, None)
        if not ok or bgr is None:
            self.n_consecutive_failures += 1
            return None
        timestamp_s = self._timestamp_s()
        self.n_consecutive_failures = 0
        frame = Frame(_bgr_to_rgb(bgr), timestamp_s, self._n_delivered)
        self._n_delivered += 1
        self._size_px = frame.size_px
        return frame

    def close(self) -> None:
        """Release the device or connection; ``reopen()`` can open it again."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class CameraSource(_OpenCVSource):
    """Frames from a local camera via OpenCV, timed on arrival (``time.perf_counter``).

    ``read()`` returns ``None`` when a grab fails and counts ``n_consecutive_failures``, so a
    caller can report "camera unplugged", keep trying, or call ``reopen()``.

    Parameters
    ----------
    index
        OpenCV camera index (0 = first camera).
    width, height
        Requested frame size in pixels; the camera may choose another.
    fps
        Requested frame rate in Hz; the camera may choose another.
    clock
        Monotonic clock in seconds for ``timestamp_s``.

    Raises
    ------
    InputError
        ``camera N could not be opened``.
    """

    def __init__(
        self,
        index: int,
        *,
        width: int | None = None,
        height: int | None = None,
        fps: float | None = None,
        clock: Clock = time.perf_counter,
    ) -> None:
        if index < 0:
            raise InputError(f"camera index must be >= 0, got {index}")
        self.index = index
        self._requested = {
            cv2.CAP_PROP_FRAME_WIDTH: width,
            cv2.CAP_PROP_FRAME_HEIGHT: height,
            cv2.CAP_PROP_FPS: fps,
        }
        super().__init__(clock)

    @property
    def description(self) -> str:
        """``"camera N"``."""
        return f"camera {self.index}"

    def _open_capture(self) -> cv2.VideoCapture:
        cap = cv2.VideoCapture(self.index)
        if not cap.isOpened():
            cap.release()
            raise InputError(f"camera {self.index} could not be opened")
        for prop, value in self._requested.items():
            if value is not None:
                cap.set(prop, float(value))
        return cap


def _timeout_params(open_timeout_s: float, read_timeout_s: float) -> list[int]:
    """OpenCV capture parameters for the timeouts this OpenCV build supports."""
    params: list[int] = []
    for name, seconds in (
        ("CAP_PROP_OPEN_TIMEOUT_MSEC", open_timeout_s),
        ("CAP_PROP_READ_TIMEOUT_MSEC", read_timeout_s),
    ):
        prop = getattr(cv2, name, None)
        if prop is not None:
            params += [int(prop), max(1, round(seconds * 1000))]
    return params


class StreamSource(_OpenCVSource):
    """Frames from a network stream (udp, tcp, rtsp, http…) via OpenCV's FFmpeg backend.

    Timing: the stream's own clock (its pts, as OpenCV's ``CAP_PROP_POS_MSEC``) while it
    increases and does not run ahead of the arrival clock by more than
    ``MAX_STREAM_CLOCK_LEAD_S``; at the first frame where it does not, the source switches to
    arrival time (``time.perf_counter``, like a camera) until ``reopen()``, continuing from the
    last timestamp. ``uses_stream_clock`` tells which clock is in use.

    Parameters
    ----------
    url
        Stream URL, ``scheme://…``. A password in it is never shown (``description``, errors).
    open_timeout_s
        Give up opening after this many seconds.
    read_timeout_s
        A ``read()`` waits at most this long for data, then returns ``None``.
    clock
        Monotonic clock in seconds for ``timestamp_s``.

    Raises
    ------
    InputError
        Not a URL, or the stream cannot be opened in time (refused, unreachable, no video).
    """

    def __init__(
        self,
        url: str,
        *,
        open_timeout_s: float = 5.0,
        read_timeout_s: float = 5.0,
        clock: Clock = time.perf_counter,
    ) -> None:
        if "://" not in url:
            raise InputError(f"not a stream URL (expected scheme://...): {url}")
        self.url = url
        self.open_timeout_s = open_timeout_s
        self.read_timeout_s = read_timeout_s
        self.uses_stream_clock = True
        self._last_position_s: float | None = None
        self._last_arrival_s: float | None = None
        super().__init__(clock)

    @property
    def description(self) -> str:
        """``"stream URL"`` with any password hidden."""
        return f"stream {_redact_url(self.url)}"

    def _open_capture(self) -> cv2.VideoCapture:
        params = _timeout_params(self.open_timeout_s, self.read_timeout_s)
        cap = cv2.VideoCapture(self.url, cv2.CAP_FFMPEG, params)
        if not cap.isOpened():
            cap.release()
            raise InputError(
                f"stream {_redact_url(self.url)} could not be opened "
                f"(refused, unreachable, or no video within {self.open_timeout_s:g} s)"
            )
        self._restart_clocks()
        return cap

    def _restart_clocks(self) -> None:
        """After (re)opening: try the stream clock again; its first frame follows the last."""
        if self._last_arrival_s is not None:
            self._timeline.continue_after(self._clock() - self._last_arrival_s)
        self.uses_stream_clock = True
        self._last_position_s = None

    def _timestamp_s(self) -> float:
        arrival_s = self._clock()
        position_s = self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000 if self._cap is not None else None
        if self.uses_stream_clock and not self._position_usable(position_s, arrival_s):
            self.uses_stream_clock = False
            gap_s = arrival_s - self._last_arrival_s if self._last_arrival_s is not None else None
            self._timeline.continue_after(gap_s)
            log.info("%s: stream clock unusable, timing frames on arrival", self.description)
        self._last_arrival_s, self._last_position_s = arrival_s, position_s
        return self._timeline.stamp(position_s if self.uses_stream_clock else arrival_s)

    def _position_usable(self, position_s: float | None, arrival_s: float) -> bool:
        """Does the stream position increase, without running ahead of the arrival clock?"""
        if position_s is None or not math.isfinite(position_s) or position_s < 0:
            return False
        last_position, last_arrival = self._last_position_s, self._last_arrival_s
        if last_position is None or last_arrival is None:
            return True
        step_s = position_s - last_position
        return 0 < step_s <= (arrival_s - last_arrival) + MAX_STREAM_CLOCK_LEAD_S


# --------------------------------------------------------------------------- tests, dispatch


def _check_image(image: np.ndarray, k: int) -> np.ndarray:
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(
            f"frames[{k}] must be an (H, W, 3) uint8 RGB image, "
            f"got shape {image.shape} dtype {image.dtype}"
        )
    return np.ascontiguousarray(image)


def _check_timestamps(timestamps_s: Sequence[float] | np.ndarray, n_frames: int) -> np.ndarray:
    times = np.asarray(timestamps_s, dtype=np.float64)
    if times.shape != (n_frames,):
        raise ValueError(f"timestamps_s must have {n_frames} values, got shape {times.shape}")
    if not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0):
        raise ValueError("timestamps_s must be finite and strictly increasing")
    return times


class ArraySource(_ClosingContext):
    """Frames from images in memory, for tests: no video, no decoding.

    Parameters
    ----------
    frames
        Images, each (H, W, 3) uint8 RGB.
    timestamps_s
        One timestamp in seconds per frame, strictly increasing; delivered as given. Default:
        ``k / fps``.
    fps
        Nominal rate in Hz (``fps_hint``). Default: 30 when ``timestamps_s`` is omitted,
        otherwise estimated from the timestamps.

    Raises
    ------
    ValueError
        Images not (H, W, 3) uint8, or timestamps of the wrong length or not increasing.
    """

    def __init__(
        self,
        frames: Sequence[np.ndarray],
        timestamps_s: Sequence[float] | np.ndarray | None = None,
        *,
        fps: float | None = None,
    ) -> None:
        self._images = [_check_image(image, k) for k, image in enumerate(frames)]
        n_frames = len(self._images)
        if timestamps_s is None:
            rate = 30.0 if fps is None else fps
            self._times = np.arange(n_frames) / rate
            self._fps_hint: float | None = rate
        else:
            self._times = _check_timestamps(timestamps_s, n_frames)
            span_s = self._times[-1] - self._times[0] if n_frames > 1 else 0.0
            self._fps_hint = fps if fps is not None else ((n_frames - 1) / span_s or None)
        self._next = 0

    @property
    def fps_hint(self) -> float | None:
        """Nominal rate in Hz (given, or estimated from the timestamps)."""
        return self._fps_hint

    @property
    def size_px(self) -> tuple[int, int] | None:
        """(width, height) in pixels of the first image, ``None`` if there are none."""
        if not self._images:
            return None
        h, w = self._images[0].shape[:2]
        return int(w), int(h)

    @property
    def n_frames_hint(self) -> int:
        """Number of images."""
        return len(self._images)

    @property
    def description(self) -> str:
        """``"array of N frames"``."""
        return f"array of {len(self._images)} frames"

    @property
    def is_live(self) -> bool:
        """Always False."""
        return False

    def read(self) -> Frame | None:
        """Return the next image as a :class:`Frame`, ``None`` after the last."""
        k = self._next
        if k >= len(self._images):
            return None
        self._next += 1
        return Frame(self._images[k], float(self._times[k]), k)

    def close(self) -> None:
        """Stop: later ``read()`` calls return ``None``."""
        self._next = len(self._images)


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
