"""LiveRunner and its outputs on in-memory frames with a fake tracker (no Qt, no MediaPipe).

Most tests use :class:`LockstepSource`: it hands out frame k only after the tracker has
tracked frame k-1, so nothing is ever dropped and every run is deterministic. Waiting is
always on events with timeouts, never on sleeps.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from synchrony.capture.sources import ArraySource
from synchrony.engine.wcc import fisher_z
from synchrony.errors import InputError
from synchrony.live import (
    CapturedFrame,
    LivePipeline,
    LiveRunner,
    OutputBase,
    SynchronyRow,
)
from synchrony.records import HALVES, Frame, Region, TrackedFrame
from synchrony.session.recorder import SessionRecorder
from synchrony.session.store import SessionWriter, open_session
from tests.fixtures.tracked import dyad_frames

FPS = 25.0
LAG_S = 0.4
TIMEOUT_S = 20.0
IMAGE = np.zeros((48, 64, 3), np.uint8)


class ScriptedTracker:
    """Returns prepared tracked frames for the frames' indices; ``tracked`` is set after each."""

    def __init__(self, frames: Sequence[TrackedFrame]) -> None:
        self.frames = frames
        self.tracked = threading.Event()
        self.closed = False

    def track(self, frame: Frame) -> TrackedFrame:
        self.tracked.set()
        return self.frames[frame.index % len(self.frames)]

    def close(self) -> None:
        self.closed = True


class LockstepSource:
    """A file-like source of ``n_frames`` that gives frame k once frame k-1 was tracked."""

    is_live = False
    description = "lockstep frames"
    fps_hint = FPS
    size_px = (64, 48)

    def __init__(self, n_frames: int, tracker: ScriptedTracker) -> None:
        self.n_frames_hint = n_frames
        self.tracker = tracker
        self.closed = False
        self._k = 0

    def read(self) -> Frame | None:
        if self._k >= self.n_frames_hint or self.closed:
            return None
        if self._k > 0:
            assert self.tracker.tracked.wait(TIMEOUT_S), "frame never tracked"
            self.tracker.tracked.clear()
        self._k += 1
        return Frame(IMAGE, (self._k - 1) / FPS, self._k - 1)

    def close(self) -> None:
        self.closed = True


class Collector(OutputBase):
    """Keeps everything the runner hands out; ``seen(n)`` waits for n tracked frames."""

    name = status_key = "collector"

    def __init__(self) -> None:
        self.captured: list[int] = []
        self.tracked: list[int] = []
        self.rows: list[SynchronyRow] = []
        self.statuses: list[tuple[str, str, str]] = []
        self.ended: list[str] = []
        self._n_seen = 0
        self._cond = threading.Condition()

    def on_capture(self, frame: Frame) -> None:
        self.captured.append(frame.index)

    def on_frame(self, tracked: TrackedFrame, captured: CapturedFrame) -> None:
        assert captured.frame.index == tracked.index
        self.tracked.append(tracked.index)
        with self._cond:
            self._n_seen += 1
            self._cond.notify_all()

    def on_rows(self, rows: Sequence[SynchronyRow]) -> None:
        self.rows.extend(rows)

    def on_status(self, key: str, level: str, text: str) -> None:
        self.statuses.append((key, level, text))

    def close(self, ended: str) -> None:
        self.ended.append(ended)

    def seen(self, n: int) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._n_seen >= n, TIMEOUT_S)


class Failing(Collector):
    """Fails in ``on_frame`` at the ``at``-th tracked frame."""

    name = status_key = "flaky output"

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at

    def on_frame(self, tracked: TrackedFrame, captured: CapturedFrame) -> None:
        super().on_frame(tracked, captured)
        if len(self.tracked) == self.at:
            raise RuntimeError("output broke")


def lockstep(duration_s: float, **kwargs: object) -> tuple[LiveRunner, ScriptedTracker]:
    frames = dyad_frames(duration_s=duration_s, fps=FPS, lag_s=LAG_S)
    tracker = ScriptedTracker(frames)
    source = LockstepSource(len(frames), tracker)
    return LiveRunner(source, lambda regions: tracker, **kwargs), tracker  # type: ignore[arg-type]


def test_outputs_get_every_captured_and_tracked_frame_then_close() -> None:
    collector = Collector()
    runner, tracker = lockstep(4.0, outputs=[collector])
    assert runner.run() == "clean"
    assert collector.captured == list(range(100))
    assert collector.tracked == list(range(100))  # lockstep: nothing dropped
    assert collector.ended == ["clean"]
    assert ("source", "info", "lockstep frames: end of the video") in collector.statuses
    assert tracker.closed
    stats = runner.stats()
    assert (stats.n_captured, stats.n_dropped, stats.n_processed) == (100, 0, 100)
    assert not runner.running
    assert runner.add_output(Collector()) is False  # the run has ended


class PipeliningTracker(ScriptedTracker):
    """Tracks through ``submit`` (as MediaPipeTracker); counts the frames in flight."""

    def __init__(self, frames: Sequence[TrackedFrame]) -> None:
        super().__init__(frames)
        self.submitted: list[int] = []
        self.awaited: list[int] = []
        self.in_flight = self.most_in_flight = 0

    def track(self, frame: Frame) -> TrackedFrame:
        raise AssertionError("a pipelining tracker is used through submit")

    def submit(self, frame: Frame) -> _Pending:
        self.submitted.append(frame.index)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        self.tracked.set()
        return _Pending(self, self.frames[frame.index % len(self.frames)])


class _Pending:
    def __init__(self, owner: PipeliningTracker, tracked: TrackedFrame) -> None:
        self.owner, self.tracked = owner, tracked

    def result(self) -> TrackedFrame:
        self.owner.in_flight -= 1
        self.owner.awaited.append(self.tracked.index)
        return self.tracked


def test_a_pipelining_tracker_gets_every_frame_once_and_in_order() -> None:
    """case -> expected: a tracker with ``submit`` -> every frame submitted and awaited
    once, in capture order, at most two in flight, the outputs see every frame in order
    and nothing is left in flight at the end."""
    collector = Collector()
    frames = dyad_frames(duration_s=4.0, fps=FPS, lag_s=LAG_S)
    tracker = PipeliningTracker(frames)
    source = LockstepSource(len(frames), tracker)
    runner = LiveRunner(source, lambda regions: tracker,  # type: ignore[arg-type]
                        outputs=[collector])
    assert runner.run() == "clean"
    assert tracker.submitted == tracker.awaited == collector.tracked == list(range(100))
    assert 1 <= tracker.most_in_flight <= 2
    assert tracker.in_flight == 0


def test_synchrony_rows_of_every_signal_arrive_from_the_analysis_thread() -> None:
    collector = Collector()
    pipeline = LivePipeline(window_s=3.0, max_lag_s=1.0, step_s=0.5, auto_update=False)
    runner, _ = lockstep(12.0, outputs=[collector], pipeline=pipeline)
    assert runner.run() == "clean"
    assert {row.signal for row in collector.rows} == {"body", "head", "face", "motion"}
    for signal in ("body", "motion"):
        ends = np.array([row.window_end_s for row in collector.rows if row.signal == signal])
        assert len(ends) >= 10
        assert np.allclose(np.diff(ends), 0.5)  # a row every step, none twice, none missed
        assert ends[-1] > 12.0 - 0.5 - 1.0  # up to the last frames (settle 0.5 s, update 0.5 s)


def test_synchrony_rows_hold_strength_lag_chance_level_and_state() -> None:
    """auto_update: the pipeline updates on the tracking thread, deterministically."""
    collector = Collector()
    pipeline = LivePipeline(window_s=3.0, max_lag_s=1.0, step_s=0.5)
    runner, _ = lockstep(20.0, outputs=[collector], pipeline=pipeline)
    assert runner.run() == "clean"
    body = [row for row in collector.rows if row.signal == "body"]
    assert all(row.window_end_s - row.window_start_s == pytest.approx(3.0) for row in body)
    assert all(row.state in ("in_sync", "not_in_sync", "unknown") for row in collector.rows)
    lags = np.array([row.lag_s for row in body])
    assert np.nanmedian(lags) == pytest.approx(LAG_S, abs=0.1)  # lag > 0: A leads
    # strength: the peak of the mean Fisher z over the trailing horizon's rows, searched
    # within the lag band around the history's profile peak (analysis.timeline)
    state = pipeline.snapshot()
    rules = pipeline.timeline_rules
    z = fisher_z(state.heatmap_r)
    centre = state.lags_s[np.nanargmax(np.nanmean(z, axis=0))]
    band = np.abs(state.lags_s - centre) <= rules.lag_band_s + 1e-9
    recent = np.nanmean(z[-rules.horizon_windows(0.5):], axis=0)
    assert body[-1].strength == pytest.approx(np.max(recent[band]), rel=1e-6)
    unknown = [row for row in body if not math.isfinite(row.chance_level)]
    known = [row for row in body if math.isfinite(row.chance_level)]
    assert unknown, "the chance level needs some history first"
    assert known
    assert all(row.state == "unknown" for row in unknown)
    for row in known:  # unknown: the trailing horizon is not yet full
        if row.strength > row.chance_level:
            assert row.state in ("in_sync", "unknown")
        if row.state == "not_in_sync":  # in sync may stay so down to the exit level
            assert row.strength <= row.chance_level
    assert body[-1].state == "in_sync"  # B follows A closely: above chance


def test_a_failing_output_is_isolated_and_tracking_goes_on() -> None:
    good, bad = Collector(), Failing(at=5)
    runner, _ = lockstep(2.0, outputs=[bad, good])
    assert runner.run() == "clean"
    assert good.tracked == list(range(50))
    assert bad.tracked == list(range(5))  # removed after it failed
    assert bad.ended == ["error: RuntimeError"]
    expected = ("flaky output", "error", "flaky output stopped: output broke")
    assert expected in good.statuses
    assert runner.messages["flaky output"] == expected[1:]
    assert good.ended == ["clean"]
    assert runner.failure is None


def test_a_failing_required_output_stops_the_run() -> None:
    good, bad = Collector(), Failing(at=5)
    runner, _ = lockstep(4.0, outputs=[good])
    runner.add_output(bad, required=True)
    assert runner.run() == "error: RuntimeError"
    assert isinstance(runner.failure, RuntimeError)
    assert len(good.tracked) < 100
    assert good.ended == ["error: RuntimeError"]


def test_stop_is_prompt_and_says_how_the_run_ended() -> None:
    collector = Collector()
    frames = dyad_frames(duration_s=1.0, fps=FPS)
    camera = EndlessCamera()
    runner = LiveRunner(camera, lambda regions: ScriptedTracker(frames), outputs=[collector])
    runner.start()
    assert collector.seen(10)
    started = time.perf_counter()
    runner.stop("interrupted")
    assert runner.join(5.0)
    assert time.perf_counter() - started < 2.0  # a frame or two, not a timeout
    assert runner.ended == "interrupted"
    assert collector.ended == ["interrupted"]
    assert camera.closed


class EndlessCamera:
    """A live source that delivers a frame per ``1 / fps`` until closed (a camera)."""

    is_live = True
    description = "endless camera"
    fps_hint = 100.0
    size_px = (64, 48)
    n_frames_hint = None

    def __init__(self, n_frames: int | None = None) -> None:
        self.n_frames = n_frames
        self.closed = False
        self.n_reopen = 0
        self._k = 0

    def read(self) -> Frame | None:
        time.sleep(1.0 / self.fps_hint)  # the camera's frame clock (pacing, not synchronisation)
        if self.n_frames is not None and self._k >= self.n_frames:
            return None  # unplugged: nothing arrives any more
        self._k += 1
        return Frame(IMAGE, self._k / self.fps_hint, self._k - 1)

    def reopen(self) -> None:
        self.n_reopen += 1

    def close(self) -> None:
        self.closed = True


def test_a_silent_live_source_is_reopened_then_lost() -> None:
    collector = Collector()
    frames = dyad_frames(duration_s=1.0, fps=FPS)
    camera = EndlessCamera(n_frames=5)
    # ~20 reconnection attempts fit in the silence allowed: >= 2 even on a loaded machine
    runner = LiveRunner(camera, lambda regions: ScriptedTracker(frames), outputs=[collector],
                        stall_s=0.1, retry_s=0.05, max_silence_s=1.0)
    assert runner.run() == "source lost"
    assert camera.n_reopen >= 2
    levels = [(key, level) for key, level, _ in collector.statuses]
    assert levels == [("source", "warning"), ("source", "error")]
    assert "reconnecting every 0.05 s" in collector.statuses[0][2]
    assert "source lost" in collector.statuses[1][2]
    assert collector.ended == ["source lost"]
    assert len(collector.captured) == 5


def test_duration_s_stops_before_the_first_later_frame() -> None:
    collector = Collector()
    frames = dyad_frames(duration_s=3.0, fps=10.0)
    source = ArraySource([IMAGE] * len(frames), [f.timestamp_s for f in frames])
    runner = LiveRunner(source, lambda regions: ScriptedTracker(frames), outputs=[collector],
                        duration_s=1.0)
    assert runner.run() == "clean"
    assert collector.captured == list(range(10))


def test_a_tracker_that_cannot_be_built_ends_the_run_with_a_message() -> None:
    collector = Collector()

    def no_models(regions: tuple[Region, Region]) -> ScriptedTracker:
        raise InputError("pose bundle missing")

    runner = LiveRunner(EndlessCamera(), no_models, outputs=[collector],
                        pipeline=LivePipeline(auto_update=False))  # three threads to end
    assert runner.run() == "error: InputError"
    assert runner.messages["tracking"] == ("error", "pose bundle missing")
    assert isinstance(runner.failure, InputError)
    assert collector.ended == ["error: InputError"]


def test_a_camera_that_cannot_be_opened_is_retried_until_stopped() -> None:
    collector = Collector()
    attempts = threading.Semaphore(0)

    def missing() -> EndlessCamera:
        attempts.release()
        raise InputError("camera 7 could not be opened")

    runner = LiveRunner(missing, lambda regions: ScriptedTracker([]), outputs=[collector],
                        retry=True, retry_s=0.01, description="camera 7")
    runner.start()
    for _ in range(3):
        assert attempts.acquire(timeout=TIMEOUT_S)
    assert runner.running
    assert runner.messages["source"] == (
        "error", "camera 7 could not be opened; retrying every 0.01 s")
    runner.stop()
    assert runner.join(5.0)
    assert runner.ended == "clean"


def test_a_recorder_attached_while_running_starts_the_session_at_0_s(tmp_path: Path) -> None:
    frames = dyad_frames(duration_s=2.0, fps=FPS, lag_s=LAG_S)
    tracker = ScriptedTracker(frames)
    runner = LiveRunner(LockstepSource(len(frames), tracker), lambda regions: tracker)
    recorder = SessionRecorder(SessionWriter(tmp_path / "s", source={}, fps=None))

    class AttachAt(OutputBase):
        def on_capture(self, frame: Frame) -> None:
            if frame.index == 10:  # the recorder sees captures from frame 11 on
                runner.add_output(recorder)

    runner.add_output(AttachAt())
    assert runner.run() == "clean"
    session = open_session(tmp_path / "s")
    recorded = session.frames()
    assert [f.index for f in recorded] == list(range(39))
    assert recorded[0].timestamp_s == 0.0
    assert [f.timestamp_s for f in recorded] == pytest.approx(
        [f.timestamp_s - frames[11].timestamp_s for f in frames[11:]])
    np.testing.assert_array_equal(recorded[5].people[1].pose_xy_norm,
                                  frames[16].people[1].pose_xy_norm)
    meta = session.metadata
    assert (meta["frames_captured"], meta["frames_dropped_by_tracker"]) == (39, 0)
    assert meta["fps"] == pytest.approx(FPS)
    assert meta["ended"] == "clean"
    assert recorder.closed


def test_regions_go_to_the_tracker_factory() -> None:
    got: list[tuple[Region, Region]] = []
    regions = (Region(0.0, 0.0, 0.4, 1.0), Region(0.6, 0.0, 1.0, 1.0))
    frames = dyad_frames(duration_s=0.4, fps=FPS)

    def make(regions: tuple[Region, Region] = HALVES) -> ScriptedTracker:
        got.append(regions)
        return ScriptedTracker(frames)

    source = ArraySource([IMAGE] * len(frames), [f.timestamp_s for f in frames])
    assert LiveRunner(source, make, regions=regions).run() == "clean"
    assert got == [regions]


def test_live_timeline_is_recorded_and_agrees_with_the_analysis(tmp_path: Path) -> None:
    """A session recorded live stores what the live view showed (live_timeline.parquet);
    analysing it afterwards gives the same states for >= 90 % of the windows both know."""
    from synchrony.analysis.methods import AnalysisParameters
    from synchrony.session.analysis import analyze_session

    frames = dyad_frames(duration_s=45.0, fps=FPS, lag_s=LAG_S, seed=4)
    tracker = ScriptedTracker(frames)
    recorder = SessionRecorder(SessionWriter(tmp_path / "s", source={}, fps=FPS))
    runner = LiveRunner(LockstepSource(len(frames), tracker), lambda regions: tracker,
                        pipeline=LivePipeline(), outputs=[recorder])  # analyze's WCC settings
    assert runner.run() == "clean"
    session = open_session(tmp_path / "s")
    live = session.live_timeline()
    assert live is not None
    assert live.column_names == ["signal", "window_start_s", "window_end_s", "strength",
                                 "lag_s", "chance_level", "state"]
    analyze_session(session, tmp_path / "out", params=AnalysisParameters(n_surrogates=0),
                    signal_names=["body"])
    import pyarrow.parquet as pq

    offline = pq.read_table(tmp_path / "out" / "timeline.parquet").to_pylist()
    by_start = {round(row["window_start_s"] / 0.5): row["state"] for row in offline
                if row["signal"] == "body" and row["state"] != "unknown"}
    pairs = [(row["state"], by_start[k]) for row in live.to_pylist()
             if row["signal"] == "body" and row["state"] != "unknown"
             and (k := round(row["window_start_s"] / 0.5)) in by_start]
    assert len(pairs) > 30
    agree = np.mean([a == b for a, b in pairs])
    assert agree >= 0.9, f"live and analysed states agree on {100 * agree:.0f} % only"
    assert session.live_timeline().num_rows == live.num_rows  # reopened: the same rows


def test_the_analysis_thread_hands_free_heap_back_to_the_os(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Frames allocated on the capture thread and freed on the tracking one stay in glibc's
    arenas unless handed back: the analysis thread (never the tracking one) does it every
    ``RELEASE_EVERY_S``."""
    threads: list[str] = []
    monkeypatch.setattr("synchrony.live.runner.RELEASE_EVERY_S", 0.0)
    monkeypatch.setattr("synchrony.live.runner.release_free_memory",
                        lambda: threads.append(threading.current_thread().name))
    pipeline = LivePipeline(window_s=3.0, max_lag_s=1.0, step_s=0.5, auto_update=False)
    runner, _ = lockstep(4.0, pipeline=pipeline)
    assert runner.run() == "clean"
    assert threads
    assert set(threads) == {"live-analysis"}
