"""Thread plumbing of the live view: the one-slot latest-frame mailbox, rates and statistics.

A capture thread ``put``s frames into a :class:`LatestFrameMailbox` (one slot: an unread
frame is replaced and counted as dropped, never queued); a tracking thread ``get``s the
newest one. :class:`ProcessingMeter` counts what the tracking thread processed;
:class:`PipelineStats` is what the status bar shows.
"""


import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from synchrony.records import Frame

T = TypeVar("T")
Clock = Callable[[], float]
"""A monotonic clock returning seconds."""
#: Rates (fps) are measured over the last this many seconds.
RATE_WINDOW_S = 2.0


def limit_blas_threads(n_threads: int = 1) -> None:
    """Limit BLAS (OpenBLAS/MKL) to ``n_threads`` threads, process-wide (threadpoolctl).

    The live path multiplies tiny matrices (peak picking); on a busy 2-core machine a BLAS
    thread pool competing with MediaPipe's threads makes that ~30x slower than one thread.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n_threads, user_api="blas")


# --------------------------------------------------------------------------- threads, stats


@dataclass(frozen=True, slots=True)
class CapturedFrame:
    """A frame and the monotonic clock reading (s) when the capture thread got it."""

    frame: Frame
    captured_s: float


class RateMeter:
    """Events per second over the last ``window_s`` seconds (thread-safe)."""

    def __init__(self, window_s: float = RATE_WINDOW_S, clock: Clock = time.perf_counter):
        self.window_s = window_s
        self._clock = clock
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def tick(self) -> None:
        """Count one event now."""
        with self._lock:
            self._times.append(self._clock())
            self._trim()

    def rate_hz(self) -> float:
        """Events per second in the window; 0 when fewer than two events."""
        with self._lock:
            self._trim()
            if len(self._times) < 2:
                return 0.0
            return (len(self._times) - 1) / max(self._clock() - self._times[0], 1e-9)

    def _trim(self) -> None:
        cutoff = self._clock() - self.window_s
        while self._times and self._times[0] < cutoff:
            self._times.popleft()


class LatestFrameMailbox(Generic[T]):
    """One-slot mailbox: ``put`` replaces an unread item (a counted drop), ``get`` waits.

    Attributes
    ----------
    n_put : items put so far.
    n_dropped : items replaced before anyone read them.
    """

    def __init__(self, clock: Clock = time.perf_counter) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._closed = False
        self.n_put = 0
        self.n_dropped = 0
        self.input_rate = RateMeter(clock=clock)

    def put(self, item: T) -> bool:
        """Offer the newest item; return True if it replaced an unread one (a drop)."""
        with self._cond:
            dropped = self._item is not None
            self._item = item
            self.n_put += 1
            self.n_dropped += int(dropped)
            self._cond.notify()
        self.input_rate.tick()
        return dropped

    def get(self, timeout: float | None = None) -> T | None:
        """Take the newest item, waiting up to ``timeout`` s; None on timeout or closed."""
        with self._cond:
            if self._item is None and not self._closed:
                self._cond.wait(timeout)
            item, self._item = self._item, None
            return item

    def close(self) -> None:
        """Wake every waiting ``get`` (they return None from now on when empty)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


@dataclass(frozen=True, slots=True)
class PipelineStats:
    """How the live pipeline keeps up.

    Attributes
    ----------
    input_fps : frames per second offered by the source (last 2 s).
    processed_fps : frames per second tracked and pushed (last 2 s).
    mean_processed_fps : frames processed / seconds from the first to the last push.
    n_captured, n_dropped, n_processed : frame counts (dropped = replaced in the mailbox).
    latency_p50_s, latency_p95_s : capture -> tracked record, in seconds (last 5000 frames).
    """

    input_fps: float = 0.0
    processed_fps: float = 0.0
    mean_processed_fps: float = math.nan
    n_captured: int = 0
    n_dropped: int = 0
    n_processed: int = 0
    latency_p50_s: float = math.nan
    latency_p95_s: float = math.nan

    @property
    def dropped_fraction(self) -> float:
        """Dropped / captured frames (NaN before the first frame)."""
        return self.n_dropped / self.n_captured if self.n_captured else math.nan

    def summary_line(self) -> str:
        """One line for the end of a run: frames, processed fps, drops, median latency."""
        return (f"{self.n_processed} frames processed, {_fmt(self.mean_processed_fps, '.1f')} "
                f"fps processed, {self.n_dropped} dropped, median latency "
                f"{_fmt(self.latency_p50_s * 1000, '.0f')} ms")


class ProcessingMeter:
    """Counts processed frames, their rate and capture -> processed latency (thread-safe).

    The tracking thread calls :meth:`tick` once per processed frame; :meth:`stats` (any
    thread) assembles :class:`PipelineStats` with the mailbox's input rate and drops.
    """

    def __init__(self, clock: Clock = time.perf_counter, n_latencies: int = 5000) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._rate = RateMeter(clock=clock)
        self._latencies: deque[float] = deque(maxlen=n_latencies)
        self._n_processed = 0
        self._span_s = (math.nan, math.nan)

    @property
    def n_processed(self) -> int:
        """Frames processed so far."""
        return self._n_processed

    def tick(self, captured_s: float | None = None, now_s: float | None = None) -> None:
        """Count one processed frame; ``captured_s``: clock reading (s) at its capture."""
        now = self._clock() if now_s is None else now_s
        with self._lock:
            if captured_s is not None:
                self._latencies.append(now - captured_s)
            self._n_processed += 1
            first = self._span_s[0]
            self._span_s = (now if math.isnan(first) else first, now)
        self._rate.tick()

    def stats(self, mailbox: LatestFrameMailbox[T] | None = None) -> PipelineStats:
        """Rates, counts and latency so far (input rate and drops from ``mailbox``)."""
        with self._lock:
            latencies = np.array(self._latencies)
            n_processed = self._n_processed
            first, last = self._span_s
        p50, p95 = (np.percentile(latencies, [50, 95]) if latencies.size
                    else (math.nan, math.nan))
        processed_fps = self._rate.rate_hz()
        return PipelineStats(
            input_fps=mailbox.input_rate.rate_hz() if mailbox else processed_fps,
            processed_fps=processed_fps,
            mean_processed_fps=(n_processed - 1) / (last - first)
            if n_processed > 1 and last > first else math.nan,
            n_captured=mailbox.n_put if mailbox else n_processed,
            n_dropped=mailbox.n_dropped if mailbox else 0,
            n_processed=n_processed,
            latency_p50_s=float(p50), latency_p95_s=float(p95))


def _fmt(value: float, spec: str) -> str:
    return format(value, spec) if math.isfinite(value) else "n/a"


