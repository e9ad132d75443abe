"""JSON lines out: one JSON object per synchrony row, to a file or standard output.

Each line is a :class:`~synchrony.live.timeline.SynchronyRow` (``signal``,
``window_start_s``, ``window_end_s`` on the source's clock, ``strength``, ``lag_s``,
``chance_level``, ``state``) plus ``who_leads`` in words and ``lsl_time_s`` (the LSL time
its window end was captured, when LSL outlets run; else null). NaN is written as null.
Lines are flushed as they are written, so a pipe sees each row at once.
Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from synchrony.engine.lead import describe_leader
from synchrony.errors import InputError
from synchrony.live.lsl import CaptureClock
from synchrony.live.outputs import OutputBase
from synchrony.live.timeline import SynchronyRow


def _clean(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


class JsonlOutput(OutputBase):
    """Writes synchrony rows as JSON lines (module docstring); a runner output.

    Parameters
    ----------
    target : a path, or ``"-"`` for standard output.
    clock : the LSL outlets' capture clock, to add ``lsl_time_s`` (None: null).
    """

    name = "JSON lines"
    status_key = "jsonl"

    def __init__(self, target: str | Path, clock: CaptureClock | None = None) -> None:
        self.clock = clock
        self.n_rows = 0
        if str(target) == "-":
            self._fh: IO[str] = sys.stdout
            self._own = False
        else:
            try:
                self._fh = Path(target).open("w", encoding="utf-8")  # noqa: SIM115 (closed in close)
            except OSError as exc:
                raise InputError(f"--jsonl {target}: cannot write: "
                                 f"{exc.strerror or type(exc).__name__}") from None
            self._own = True

    def on_rows(self, rows: Sequence[SynchronyRow]) -> None:
        """Write each row as one line and flush."""
        for row in rows:
            record = {k: _clean(v) for k, v in row.as_dict().items()}
            record["who_leads"] = describe_leader(row.lag_s, row.state) \
                if math.isfinite(row.lag_s) else "unknown"
            stamp = (float(self.clock.lsl_times(np.array([row.window_end_s]))[0])
                     if self.clock is not None else math.nan)
            record["lsl_time_s"] = _clean(stamp)
            self._fh.write(json.dumps(record, allow_nan=False) + "\n")
            self.n_rows += 1
        self._fh.flush()

    def close(self, ended: str) -> None:
        """Close the file (standard output stays open)."""
        if self._own:
            self._fh.close()
