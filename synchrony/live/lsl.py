"""Lab Streaming Layer: the clock, and outlets of the live run's signals, timeline and frames.

Three outlets (names and types: a contract, see ARCHITECTURE.md "Live outputs"), opened by
:class:`LslOutlets`, an output of the :class:`~synchrony.live.runner.LiveRunner`:

- ``<prefix>.signals`` (type ``Motion``): every grid sample, one float32 channel per person
  and signal (``A_body``, ``B_body``, …), nominal rate = the grid rate;
- ``<prefix>.timeline`` (type ``Synchrony``): every new synchrony row time, float64 channels
  ``window_start_s``, ``window_end_s`` (source clock) then per signal ``<signal>_strength``
  (mean Fisher z), ``<signal>_lag_s`` (lag > 0: A leads and B follows),
  ``<signal>_chance_level`` and ``<signal>_state`` (:data:`STATE_CODES`); irregular rate;
- ``<prefix>.frames`` (type ``VideoFrames``): every captured frame, ``frame_index`` and
  ``source_timestamp_s``, stamped with the LSL clock when the capture thread got it.

Samples of the first two are stamped with the LSL time at which the frame of their source
time was captured (interpolated between captured frames), not when they were computed, so
they line up with physiology recorded on the same clock. Each stream's description holds
channel labels, units and types, the sign convention, the parameters and the software (the
conventions LabRecorder stores in XDF). An outlet without a consumer costs one
``push_sample`` call.

``pylsl`` ships liblsl in its wheels; where it cannot be loaded, :func:`require_lsl` raises
one clear :class:`~synchrony.errors.InputError` and the rest of the product works.
"""

from __future__ import annotations

import bisect
import math
import socket
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from synchrony import __version__
from synchrony.engine.lead import SIGN_CONVENTION
from synchrony.errors import InputError
from synchrony.live.outputs import OutputBase
from synchrony.live.timeline import SynchronyRow
from synchrony.records import Frame

STREAMS = {"signals": "Motion", "timeline": "Synchrony", "frames": "VideoFrames"}
"""Stream suffix -> LSL type (contract)."""
DEFAULT_PREFIX = "synchrony"
STATE_CODES = {"in_sync": 1.0, "not_in_sync": 0.0, "unknown": -1.0}
"""Numeric code of each timeline state in the ``Synchrony`` stream."""
RESOLVE_S = 1.0
"""How long (s) to look for streams that already use our names."""
_CLOCK_FRAMES = 2048
LINGER_S = 1.0
"""How long (s) outlets with a consumer stay open after the last push. liblsl sends in the
background and tells no one when a consumer has everything; dropping an outlet at once
loses the last samples still on their way (measured: the last 0.6 s of signals)."""


def _pylsl() -> Any:
    """Return the pylsl module; InputError (one line) when liblsl cannot be loaded."""
    try:
        import pylsl
    except (ImportError, RuntimeError, OSError) as exc:
        first = " ".join(str(exc).split())[:160]
        raise InputError(f"Lab Streaming Layer is not available: pylsl could not load liblsl "
                         f"({type(exc).__name__}: {first})") from None
    return pylsl


def require_lsl() -> Any:
    """Return pylsl, or raise InputError saying why LSL cannot be used here."""
    return _pylsl()


def lsl_clock() -> float | None:
    """Return the LSL clock now (s), or None when liblsl is not available."""
    try:
        return float(_pylsl().local_clock())
    except InputError:
        return None


class CaptureClock:
    """Maps source times to the LSL time their frames were captured (thread-safe).

    Fed with every captured frame; a source time before the last one (a looped file) starts
    the map again.
    """

    def __init__(self, maxlen: int = _CLOCK_FRAMES) -> None:
        self._source: deque[float] = deque(maxlen=maxlen)
        self._lsl: deque[float] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    def add(self, source_s: float, lsl_s: float) -> None:
        """One captured frame: its source time and the LSL time it was captured."""
        with self._lock:
            if self._source and source_s <= self._source[-1]:
                self._source.clear()
                self._lsl.clear()
            self._source.append(source_s)
            self._lsl.append(lsl_s)

    def lsl_times(self, source_s: np.ndarray) -> np.ndarray:
        """LSL times of ``source_s``: interpolated, extrapolated at 1 s/s beyond the ends."""
        with self._lock:
            xs, ys = np.array(self._source), np.array(self._lsl)
        t = np.asarray(source_s, dtype=float)
        if xs.size == 0:
            return np.full(t.shape, math.nan)
        out = np.interp(t, xs, ys)
        out = np.where(t > xs[-1], ys[-1] + (t - xs[-1]), out)
        return np.where(t < xs[0], ys[0] + (t - xs[0]), out)

    def source_time(self, lsl_s: float) -> float:
        """Source time of an LSL time (inverse map; NaN before the first frame)."""
        with self._lock:
            xs, ys = list(self._source), list(self._lsl)
        if not xs:
            return math.nan
        k = bisect.bisect_left(ys, lsl_s)
        if k <= 0:
            return xs[0] + (lsl_s - ys[0])
        if k >= len(ys):
            return xs[-1] + (lsl_s - ys[-1])
        f = (lsl_s - ys[k - 1]) / (ys[k] - ys[k - 1]) if ys[k] > ys[k - 1] else 0.0
        return xs[k - 1] + f * (xs[k] - xs[k - 1])


def _describe(info: Any, channels: Sequence[tuple[str, str, str]],
              parameters: Mapping[str, object]) -> None:
    desc = info.desc()
    desc.append_child_value("manufacturer", "synchrony")
    desc.append_child_value("software_version", __version__)
    desc.append_child_value("sign_convention", SIGN_CONVENTION)
    chans = desc.append_child("channels")
    for label, unit, kind in channels:
        ch = chans.append_child("channel")
        ch.append_child_value("label", label)
        ch.append_child_value("unit", unit)
        ch.append_child_value("type", kind)
    params = desc.append_child("parameters")
    for key, value in parameters.items():
        params.append_child_value(key, str(value))


def taken_names(names: Sequence[str], wait_s: float = RESOLVE_S) -> list[str]:
    """Those of ``names`` that a stream on the network already uses."""
    pylsl = _pylsl()
    seen = {info.name() for info in pylsl.resolve_streams(wait_time=wait_s)}
    return [n for n in names if n in seen]


class LslOutlets(OutputBase):
    """The three LSL outlets of a live run (module docstring); a runner output.

    Parameters
    ----------
    sample_columns : the pipeline's grid-sample columns (``A_body``, …).
    signals : the signals of the timeline stream, in order.
    units : signal -> unit of its series.
    grid_hz : the grid rate (nominal rate of the signals stream).
    parameters : analysis parameters written into every stream's description.
    prefix : stream names are ``<prefix>.signals`` etc.
    check_names : fail (InputError) when a stream with one of the names exists already.
    """

    name = "LSL"
    status_key = "lsl"

    def __init__(self, *, sample_columns: Sequence[str], signals: Sequence[str],
                 units: Mapping[str, str], grid_hz: float, parameters: Mapping[str, object],
                 prefix: str = DEFAULT_PREFIX, check_names: bool = True) -> None:
        pylsl = _pylsl()
        self._lsl = pylsl
        self.names = {k: f"{prefix}.{k}" for k in STREAMS}
        if check_names:
            taken = taken_names(list(self.names.values()))
            if taken:
                raise InputError(f"the LSL stream name {taken[0]} is already taken (another "
                                 "synchrony running?); choose other names with --lsl-prefix")
        self.clock = CaptureClock()
        self.sample_columns = tuple(sample_columns)
        self.signals = tuple(signals)
        host = socket.gethostname()

        def outlet(key: str, channels: list[tuple[str, str, str]], rate: float,
                   fmt: Any) -> Any:
            info = pylsl.StreamInfo(self.names[key], STREAMS[key], len(channels), rate, fmt,
                                    f"synchrony@{host}:{self.names[key]}")
            _describe(info, channels, parameters)
            return pylsl.StreamOutlet(info)

        self._signals = outlet("signals", [
            (c, units.get(c.split("_", 1)[1], ""), "Motion") for c in self.sample_columns],
            grid_hz, pylsl.cf_float32)
        timeline = [("window_start_s", "s", "Time"), ("window_end_s", "s", "Time")]
        for s in self.signals:
            timeline += [(f"{s}_strength", "Fisher z", "Synchrony"),
                         (f"{s}_lag_s", "s", "Lag"), (f"{s}_chance_level", "Fisher z",
                                                      "Synchrony"),
                         (f"{s}_state", "code: 1 in_sync, 0 not_in_sync, -1 unknown",
                          "State")]
        self._timeline = outlet("timeline", timeline, pylsl.IRREGULAR_RATE, pylsl.cf_double64)
        self._frames = outlet("frames", [("frame_index", "count", "Index"),
                                         ("source_timestamp_s", "s", "Time")],
                              pylsl.IRREGULAR_RATE, pylsl.cf_double64)
        self.n_pushed = dict.fromkeys(STREAMS, 0)

    def wait_for_consumers(self, timeout_s: float) -> list[str]:
        """Wait up to ``timeout_s`` (in all) for a consumer on each outlet.

        LSL delivers only the samples pushed after a consumer connected, so a recorder
        (LabRecorder, a script) that must see the first sample connects during this wait.
        Returns the names of the streams still without a consumer.
        """
        deadline = time.monotonic() + timeout_s
        outlets = {"signals": self._signals, "timeline": self._timeline, "frames": self._frames}
        waiting = []
        for key, outlet in outlets.items():
            # short waits, so that Ctrl-C (handled between them) ends a long wait
            while not outlet.wait_for_consumers(min(0.2, max(0.0, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    waiting.append(self.names[key])
                    break
        return waiting

    def on_capture(self, frame: Frame) -> None:
        """Stamp the frame with the LSL clock now (the capture thread just got it)."""
        now = float(self._lsl.local_clock())
        self.clock.add(frame.timestamp_s, now)
        self._frames.push_sample([float(frame.index), float(frame.timestamp_s)], now)
        self.n_pushed["frames"] += 1

    def on_samples(self, samples: np.ndarray) -> None:
        """Push each grid sample, stamped with its capture time on the LSL clock."""
        stamps = self.clock.lsl_times(samples[:, 0])
        for row, stamp in zip(samples[:, 1:], stamps, strict=True):
            if math.isfinite(stamp):
                self._signals.push_sample(row.astype(np.float32).tolist(), float(stamp))
                self.n_pushed["signals"] += 1

    def on_rows(self, rows: Sequence[SynchronyRow]) -> None:
        """Push one sample per window end, every signal's values side by side."""
        for end_s, values in timeline_samples(rows, self.signals):
            stamp = float(self.clock.lsl_times(np.array([end_s]))[0])
            if math.isfinite(stamp):
                self._timeline.push_sample(values, stamp)
                self.n_pushed["timeline"] += 1

    def close(self, ended: str) -> None:
        """Drop the outlets (consumers see the streams end).

        Outlets with a consumer stay :data:`LINGER_S` after the last push first, so that the
        last samples reach it.
        """
        outlets = (self._signals, self._timeline, self._frames)
        if any(o is not None and o.have_consumers() for o in outlets):
            time.sleep(LINGER_S)
        self._signals = self._timeline = self._frames = None


def timeline_samples(rows: Sequence[SynchronyRow], signals: Sequence[str]
                     ) -> list[tuple[float, list[float]]]:
    """Group rows by window end: ``(window_end_s, channel values)`` in the timeline layout."""
    groups: dict[float, dict[str, SynchronyRow]] = {}
    for row in rows:
        groups.setdefault(row.window_end_s, {})[row.signal] = row
    out = []
    for end_s in sorted(groups):
        by_signal = groups[end_s]
        first = next(iter(by_signal.values()))
        values = [first.window_start_s, end_s]
        for s in signals:
            r = by_signal.get(s)
            values += ([r.strength, r.lag_s, r.chance_level, STATE_CODES.get(r.state, -1.0)]
                       if r else [math.nan, math.nan, math.nan, -1.0])
        out.append((end_s, values))
    return out


def outlets_for(pipeline: Any, prefix: str = DEFAULT_PREFIX) -> LslOutlets:
    """Return the LSL outlets of a :class:`~synchrony.live.pipeline.LivePipeline`'s run."""
    from synchrony.signals.registry import unit_of

    columns = tuple(pipeline.sample_columns)
    signals = tuple(dict.fromkeys(c.split("_", 1)[1] for c in columns))
    params = pipeline.parameters
    return LslOutlets(sample_columns=columns, signals=signals,
                      units={s: unit_of(s) for s in signals}, grid_hz=pipeline.grid_hz,
                      parameters={"window_s": params.window_s, "step_s": params.step_s,
                                  "max_lag_s": params.max_lag_s, "grid_hz": pipeline.grid_hz},
                      prefix=prefix)
