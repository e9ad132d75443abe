"""Network streams decoded with PyAV: joined between keyframes, timed by the stream or on arrival.

A stream joined between two keyframes (H.264 over MPEG-TS/UDP with x264's default keyframe
interval of 8-10 s) cannot be decoded until its next keyframe: every packet before it only
refers to pictures this receiver never saw. :class:`StreamSource` skips those packets
silently (FFmpeg's own log stays off, see :mod:`av.logging`), says once that it waits for
the first keyframe, and tells its caller through ``waiting_for`` that data is arriving, so
that a live runner does not take the wait for a lost source.
"""

from __future__ import annotations

import math
import re
import time
from collections import deque
from collections.abc import Iterator

import av
import numpy as np
from av.container import InputContainer
from av.packet import Packet
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from synchrony.capture.sources.base import (
    _MAX_PLAUSIBLE_FPS,
    MAX_STREAM_CLOCK_LEAD_S,
    Clock,
    _LiveSource,
    log,
)
from synchrony.capture.sources.files import upright_rgb
from synchrony.errors import InputError
from synchrony.records import Frame

ANALYZE_S = 1.0
"""Seconds of a stream read on opening to learn its format (FFmpeg's ``analyzeduration``).

FFmpeg's default (5 s) would outlast the open timeout on a stream joined between keyframes,
whose picture size is unknown until a keyframe comes; the size is taken from the first
decoded picture instead."""
KEYFRAME_WAIT_S = 30.0
"""How long (s) packets may arrive without a keyframe before the stream counts as silent."""
POLL_S = 0.25
"""``read()`` returns ``None`` after this long (s) without a picture while packets arrive."""

Picture = tuple[np.ndarray, float | None]
"""A decoded picture: RGB image and its time on the stream's clock in seconds (or None)."""


def _redact_url(url: str) -> str:
    """Return the URL with any password replaced by ``***`` (for messages and descriptions)."""
    return re.sub(r"^([^:/]+://[^:/@]*:)[^@/]*@", r"\1***@", url)


class _StreamDecoder:
    """One connection to a stream: its packets decoded into pictures from the first keyframe.

    Raises
    ------
    InputError
        The stream cannot be opened in time, or has no video.
    """

    def __init__(self, url: str, description: str, open_timeout_s: float,
                 read_timeout_s: float) -> None:
        self.description = description
        try:
            container = av.open(url, timeout=(open_timeout_s, read_timeout_s),
                                options={"analyzeduration": str(round(ANALYZE_S * 1e6))})
        except (av.FFmpegError, OSError) as exc:
            raise InputError(
                f"{description} could not be opened (refused, unreachable, or no video "
                f"within {open_timeout_s:g} s)") from exc
        if not container.streams.video:
            container.close()
            raise InputError(f"{description} has no video")
        self._container: InputContainer = container
        self._stream: VideoStream = container.streams.video[0]
        self._packets: Iterator[Packet] | None = container.demux(self._stream)
        self._pending: deque[VideoFrame] = deque()
        self.keyframe_seen = False
        self.receiving = False
        self.n_packets_skipped = 0
        self.n_decode_errors = 0

    @property
    def fps_hint(self) -> float | None:
        """Rate in Hz the stream announces, ``None`` if none or implausible."""
        rate = self._stream.average_rate or self._stream.guessed_rate
        return float(rate) if rate and 0 < rate <= _MAX_PLAUSIBLE_FPS else None

    @property
    def size_px(self) -> tuple[int, int] | None:
        """(width, height) the stream announces, ``None`` before its first keyframe."""
        context = self._stream.codec_context
        width, height = context.width, context.height
        return (width, height) if width > 0 and height > 0 else None

    @property
    def waiting_for_keyframe(self) -> bool:
        """Packets arrived during the last ``next_picture`` but no keyframe has come yet."""
        return self.receiving and not self.keyframe_seen

    def next_picture(self, poll_s: float) -> Picture | None:
        """Return the next picture, or ``None``.

        ``None``: no picture within about ``poll_s`` seconds while packets arrived, the read
        timeout of a silent stream, or its end.
        """
        if self._pending:
            return self._picture(self._pending.popleft())
        deadline_s = time.monotonic() + poll_s
        self.receiving = False
        while (packet := self._next_packet()) is not None:
            self.receiving = True
            if self.keyframe_seen or packet.is_keyframe:
                if not self.keyframe_seen:
                    log.debug("%s: first keyframe after %d packets skipped", self.description,
                              self.n_packets_skipped)
                self.keyframe_seen = True
                self._decode(packet)
                if self._pending:
                    return self._picture(self._pending.popleft())
            else:
                self._skip()
            if time.monotonic() >= deadline_s:
                return None
        return None

    def _next_packet(self) -> Packet | None:
        """Return the next packet; ``None`` (for good: reopen) at the end, a timeout, an error."""
        if self._packets is None:
            return None
        try:
            return next(self._packets)
        except StopIteration:
            log.debug("%s: end of the stream", self.description)
        except (av.FFmpegError, OSError) as exc:  # read timeout (ExitError), connection lost
            log.debug("%s: no more data: %s", self.description, exc)
        self._packets = None
        return None

    def _skip(self) -> None:
        """Drop a packet that comes before the first keyframe (it cannot be decoded)."""
        if self.n_packets_skipped == 0:
            log.info("%s: waiting for the first keyframe (joined between keyframes; its "
                     "frames follow when it comes)", self.description)
        self.n_packets_skipped += 1

    def _decode(self, packet: Packet) -> None:
        try:
            self._pending.extend(self._stream.codec_context.decode(packet))
        except av.FFmpegError as exc:  # a damaged or lost packet: the next ones may decode
            self.n_decode_errors += 1
            log.debug("%s: packet not decoded: %s", self.description, exc)

    def _picture(self, frame: VideoFrame) -> Picture:
        return upright_rgb(frame), frame.time

    def close(self) -> None:
        self._packets = None
        self._pending.clear()
        self._container.close()


def _open_decoder(url: str, description: str, open_timeout_s: float,
                  read_timeout_s: float) -> _StreamDecoder:
    """Connect to ``url`` (tests replace this function)."""
    return _StreamDecoder(url, description, open_timeout_s, read_timeout_s)


class StreamSource(_LiveSource):
    """Frames from a network stream (udp, tcp, rtsp, http…), decoded with PyAV.

    Joining: packets before the stream's first keyframe are skipped (they cannot be decoded);
    while they arrive, ``read()`` returns ``None`` about every ``POLL_S`` seconds and
    ``waiting_for`` says ``"the first keyframe"`` (for at most ``keyframe_wait_s`` seconds
    since the last picture), so a caller keeps waiting instead of reconnecting.

    Timing: the stream's own clock (the pictures' pts) while it increases and does not run
    ahead of the arrival clock by more than ``MAX_STREAM_CLOCK_LEAD_S``; at the first picture
    where it does not, the source switches to arrival time (``time.perf_counter``, like a
    camera) until ``reopen()``, continuing from the last timestamp. ``uses_stream_clock``
    tells which clock is in use. A pause is kept when the stream restarts after it (its clock
    from 0 again): MPEG-TS hands a picture over only when the next one begins, so the last
    picture before a pause arrives with the first after it; the pause is measured from when
    that picture was due (its stream time plus the shortest delay seen), not from its arrival.

    Parameters
    ----------
    url
        Stream URL, ``scheme://…``. A password in it is never shown (``description``, errors).
    open_timeout_s
        Give up opening after this many seconds.
    read_timeout_s
        A ``read()`` waits at most this long for data, then returns ``None``; the connection
        then stays silent until ``reopen()``.
    keyframe_wait_s
        How long packets without a keyframe count as "waiting" rather than as silence.
    clock
        Monotonic clock in seconds for ``timestamp_s`` (read once per frame).

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
        keyframe_wait_s: float = KEYFRAME_WAIT_S,
        clock: Clock = time.perf_counter,
    ) -> None:
        if "://" not in url:
            raise InputError(f"not a stream URL (expected scheme://...): {url}")
        self.url = url
        self.open_timeout_s, self.read_timeout_s = open_timeout_s, read_timeout_s
        self.keyframe_wait_s = keyframe_wait_s
        super().__init__(clock)
        self.uses_stream_clock = True
        self._decoder: _StreamDecoder | None = None
        self._last_position_s: float | None = None
        self._last_arrival_s: float | None = None
        self._delay_s: float | None = None
        self._picture_wait_start_s = time.monotonic()
        self.reopen()

    @property
    def description(self) -> str:
        """``"stream URL"`` with any password hidden."""
        return f"stream {_redact_url(self.url)}"

    @property
    def waiting_for(self) -> str | None:
        """What the stream waits for while its packets arrive, ``None`` when not waiting.

        ``"the first keyframe"`` after (re)connecting between keyframes, for at most
        ``keyframe_wait_s`` seconds since the last picture; afterwards silence is silence.
        """
        decoder = self._decoder
        if decoder is None or not decoder.waiting_for_keyframe:
            return None
        if time.monotonic() - self._picture_wait_start_s >= self.keyframe_wait_s:
            return None
        return "the first keyframe"

    def reopen(self) -> None:
        """Close the connection and open it again (timestamps and indices continue).

        Raises
        ------
        InputError
            The stream cannot be opened (the source then stays closed).
        """
        self.close()
        decoder = _open_decoder(self.url, self.description, self.open_timeout_s,
                                self.read_timeout_s)
        self._decoder = decoder
        self.n_consecutive_failures = 0
        self._fps_hint = decoder.fps_hint
        self._size_px = decoder.size_px or self._size_px
        if self._last_arrival_s is not None:
            self._timeline.continue_after(self._clock() - self._last_due_s())
        self.uses_stream_clock = True
        self._last_position_s = self._delay_s = None

    def read(self) -> Frame | None:
        """Return the next frame; ``None`` (a counted failure) if none came in time."""
        picture = self._decoder.next_picture(POLL_S) if self._decoder is not None else None
        if picture is None:
            self.n_consecutive_failures += 1
            return None
        image, position_s = picture
        self._picture_wait_start_s = time.monotonic()
        self.n_consecutive_failures = 0
        frame = Frame(image, self._timestamp_s(position_s), self._n_delivered)
        self._n_delivered += 1
        self._size_px = frame.size_px
        return frame

    def close(self) -> None:
        """Close the connection; ``reopen()`` can open it again."""
        if self._decoder is not None:
            self._decoder.close()
            self._decoder = None

    def _timestamp_s(self, position_s: float | None) -> float:
        arrival_s = self._clock()
        if self.uses_stream_clock and not self._position_usable(position_s, arrival_s):
            self.uses_stream_clock = False
            gap_s = arrival_s - self._last_due_s() if self._last_arrival_s is not None else None
            self._timeline.continue_after(gap_s)
            log.info("%s: stream clock unusable, timing frames on arrival", self.description)
        if self.uses_stream_clock and position_s is not None:
            delay_s = arrival_s - position_s
            self._delay_s = delay_s if self._delay_s is None else min(self._delay_s, delay_s)
        self._last_arrival_s, self._last_position_s = arrival_s, position_s
        return self._timeline.stamp(position_s if self.uses_stream_clock else arrival_s)

    def _last_due_s(self) -> float:
        """Return when (arrival clock, s) the last frame was due.

        Its arrival, or, if it came more than ``MAX_STREAM_CLOCK_LEAD_S`` later than the
        stream clock says (held back), its stream time plus the shortest delay seen.
        """
        assert self._last_arrival_s is not None
        if self._last_position_s is None or self._delay_s is None:
            return self._last_arrival_s
        due_s = self._last_position_s + self._delay_s
        return due_s if self._last_arrival_s - due_s > MAX_STREAM_CLOCK_LEAD_S \
            else self._last_arrival_s

    def _position_usable(self, position_s: float | None, arrival_s: float) -> bool:
        """Tell whether the stream position increases without running ahead of the arrival clock."""
        if position_s is None or not math.isfinite(position_s) or position_s < 0:
            return False
        last_position, last_arrival = self._last_position_s, self._last_arrival_s
        if last_position is None or last_arrival is None:
            return True
        step_s = position_s - last_position
        return 0 < step_s <= (arrival_s - last_arrival) + MAX_STREAM_CLOCK_LEAD_S
