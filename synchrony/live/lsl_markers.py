"""Markers in: an LSL marker stream (a clicker, an experiment program) received live.

:class:`MarkerInlet` looks for the stream by name for ``timeout_s``; if it never appears it
says so once (status ``"markers"``, warning) and the run goes on without markers. Each
marker is handed to ``on_marker(text, lsl_time_s)`` with its time on this machine's LSL
clock (the sender's time stamp plus the inlet's clock correction) and announced as an
``info`` status (``marker: <text>``; the dashboard shows the latest).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from synchrony.live.lsl import require_lsl

log = logging.getLogger(__name__)

MARKER_TIMEOUT_S = 10.0
"""How long (s) to look for the marker stream before going on without it."""
PULL_S = 0.2

Report = Callable[[str, str, str], None]


class MarkerInlet:
    """Receives the markers of the LSL stream ``name`` on its own thread.

    Parameters
    ----------
    name : the marker stream's name.
    on_marker : called with (text, LSL time in s) for each marker, on the inlet's thread.
    report : ``report(key, level, text)``, e.g. :meth:`LiveRunner.report`.
    timeout_s : how long to look for the stream.
    """

    def __init__(self, name: str, on_marker: Callable[[str, float], None], report: Report, *,
                 timeout_s: float = MARKER_TIMEOUT_S) -> None:
        self._lsl = require_lsl()
        self.name, self.timeout_s = name, timeout_s
        self._on_marker, self._report = on_marker, report
        self._stop = threading.Event()
        self.found = threading.Event()
        self.n_received = 0
        self._lock = threading.Lock()
        self._missing_said = False
        self._thread = threading.Thread(target=self._run, name="lsl-markers", daemon=True)

    def start(self) -> MarkerInlet:
        """Start looking for the stream; return self."""
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 2.0) -> None:
        """Stop receiving (and looking)."""
        self._stop.set()
        self._thread.join(timeout_s)
        self._say_missing("before the run ended; no markers were received")

    def _resolve(self) -> Any:
        deadline = time.monotonic() + self.timeout_s
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            found = self._lsl.resolve_byprop("name", self.name, minimum=1,
                                             timeout=min(0.5, left))
            if found:
                return found[0]
        return None

    def _say_missing(self, how: str) -> None:
        """Say once that the stream was not found (from whichever thread gets here first)."""
        with self._lock:
            if self._missing_said or self.found.is_set():
                return
            self._missing_said = True
        self._report("markers", "warning",
                     f"no LSL marker stream named {self.name!r} appeared {how}")

    def _run(self) -> None:
        try:
            info = self._resolve()
            if info is None:
                if not self._stop.is_set():
                    self._say_missing(f"within {self.timeout_s:g} s; going on without "
                                      "markers")
                return
            inlet = self._lsl.StreamInlet(info)
            self.found.set()
            self._report("markers", "info", f"receiving LSL markers from {self.name!r}")
            correction = 0.0
            while not self._stop.is_set():
                sample, stamp = inlet.pull_sample(timeout=PULL_S)
                if sample is None:
                    continue
                if self.n_received % 50 == 0:
                    correction = float(inlet.time_correction(timeout=1.0))
                text = " ".join(str(v) for v in sample)
                lsl_time = float(stamp) + correction
                self.n_received += 1
                self._on_marker(text, lsl_time if math.isfinite(lsl_time) else math.nan)
                self._report("markers", "info", f"marker: {text}")
        except Exception as exc:  # noqa: BLE001 - markers must never stop the run
            log.debug("marker inlet stopped", exc_info=exc)
            self._report("markers", "warning", f"LSL markers stopped: {type(exc).__name__}: "
                         f"{' '.join(str(exc).split())}")
