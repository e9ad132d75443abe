"""Video files decoded with PyAV: container timestamps (VFR kept), real-time pacing, looping."""


from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
from av.container import InputContainer
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from synchrony.capture.sources.base import (
    _FALLBACK_STEP_S,
    Clock,
    VideoInfo,
    _ClosingContext,
    _Timeline,
    log,
)
from synchrony.errors import InputError
from synchrony.records import Frame

# --------------------------------------------------------------------------- files

MIN_FRAME_PX = 32
"""Smallest frame width and height (px) worth tracking; smaller videos are refused."""


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
    stream = container.streams.video[0]
    if 0 < min(stream.width, stream.height) < MIN_FRAME_PX:  # 0: unknown until decoded
        container.close()
        raise InputError(f"{path}: frames are {stream.width}x{stream.height} px, too small to "
                         f"find people in (need at least {MIN_FRAME_PX}x{MIN_FRAME_PX} px)")
    return container, stream


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
    ``None`` (``ended_early`` is then True). ``n_frames_unreadable`` counts the frames lost
    either way. Opening fails with :class:`InputError` when no frame at all can be decoded (mp4
    files cut before their index usually fail here: the index is written at the end), or when
    frames are smaller than :data:`MIN_FRAME_PX`.

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

    @property
    def n_frames_unreadable(self) -> int:
        """Frames lost: damaged packets, or (at the end) frames short of ``n_frames_hint``."""
        short = 0
        if self._ended and self._n_frames_hint is not None:
            short = self._n_frames_hint - self._n_in_pass
        return max(self.n_decode_errors, short)

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
                "%s: %d of %s frames could not be decoded (%d damaged packets skipped): the "
                "file is damaged or truncated; continuing with the %d that could",
                self.path,
                self.n_frames_unreadable,
                self._n_frames_hint or "the",
                self.n_decode_errors,
                self._n_in_pass,
            )

    def _wait_until(self, timestamp_s: float) -> None:
        now = self._clock()
        if self._start_s is None:
            self._start_s = now - timestamp_s
        delay_s = self._start_s + timestamp_s - now
        if delay_s > 0:
            time.sleep(delay_s)


