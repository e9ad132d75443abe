"""The LSL capture clock, the timeline stream layout and the JSON-lines output (no network)."""

from __future__ import annotations

import io
import json
import math
import threading

import numpy as np
import pytest

from synchrony.live import lsl_markers
from synchrony.live.jsonl import JsonlOutput
from synchrony.live.lsl import STATE_CODES, CaptureClock, timeline_samples
from synchrony.live.lsl_markers import MarkerInlet
from synchrony.live.timeline import SynchronyRow


def _row(signal: str, end: float, state: str = "in_sync", lag: float = 0.5) -> SynchronyRow:
    return SynchronyRow(signal, end - 5.0, end, 0.4, lag, 0.2, state)


def test_capture_clock_interpolates_and_extrapolates_at_one_second_per_second() -> None:
    clock = CaptureClock()
    for i in range(10):  # source 0.0, 0.04 … captured 100 s later, with 10 ms late frame 5
        clock.add(i * 0.04, 100.0 + i * 0.04 + (0.01 if i == 5 else 0.0))
    t = clock.lsl_times(np.array([0.02, 0.2, -1.0, 1.36]))
    assert t[0] == pytest.approx(100.02)
    assert t[1] == pytest.approx(100.21)  # frame 5's own capture time
    assert t[2] == pytest.approx(99.0)
    assert t[3] == pytest.approx(101.36)
    assert clock.source_time(100.02) == pytest.approx(0.02)


def test_capture_clock_starts_again_when_a_looped_file_restarts() -> None:
    clock = CaptureClock()
    clock.add(0.0, 10.0)
    clock.add(5.0, 15.0)
    clock.add(0.0, 20.0)  # the file looped
    assert clock.lsl_times(np.array([1.0]))[0] == pytest.approx(21.0)


def test_capture_clock_without_frames_gives_nan() -> None:
    assert math.isnan(CaptureClock().lsl_times(np.array([1.0]))[0])
    assert math.isnan(CaptureClock().source_time(1.0))


def test_timeline_samples_put_each_signal_in_its_columns_and_fill_missing_ones() -> None:
    rows = [_row("body", 7.0), _row("head", 7.0, "not_in_sync", -0.25), _row("body", 7.5,
                                                                           "unknown")]
    samples = timeline_samples(rows, ["body", "head"])
    assert [end for end, _ in samples] == [7.0, 7.5]
    first = samples[0][1]
    assert first[:2] == [2.0, 7.0]
    assert first[2:6] == [0.4, 0.5, 0.2, STATE_CODES["in_sync"]]
    assert first[6:10] == [0.4, -0.25, 0.2, STATE_CODES["not_in_sync"]]
    second = samples[1][1]
    assert second[5] == STATE_CODES["unknown"]
    assert all(math.isnan(v) for v in second[6:9])
    assert second[9] == -1.0


def test_jsonl_writes_one_object_per_row_with_words_and_null_for_nan(
        monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    clock = CaptureClock()
    clock.add(0.0, 50.0)
    clock.add(10.0, 60.0)
    jsonl = JsonlOutput("-", clock)
    jsonl.on_rows([_row("body", 7.0), SynchronyRow("head", 2.0, 7.0, math.nan, math.nan,
                                                   math.nan, "unknown"),
                   _row("face", 7.0, state="not_in_sync")])
    first, second, third = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["who_leads"] == "B follows A by 0.50 s"
    assert third["who_leads"] == "no leader (not above chance)"  # a lag, but no leader
    assert third["lag_s"] == 0.5
    assert first["lsl_time_s"] == pytest.approx(57.0)
    assert second["strength"] is None
    assert second["who_leads"] == "unknown"
    jsonl.close("clean")
    assert not out.closed


class _NoStreams:
    """A pylsl stand-in whose resolver never finds a stream (each call blocks its timeout)."""

    def __init__(self) -> None:
        self.calls = 0
        self._never = threading.Event()

    def resolve_byprop(self, prop: str, value: str, minimum: int, timeout: float) -> list:
        self.calls += 1
        self._never.wait(timeout)
        return []


def _marker_inlet(monkeypatch: pytest.MonkeyPatch, timeout_s: float
                  ) -> tuple[MarkerInlet, list[tuple[str, str, str]], _NoStreams]:
    fake = _NoStreams()
    monkeypatch.setattr(lsl_markers, "require_lsl", lambda: fake)
    said: list[tuple[str, str, str]] = []
    inlet = MarkerInlet("clicker", lambda text, t: None,
                        lambda *msg: said.append(msg), timeout_s=timeout_s)
    return inlet, said, fake


def test_a_marker_stream_missing_for_its_whole_timeout_is_said_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    inlet, said, fake = _marker_inlet(monkeypatch, timeout_s=0.3)
    inlet.start()
    inlet._thread.join(30)
    inlet.stop()
    assert said == [("markers", "warning", "no LSL marker stream named 'clicker' appeared "
                     "within 0.3 s; going on without markers")]
    assert fake.calls >= 1


def test_a_run_that_ends_before_the_marker_timeout_still_says_no_marker_stream_came(
        monkeypatch: pytest.MonkeyPatch) -> None:
    inlet, said, _ = _marker_inlet(monkeypatch, timeout_s=3600)
    inlet.start()
    inlet.stop(timeout_s=30)
    assert said == [("markers", "warning", "no LSL marker stream named 'clicker' appeared "
                     "before the run ended; no markers were received")]
    assert not inlet._thread.is_alive()
