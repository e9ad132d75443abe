"""Ctrl-C and SIGTERM taken at safe points of a loop instead of anywhere inside it.

Python raises ``KeyboardInterrupt`` wherever the main thread happens to be when the signal
arrives: inside a ``queue.Queue`` call, a ``concurrent.futures`` wait, or MediaPipe's
dispatcher. Raised between a lock's acquire and the ``try`` that releases it, it leaves the lock
held, and the clean-up that follows (draining the decoder queue, closing the tracker, joining
worker threads at exit) can wait for ever. :class:`InterruptPoints` holds SIGINT and SIGTERM
while a loop runs and raises ``KeyboardInterrupt`` only where the loop asks (:meth:`check`),
i.e. between frames, with every lock released.

Only the main thread can set signal handlers; elsewhere (and when a caller installed handlers
of its own, e.g. ``record``'s clean stop) it changes nothing and :meth:`check` never raises.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""The signals that end a command like Ctrl-C (see :mod:`synchrony.cli`)."""


class InterruptPoints:
    """Defer SIGINT/SIGTERM inside a ``with`` block to the block's :meth:`check` calls.

    On leaving the block the previous handlers come back; a signal still pending then (it
    arrived after the last :meth:`check`) is raised as ``KeyboardInterrupt`` at that point.
    """

    def __init__(self) -> None:
        self._pending: int | None = None
        self._previous: dict[int, Any] = {}

    def _hold(self, signum: int, _frame: FrameType | None) -> None:
        self._pending = signum

    def __enter__(self) -> InterruptPoints:
        if threading.current_thread() is not threading.main_thread():
            return self
        for sig in SIGNALS:
            current = signal.getsignal(sig)
            if current is signal.default_int_handler:  # only where a signal would raise
                self._previous[sig] = signal.signal(sig, self._hold)
        return self

    @property
    def pending(self) -> bool:
        """True once a held signal arrived."""
        return self._pending is not None

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` if SIGINT or SIGTERM arrived since the block began."""
        if self._pending is not None:
            raise KeyboardInterrupt

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()
        if exc_type is None:
            self.check()
