"""Outputs of the live runner: the protocol, a no-op base class, and small outputs.

An output is anything the :class:`~synchrony.live.runner.LiveRunner` hands its results to:
the session recorder, the dashboard's Qt adapter, a progress bar, later LSL outlets and a
JSON-lines writer. Each method is optional (:class:`OutputBase` implements them all as
no-ops) and is called on the thread named below, so it must return quickly:

=============================  ==================  ========================================
method                         thread              when
=============================  ==================  ========================================
``on_capture(frame)``          capture             every captured frame (before tracking)
``on_frame(tracked, captured)``  tracking          every tracked frame
``on_samples(samples)``        analysis            each batch of new grid samples (below)
``on_rows(rows)``              analysis            each batch of new :class:`SynchronyRow`
``on_status(key, level, text)``  any               a problem appears ("" level: it cleared)
``on_idle()``                  tracking            no frame came for a while (~0.25 s)
``close(ended)``               the one ending      once, when the run ends (or it is removed)
=============================  ==================  ========================================

``samples`` is an (n, 1 + k) array: ``time_s`` on the source's clock, then the pipeline's
``sample_columns`` (``A_body``, ``B_body``, …; NaN = unknown).

An output may also have a ``failure`` attribute (an exception or None): for a required
output, a failure it reports after ``close`` becomes the run's failure.

``key`` names what the status is about (``"source"``, ``"tracking"``, ``"analysis"``,
``"recording"``, or an output's ``status_key``); ``level`` is ``"error"``, ``"warning"``,
``"info"`` or ``""`` (cleared). ``ended`` says how the run ended: ``"clean"``,
``"interrupted"``, ``"source lost"``, ``"disk full"`` or ``"error: <what>"``.

A failing output (any exception) is isolated by :class:`OutputSet`: logged, removed,
reported through ``on_status`` of the others, and closed with ``"error: <Type>"``; the run
goes on unless the output was added as ``required``.
"""

from __future__ import annotations

import errno
import functools
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from synchrony.live.threads import CapturedFrame
from synchrony.live.timeline import SynchronyRow
from synchrony.progress import ProgressBar
from synchrony.records import Frame, TrackedFrame

log = logging.getLogger(__name__)


def one_line(exc: BaseException) -> str:
    """Format an exception as one line of text (no traceback)."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def ended_by(exc: BaseException) -> str:
    """How a run or recording ends because of ``exc``: ``"disk full"`` or ``"error: Type"``."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "disk full"
    return f"error: {type(exc).__name__}"


@runtime_checkable
class LiveOutput(Protocol):
    """What the live runner calls (see the module docstring for threads and timing)."""

    def on_capture(self, frame: Frame) -> None:
        """Every captured frame, on the capture thread (do not block for long)."""

    def on_frame(self, tracked: TrackedFrame, captured: CapturedFrame) -> None:
        """Every tracked frame and the captured frame it came from, on the tracking thread."""

    def on_samples(self, samples: np.ndarray) -> None:
        """Receive new grid samples (module docstring), on the analysis thread."""

    def on_rows(self, rows: Sequence[SynchronyRow]) -> None:
        """Receive new synchrony rows (every signal, oldest first), on the analysis thread."""

    def on_status(self, key: str, level: str, text: str) -> None:
        """Receive a status change of ``key``; ``level`` "" means the problem cleared."""

    def on_idle(self) -> None:
        """No frame came for a while (tracking thread): a chance to flush buffers."""

    def close(self, ended: str) -> None:
        """Close the output: the run ended (``ended`` says how) or the output was removed."""


class OutputBase:
    """A :class:`LiveOutput` whose methods do nothing: subclass and override some.

    Attributes
    ----------
    name : shown in messages ("<name> stopped: ...").
    status_key : the status key under which its failure is reported.
    """

    name = "output"
    status_key = "output"

    def on_capture(self, frame: Frame) -> None:
        """Every captured frame (capture thread)."""

    def on_frame(self, tracked: TrackedFrame, captured: CapturedFrame) -> None:
        """Every tracked frame (tracking thread)."""

    def on_samples(self, samples: np.ndarray) -> None:
        """Receive new grid samples (analysis thread)."""

    def on_rows(self, rows: Sequence[SynchronyRow]) -> None:
        """Receive new synchrony rows (analysis thread)."""

    def on_status(self, key: str, level: str, text: str) -> None:
        """Receive a status change."""

    def on_idle(self) -> None:
        """No frame for a while (tracking thread)."""

    def close(self, ended: str) -> None:
        """Close the output: the run ended."""


class ProgressOutput(OutputBase):
    """Advances a :class:`~synchrony.progress.ProgressBar` with every captured frame."""

    name = status_key = "progress"

    def __init__(self, bar: ProgressBar) -> None:
        self.bar = bar

    def on_capture(self, frame: Frame) -> None:
        """One more frame."""
        self.bar.update()

    def close(self, ended: str) -> None:
        """Finish the bar."""
        self.bar.close()


class OutputSet:
    """The outputs of one run; calls them and isolates the ones that fail (thread-safe).

    Parameters
    ----------
    report : ``report(key, level, text)`` announces a failed output (default: the other
        outputs' ``on_status``).
    on_required_failure : called with the exception when a ``required`` output fails
        (the runner stops then).
    """

    def __init__(self, report: Callable[[str, str, str], None] | None = None,
                 on_required_failure: Callable[[BaseException], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: tuple[tuple[object, bool], ...] = ()
        self._report = report or functools.partial(self.call, "on_status")
        self._on_required_failure = on_required_failure
        self._closed = False

    @property
    def outputs(self) -> tuple[object, ...]:
        """The active outputs, in the order they were added."""
        return tuple(output for output, _ in self._entries)

    def add(self, output: object, *, required: bool = False) -> bool:
        """Add an output; False (not added) once the set is closed."""
        with self._lock:
            if self._closed:
                return False
            self._entries = (*self._entries, (output, required))
            return True

    def remove(self, output: object) -> bool:
        """Remove an output (not closed here); False if it was not in the set."""
        with self._lock:
            kept = tuple(entry for entry in self._entries if entry[0] is not output)
            found = len(kept) != len(self._entries)
            self._entries = kept
            return found

    def call(self, method: str, *args: object) -> None:
        """Call ``method`` of every output that has it; a failing one is isolated."""
        for output, required in self._entries:
            step = getattr(output, method, None)
            if step is None:
                continue
            try:
                step(*args)
            except Exception as exc:  # noqa: BLE001 - isolate it, report, never stop tracking
                self._isolate(output, required, method, exc)

    def close(self, ended: str) -> BaseException | None:
        """Close every output with ``ended`` (once, the last added first).

        Later calls do nothing. Returns the ``failure`` a required output reports after
        closing, if any (e.g. a full disk while the recorder wrote its last part).
        """
        with self._lock:
            if self._closed:
                return None
            self._closed = True
            entries, self._entries = self._entries, ()
        failure = None
        for output, required in reversed(entries):
            _close_quietly(output, ended)
            if required and failure is None:
                failure = getattr(output, "failure", None)
        return failure

    def _isolate(self, output: object, required: bool, method: str,
                 exc: Exception) -> None:
        if not self.remove(output):
            return  # already isolated by another thread
        name = getattr(output, "name", type(output).__name__)
        key = getattr(output, "status_key", name)
        text = f"{name} stopped: {one_line(exc)}"
        log.debug("output %s failed in %s", name, method, exc_info=exc)
        if not required:
            log.warning("%s", text)
        _close_quietly(output, ended_by(exc))
        self._report(key, "error", text)
        if required and self._on_required_failure is not None:
            self._on_required_failure(exc)


def _close_quietly(output: object, ended: str) -> None:
    close = getattr(output, "close", None)
    if close is None:
        return
    try:
        close(ended)
    except Exception as exc:  # noqa: BLE001 - one output must not keep the others open
        name = getattr(output, "name", type(output).__name__)
        log.warning("%s: closing failed: %s", name, one_line(exc))
        log.debug("closing %s failed", name, exc_info=exc)
