"""A small progress bar on stderr (redrawn in place on a terminal, a line per 10 % elsewhere)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Progress of ``total`` steps (``None``: unknown) written to ``stream``."""

    def __init__(self, label: str, total: int | None, *, stream: TextIO | None = None,
                 min_interval_s: float = 0.1) -> None:
        self.label = label
        self.total = total if total and total > 0 else None
        self.stream = stream or sys.stderr
        self.done = 0
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._min_interval_s = min_interval_s
        self._last_draw = 0.0
        self._last_decile = -1
        self._start = time.perf_counter()

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` steps."""
        self.done += n
        now = time.perf_counter()
        if self._tty:
            if now - self._last_draw >= self._min_interval_s:
                self._last_draw = now
                self.stream.write("\r" + self._text() + " ")
                self.stream.flush()
        elif self.total:
            decile = int(10 * self.done / self.total)
            if decile > self._last_decile:
                self._last_decile = decile
                self.stream.write(self._text() + "\n")

    def _text(self) -> str:
        elapsed = time.perf_counter() - self._start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if self.total:
            frac = min(1.0, self.done / self.total)
            bar = "#" * int(30 * frac) + "-" * (30 - int(30 * frac))
            eta = f", ETA {_clock((self.total - self.done) / rate)}" if rate > 0 and \
                self.done < self.total else ""
            return f"{self.label} [{bar}] {self.done}/{self.total} ({rate:.1f}/s{eta})"
        return f"{self.label} {self.done} ({rate:.1f}/s)"

    def close(self) -> None:
        """Finish the bar (final state on its own line)."""
        if self._tty:
            self.stream.write("\r" + self._text() + "\n")
        elif self.total is None or self._last_decile < 10:
            self.stream.write(self._text() + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    """``seconds`` as ``M:SS`` or ``H:MM:SS``."""
    total = int(round(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
