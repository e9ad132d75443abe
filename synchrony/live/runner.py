"""The one live capture loop: source -> mailbox -> tracking -> live pipeline -> outputs.

``record``, ``monitor`` (through a thin Qt adapter) and headless streaming all run a
:class:`LiveRunner`. Qt-free. Threads:

- **capture**: opens the source (a camera or stream that cannot be opened is retried every
  ``retry_s``), reads every frame, hands it to each output's ``on_capture`` (the session
  recorder's video encoder keeps every frame; it may make capture wait when it falls
  behind) and offers it to a one-slot :class:`~synchrony.live.threads.LatestFrameMailbox`
  (an unread frame is replaced and counted as dropped). A live source silent for
  ``stall_s`` is reported and reopened every ``retry_s``; silent for ``max_silence_s``
  (when set) the run ends ``"source lost"``; one whose data arrives without pictures yet
  (``waiting_for``: a stream's first keyframe) is not silent and is said to wait. A file ends
  the run at its end ("end of the video"), or at ``duration_s``;
- **tracking**: builds the tracker (``make_tracker(regions)``, e.g. from
  :func:`synchrony.capture.factory.tracker_factory`) in this thread, tracks the newest
  frame, flags its whole-frame event (duplicated frame, lighting step, camera bump:
  :class:`~synchrony.capture.frame_events.FrameEventDetector`, compared with the frame
  tracked before; the pipeline and the session treat such frames as missing samples),
  pushes it into the pipeline and hands it to each output's ``on_frame``; it drains
  the mailbox after capture ends, then ends the run: joins the other threads and closes
  the outputs;
- **analysis** (with a pipeline that does not ``auto_update``): ``pipeline.update()``
  whenever due, so that tracking never waits for it, and each batch of new synchrony rows
  to the outputs' ``on_rows``.

Failures never escape a thread: they become statuses (``on_status``; :attr:`messages`)
and, for capture and tracking, the end of the run (``ended = "error: <Type>"``,
:attr:`failure` keeps the exception). Outputs are isolated (:class:`OutputSet`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from synchrony.capture.factory import TrackerFactory
from synchrony.capture.frame_events import FrameEventDetector
from synchrony.capture.sources import FrameSource
from synchrony.capture.video import release_free_memory
from synchrony.errors import InputError
from synchrony.live.outputs import OutputSet, ended_by, one_line
from synchrony.live.pipeline import LivePipeline
from synchrony.live.threads import (
    CapturedFrame,
    Clock,
    LatestFrameMailbox,
    PipelineStats,
    ProcessingMeter,
)
from synchrony.records import HALVES, PersonTracker, Region, TrackedFrame

log = logging.getLogger(__name__)

RETRY_S = 1.0
"""Seconds between attempts to (re)open a camera or stream."""
STALL_S = 1.0
"""A live source silent for this long (s) is reported and reopened."""
MAX_SILENCE_S = 5.0
"""``record`` ends a run whose live source stays silent this long (s): "source lost"."""
IDLE_S = 0.25
"""The tracking thread calls ``on_idle`` after waiting this long (s) for a frame."""
JOIN_S = 10.0
"""How long (s) the end of a run waits for the capture thread (a blocked read)."""
RELEASE_EVERY_S = 10.0
"""Seconds between two hand-backs of the free heap to the OS (analysis thread; frames are
allocated on the capture thread and freed on the tracking one, which glibc otherwise keeps
in per-thread arenas: see :mod:`synchrony.capture.video`)."""

SourceOpener = Callable[[], FrameSource]


class LiveRunner:
    """Capture, tracking and analysis threads of one live run, and its outputs.

    Parameters
    ----------
    source : an open source, or a function that opens one (called on the capture thread;
        ``InputError``/``OSError`` from it are reported and, with ``retry``, retried).
    make_tracker : builds the tracker for ``regions``, on the tracking thread.
    regions : (A, B) tracking regions.
    pipeline : the live pipeline frames are pushed into (None: tracking and outputs only).
    outputs : outputs added at the start (not required; see :meth:`add_output`).
    mailbox : the capture mailbox (default: a new one; give the pipeline's).
    description : what the source is, for messages before it is open.
    retry : retry opening the source every ``retry_s`` (cameras, streams).
    duration_s : stop before the first frame at or after this source time (s).
    max_silence_s : end ``"source lost"`` when a live source gives no frame this long (s);
        None: keep reopening it.
    retry_s, stall_s : see the module docstring.
    analysis_period_s : the analysis thread checks this often (s) whether an update is due.
    clock : monotonic clock (s).
    """

    def __init__(self, source: FrameSource | SourceOpener, make_tracker: TrackerFactory, *,
                 regions: tuple[Region, Region] = HALVES,
                 pipeline: LivePipeline | None = None, outputs: Iterable[object] = (),
                 mailbox: LatestFrameMailbox[CapturedFrame] | None = None,
                 description: str | None = None, retry: bool = False,
                 duration_s: float | None = None, max_silence_s: float | None = None,
                 retry_s: float = RETRY_S, stall_s: float = STALL_S,
                 analysis_period_s: float = 0.05, clock: Clock = time.perf_counter) -> None:
        if duration_s is not None and not duration_s > 0:
            raise ValueError(f"duration_s must be > 0, got {duration_s}")
        self._source = source
        self._make_tracker, self.regions = make_tracker, regions
        self.pipeline = pipeline
        self.mailbox: LatestFrameMailbox[CapturedFrame] = (
            mailbox if mailbox is not None else LatestFrameMailbox(clock))
        self.description = description or getattr(source, "description", "source")
        self.retry, self.duration_s, self.max_silence_s = retry, duration_s, max_silence_s
        self.retry_s, self.stall_s = retry_s, stall_s
        self.analysis_period_s = analysis_period_s
        self._clock = clock
        self._meter = ProcessingMeter(clock=clock)
        self._outputs = OutputSet(self._status, self._fail)
        for output in outputs:
            self._outputs.add(output)
        self._stop = threading.Event()
        self._capture_done = threading.Event()
        self._done = threading.Event()
        self._all_started = threading.Event()
        self._lock = threading.Lock()
        self._ended: str | None = None
        self.failure: BaseException | None = None
        self.messages: dict[str, tuple[str, str]] = {}
        self.n_captured = 0
        self._threads: dict[str, threading.Thread] = {}

    # ------------------------------------------------------------------ control
    @property
    def started(self) -> bool:
        """True once :meth:`start` was called."""
        return bool(self._threads)

    @property
    def running(self) -> bool:
        """Started and not yet ended."""
        return self.started and not self._done.is_set()

    @property
    def ended(self) -> str | None:
        """How the run ended (None while it runs).

        One of "clean", "interrupted", "source lost", "disk full" or "error: <what>".
        """
        return self._ended if self._done.is_set() else None

    @property
    def outputs(self) -> tuple[object, ...]:
        """The active outputs."""
        return self._outputs.outputs

    def add_output(self, output: object, *, required: bool = False) -> bool:
        """Attach an output, also while running; False once the run has ended.

        A ``required`` output that fails stops the run (``ended`` from its error).
        """
        return self._outputs.add(output, required=required)

    def remove_output(self, output: object) -> bool:
        """Detach an output (the caller closes it); False if it was not attached."""
        return self._outputs.remove(output)

    def start(self) -> None:
        """Start the threads (once)."""
        if self._threads:
            raise RuntimeError("a LiveRunner starts once")
        targets: dict[str, Callable[[], None]] = {"capture": self._capture,
                                                  "tracking": self._track}
        if self.pipeline is not None and not self.pipeline.auto_update:
            targets["analysis"] = self._analyse
        self._threads = {name: threading.Thread(target=target, name=f"live-{name}",
                                                daemon=True)
                         for name, target in targets.items()}
        for thread in self._threads.values():
            thread.start()
        self._all_started.set()

    def stop(self, ended: str = "clean") -> None:
        """Ask the run to end (any thread, also a signal handler).

        ``ended`` is kept unless the run already ended for another reason. Returns at once:
        see :meth:`join`.
        """
        self._end(ended)
        self._stop.set()
        self.mailbox.close()

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait until the run has ended and its outputs are closed; False on timeout."""
        return self._done.wait(timeout_s)

    def run(self) -> str:
        """Start and wait until the run ends; return how it ended."""
        self.start()
        while not self._done.wait(0.2):  # short waits: signal handlers run in between
            pass
        return self._ended or "clean"

    def stats(self) -> PipelineStats:
        """Frame rates, drops and latency so far."""
        if self.pipeline is not None:
            return self.pipeline.stats()
        return self._meter.stats(self.mailbox)

    # ------------------------------------------------------------------ helpers
    def _end(self, ended: str) -> None:
        """Keep the first reason the run ends."""
        with self._lock:
            if self._ended is None:
                self._ended = ended

    def _fail(self, exc: BaseException) -> None:
        with self._lock:
            if self.failure is None:
                self.failure = exc
        self.stop(ended_by(exc))

    def report(self, key: str, level: str, text: str) -> None:
        """Announce a status change to every output (``level`` "" clears ``key``).

        For parts of a run outside its threads, e.g. an LSL marker inlet.
        """
        self._status(key, level, text)

    def _status(self, key: str, level: str, text: str) -> None:
        with self._lock:
            if level:
                self.messages[key] = (level, text)
            elif self.messages.pop(key, None) is None:
                return  # nothing to clear
        log.debug("status %s: %s %s", key, level or "cleared", text)
        self._outputs.call("on_status", key, level, text)

    # ------------------------------------------------------------------ capture
    def _capture(self) -> None:
        source: FrameSource | None = None
        try:
            source = self._capture_loop()
        except Exception as exc:  # noqa: BLE001 - reported, never a traceback
            self._status("source", "error", f"capture stopped: {one_line(exc)}")
            self._fail(exc)
        finally:
            self._close_source(source)
            self._capture_done.set()
            self.mailbox.close()

    def _capture_loop(self) -> FrameSource | None:
        """Read until stopped or the source ends; return the source to close."""
        source: FrameSource | None = None
        last_frame_s, stalled, waiting = self._clock(), False, False
        while not self._stop.is_set():
            if source is None:
                source = self._open()
                if source is None and not self.retry:
                    self._end("source lost")
                    break
                last_frame_s, stalled = self._clock(), False
                continue
            frame = source.read()
            if frame is not None:
                if self.duration_s is not None and frame.timestamp_s >= self.duration_s:
                    break
                self.n_captured += 1
                self._outputs.call("on_capture", frame)
                self.mailbox.put(CapturedFrame(frame, self._clock()))
                last_frame_s = self._clock()
                if stalled or waiting:
                    stalled = waiting = False
                    self._status("source", "", "")
            elif not source.is_live:
                self._status("source", "info", f"{self.description}: end of the video")
                break
            elif waiting_for := getattr(source, "waiting_for", None):  # data, no picture yet
                last_frame_s = self._clock()
                if not waiting:
                    waiting = True
                    self._status("source", "info", f"{self.description}: waiting for "
                                 f"{waiting_for}")
            else:
                silent_s = self._clock() - last_frame_s
                if self.max_silence_s is not None and silent_s >= self.max_silence_s:
                    self._status("source", "error", f"{self.description}: no frames for "
                                 f"{self.max_silence_s:g} s; source lost")
                    self._end("source lost")
                    break
                if silent_s >= self.stall_s:
                    if not stalled:
                        stalled = True
                        self._status("source", "warning", f"{self.description}: no frames "
                                     f"(unplugged or dropped?); reconnecting every "
                                     f"{self.retry_s:g} s")
                    self._reopen(source)
                else:
                    self._stop.wait(0.005)
        return source

    def _open(self) -> FrameSource | None:
        """Return the source, opened now if needed; None (reported, waited) when it cannot be."""
        if not callable(self._source) or hasattr(self._source, "read"):
            source = self._source
        else:
            try:
                source = self._source()
            except (InputError, OSError) as exc:
                retry = f"; retrying every {self.retry_s:g} s" if self.retry else ""
                self._status("source", "error", f"{one_line(exc)}{retry}")
                if self.retry:
                    self._stop.wait(self.retry_s)
                return None
        self.description = getattr(source, "description", self.description)
        self._status("source", "", "")
        return source  # type: ignore[return-value]

    def _reopen(self, source: FrameSource) -> None:
        reopen = getattr(source, "reopen", None)
        if reopen is not None:
            try:
                reopen()
            except (InputError, OSError) as exc:
                log.debug("%s: reopen failed: %s", self.description, one_line(exc))
        self._stop.wait(self.retry_s)

    def _close_source(self, source: FrameSource | None) -> None:
        if source is None:
            return
        try:
            source.close()
        except Exception as exc:  # noqa: BLE001 - the run is over anyway
            log.debug("%s: close failed: %s", self.description, one_line(exc))

    # ------------------------------------------------------------------ tracking
    def _track(self) -> None:
        tracker: PersonTracker | None = None
        try:
            tracker = self._make_tracker(self.regions)
        except Exception as exc:  # noqa: BLE001 - model missing, bad bundle: a status
            self._status("tracking", "error", one_line(exc))
            self._fail(exc)
        try:
            if tracker is not None:
                self._track_loop(tracker)
        except Exception as exc:  # noqa: BLE001
            self._status("tracking", "error",
                         f"tracking stopped: {type(exc).__name__}: {one_line(exc)}")
            self._fail(exc)
        finally:
            if tracker is not None:
                try:
                    tracker.close()
                except Exception as exc:  # noqa: BLE001 - the run is over anyway
                    log.debug("tracker close failed: %s", one_line(exc))
            self._finish()

    def _track_loop(self, tracker: PersonTracker) -> None:
        """Track the mailbox's frames, in capture order.

        With a tracker that can pipeline (``submit``) the next frame is handed over before
        the previous one's result is awaited whenever a frame is already waiting: two frames
        in flight while tracking is the bottleneck, one (no added latency) while it keeps up.
        """
        events = FrameEventDetector()
        submit = getattr(tracker, "submit", None)
        pending: tuple[Any, CapturedFrame] | None = None
        while True:
            item = self.mailbox.get(timeout=0.0 if pending is not None else IDLE_S)
            if item is None:
                if pending is not None:
                    self._tracked(pending[0].result(), pending[1], events)
                    pending = None
                    continue
                if self._capture_done.is_set() or self._stop.is_set():
                    return
                self._outputs.call("on_idle")
                continue
            if submit is None:
                self._tracked(tracker.track(item.frame), item, events)
                continue
            started = (submit(item.frame), item)
            if pending is not None:
                self._tracked(pending[0].result(), pending[1], events)
            pending = started

    def _tracked(self, tracked: TrackedFrame, item: CapturedFrame,
                 events: FrameEventDetector) -> None:
        """One tracked frame, in capture order, to the live pipeline and the outputs."""
        pipeline = self.pipeline
        event = events.update(item.frame.image_rgb)
        if event is not None:
            tracked = replace(tracked, frame_event=event)
        if pipeline is not None:
            pipeline.push(tracked, image_rgb=item.frame.image_rgb, captured_s=item.captured_s)
        else:
            self._meter.tick(item.captured_s)
        self._outputs.call("on_frame", tracked, item)
        if pipeline is not None and pipeline.auto_update:
            self._send_rows()

    # ------------------------------------------------------------------ analysis
    def _analyse(self) -> None:
        assert self.pipeline is not None
        released_s = self._clock()
        try:
            while not self._stop.is_set():
                if self.pipeline.update():
                    self._send_rows()
                else:
                    self._stop.wait(self.analysis_period_s)
                if self._clock() - released_s >= RELEASE_EVERY_S:
                    release_free_memory()
                    released_s = self._clock()
        except Exception as exc:  # noqa: BLE001 - tracking goes on without synchrony
            log.debug("analysis stopped", exc_info=exc)
            self._status("analysis", "error",
                         f"analysis stopped: {type(exc).__name__}: {one_line(exc)}")

    def _send_rows(self) -> None:
        if self.pipeline is None:
            return
        samples = self.pipeline.drain_samples()
        if len(samples):
            self._outputs.call("on_samples", samples)
        rows = self.pipeline.drain_rows()
        if rows:
            self._outputs.call("on_rows", rows)

    # ------------------------------------------------------------------ the end
    def _finish(self) -> None:
        """End of the tracking thread: stop the others, then close the outputs."""
        self._end("clean")
        self._stop.set()
        self.mailbox.close()
        try:
            self._wait_for_threads()
            self._last_rows()
        finally:
            with self._lock:
                ended = self._ended or "clean"
            failure = self._outputs.close(ended)
            if failure is not None:  # a required output failed while closing (disk full …)
                with self._lock:
                    self.failure = self.failure or failure
                    self._ended = ended_by(failure) if ended == "clean" else ended
            self._done.set()

    def _wait_for_threads(self) -> None:
        self._all_started.wait()  # this thread may end before start() started the others
        for name in ("analysis", "capture"):
            thread = self._threads.get(name)
            if thread is not None:
                thread.join(JOIN_S)
                if thread.is_alive():
                    log.warning("%s thread still busy after %g s; closing the outputs anyway",
                                name, JOIN_S)

    def _last_rows(self) -> None:
        """Send the last synchrony rows due from the tracked frames (analysis thread done)."""
        if self.pipeline is None or "analysis" not in self._threads or (
                "analysis" in self.messages):
            return
        try:
            if self.pipeline.update(final=True):
                self._send_rows()
        except Exception as exc:  # noqa: BLE001 - the run is over anyway
            log.debug("last analysis update failed: %s", one_line(exc))
