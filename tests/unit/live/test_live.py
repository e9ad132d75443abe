"""LivePipeline, mailbox and stats on synthetic tracked frames (no Qt, no MediaPipe).

The synthetic dyad: A's upper body sways by ``sway(t)`` (a sum of sinusoids, 0.2-1 Hz), B's
by ``sway(t - lag_s)``; head rotation, blendshapes and motion follow the same sway. So B
follows A by ``lag_s`` and the WCC peak must sit at +lag_s (lag > 0: A leads).
"""

from __future__ import annotations

import math
import re
import threading

import numpy as np
import pytest

from synchrony.engine.streaming import StreamingWcc
from synchrony.live import (
    LatestFrameMailbox,
    LiveParameters,
    LivePipeline,
    RateMeter,
    limit_blas_threads,
)
from synchrony.records import HALVES, PersonObservation, TrackedFrame
from synchrony.signals.extract import person_features, resample, signals_from_grid

FPS = 25.0
LAG_S = 0.4
_RNG = np.random.default_rng(7)
_FREQS_HZ = _RNG.uniform(0.2, 1.0, 6)
_PHASES = _RNG.uniform(0, 2 * np.pi, 6)
_BASE = np.stack([np.linspace(0.1, 0.4, 33), np.linspace(0.2, 0.9, 33)], axis=1)


def sway(t: float) -> float:
    """Band-limited movement in frame widths (about +-0.02 = +-13 px at 640 px)."""
    return float(0.02 * np.sum(np.sin(2 * np.pi * _FREQS_HZ * t + _PHASES)) / 3)


def person(centre_x: float, dx: float) -> PersonObservation:
    """A person whose landmarks, head, blendshapes and motion all follow ``dx``."""
    xy = (_BASE + [centre_x - 0.25 + dx, 0.0]).astype(np.float32)
    matrix = np.eye(4, dtype=np.float32)
    angle = 5 * dx
    matrix[:2, :2] = [[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]
    matrix[0, 3] = 100 * dx
    shapes = np.full(52, 0.3 + dx, dtype=np.float32)
    return PersonObservation(pose_xy_norm=xy, pose_visibility=np.full(33, 0.9, np.float32),
                             head_matrix=matrix, blendshapes=shapes, motion_fraction=abs(dx))


def tracked(k: int, t: float, *, lag_s: float = LAG_S, a_seen: bool = True,
            b_seen: bool = True) -> TrackedFrame:
    """Frame k at time t (s): B follows A by ``lag_s``; unseen people are NaN."""
    a = person(0.25, sway(t)) if a_seen else PersonObservation()
    b = person(0.75, sway(t - lag_s)) if b_seen else PersonObservation()
    return TrackedFrame(timestamp_s=t, index=k, size_px=(640, 480), people=(a, b),
                        regions=HALVES)


def run(pipeline: LivePipeline, duration_s: float, *, start_s: float = 0.0,
        skip: tuple[float, float] | None = None, b_missing: tuple[float, float] | None = None,
        lag_s: float = LAG_S) -> list[TrackedFrame]:
    """Push frames at 25 fps; ``skip`` drops frames in (t0, t1); B unseen in ``b_missing``."""
    frames = []
    for k in range(int(round(duration_s * FPS))):
        t = start_s + k / FPS
        if skip and skip[0] < t < skip[1]:
            continue
        b_seen = not (b_missing and b_missing[0] <= t < b_missing[1])
        frame = tracked(k, t, lag_s=lag_s, b_seen=b_seen)
        frames.append(frame)
        pipeline.push(frame)
    return frames


@pytest.fixture(scope="module")
def after_30s() -> LivePipeline:
    pipeline = LivePipeline()
    run(pipeline, 30.0)
    return pipeline


# --------------------------------------------------------------------------- pipeline


def test_traces_cover_the_session_on_the_grid(after_30s: LivePipeline) -> None:
    state = after_30s.snapshot()
    dt = np.diff(state.trace_time_s)
    assert np.allclose(dt, 1 / 20)
    # grid samples are made settle_s (0.5 s) after their time, in batches of update_s
    assert -1.1 < state.trace_time_s[-1] <= -0.5
    assert len(state.trace_a) == len(state.trace_b) > 0.9 * 29 * 20
    assert np.isfinite(state.trace_a[5:]).all()
    assert np.isfinite(state.trace_b[5:]).all()


def test_heatmap_row_every_step_with_peak_at_b_follows_a(after_30s: LivePipeline) -> None:
    state = after_30s.snapshot()
    assert state.heatmap_r.shape[1] == len(state.lags_s) == 81
    assert np.allclose(np.diff(state.heatmap_time_s), 0.5)
    assert len(state.heatmap_time_s) >= 40
    found = np.isfinite(state.peak_lag_s)
    assert found.mean() > 0.9
    assert np.all(np.abs(state.peak_lag_s[found] - LAG_S) <= 0.1)
    assert state.current_peak_lag_s == pytest.approx(LAG_S, abs=0.1)
    assert re.fullmatch(r"B follows A by 0\.(3[0-9]|4[0-9]|50) s", state.lead_words)


def test_sign_flips_when_a_follows_b() -> None:
    pipeline = LivePipeline(n_surrogate_shifts=0)
    run(pipeline, 12.0, lag_s=-LAG_S)
    state = pipeline.snapshot()
    assert state.current_peak_lag_s == pytest.approx(-LAG_S, abs=0.1)
    assert state.sync_lag_s == pytest.approx(-LAG_S, abs=0.1)
    # without surrogates the chance level is unknown: the gauge names no leader
    assert state.state == "unknown"
    assert state.lead_words == "no leader (chance level unknown)"


def test_chance_level_from_circular_shifts(after_30s: LivePipeline) -> None:
    state = after_30s.snapshot()
    assert 0 < state.threshold_r < 1
    assert state.current_peak_r > state.threshold_r
    assert state.significant is True


def test_live_signals_match_causal_batch_signals() -> None:
    """Same definitions as synchrony.signals (causal), computed on a rolling buffer."""
    scale = 100.0
    pipeline = LivePipeline(body_scale_px={"A": scale, "B": scale}, n_surrogate_shifts=0)
    frames = run(pipeline, 12.0)
    state = pipeline.snapshot()
    t_src = np.array([f.timestamp_s for f in frames])
    grid_t = state.trace_time_s + state.timestamp_s
    for person_index, trace in ((0, state.trace_a), (1, state.trace_b)):
        raw = person_features(frames, person_index)
        grid = {k: resample(t_src, v, grid_t, 0.5) for k, v in raw.items()}
        batch = signals_from_grid(grid, grid_hz=20.0, scale_px=scale, causal=True)["body"]
        assert np.allclose(trace[1:], batch[1:], rtol=1e-6, atol=1e-9)


def test_dropped_frames_become_gaps_not_invented_values() -> None:
    pipeline = LivePipeline(n_surrogate_shifts=0)
    run(pipeline, 14.0, skip=(6.0, 7.2), b_missing=(3.0, 3.2))
    state = pipeline.snapshot()
    t = state.trace_time_s + state.timestamp_s
    long_gap = (t > 6.05) & (t < 7.15)
    assert long_gap.sum() >= 20
    assert np.isnan(state.trace_a[long_gap]).all()
    assert np.isnan(state.trace_b[long_gap]).all()
    # B unseen for 0.2 s (<= 0.5 s): interpolated, like the batch resampling
    short = (t > 3.0) & (t < 3.2)
    assert np.isfinite(state.trace_b[short]).all()
    after = (t > 8.0) & (t < 12.0)
    assert np.isfinite(state.trace_a[after]).all()


def test_person_out_of_view_is_a_message_and_a_gap() -> None:
    pipeline = LivePipeline(n_surrogate_shifts=0)
    run(pipeline, 6.0, b_missing=(3.0, 99.0))
    state = pipeline.snapshot()
    assert "B not in view" in state.messages
    assert state.in_view == (True, False)
    t = state.trace_time_s + state.timestamp_s
    assert np.isnan(state.trace_b[(t > 3.6) & (t < 5.0)]).all()
    assert np.isfinite(state.trace_a[(t > 3.6) & (t < 5.0)]).all()


def test_waiting_and_collecting_messages() -> None:
    pipeline = LivePipeline()
    assert pipeline.snapshot().messages == ("waiting for frames",)
    run(pipeline, 2.0)
    state = pipeline.snapshot()
    assert state.messages == ()
    assert state.lead_words.startswith("collecting data")
    assert state.significant is None


def test_parameter_change_rebuilds_from_history() -> None:
    pipeline = LivePipeline(n_surrogate_shifts=0)
    run(pipeline, 16.0)
    new = pipeline.set_parameters(window_s=3.0, max_lag_s=1.0, step_s=1.0)
    assert new == LiveParameters(window_s=3.0, step_s=1.0, max_lag_s=1.0, signal="body")
    state = pipeline.snapshot()
    assert len(state.lags_s) == 41
    assert len(state.heatmap_time_s) >= 10  # rebuilt at once from the kept history
    run(pipeline, 4.0, start_s=16.0)
    state = pipeline.snapshot()
    assert np.allclose(np.diff(state.heatmap_time_s), 1.0)
    # rebuilt and streamed rows = the newest window of a StreamingWcc fed the whole history
    reference = StreamingWcc(fs_hz=20.0, window_s=3.0, max_lag_s=1.0)
    ends = set(np.round(state.heatmap_time_s, 6))
    expected = []
    for t, a, b in zip(np.round(state.trace_time_s, 6), state.trace_a, state.trace_b,
                       strict=True):
        reference.push(a, b)
        if t in ends:
            expected.append(reference.newest())
    assert len(expected) == len(state.heatmap_r) >= 14
    assert np.allclose(state.heatmap_r, expected, equal_nan=True, atol=1e-9)
    assert state.current_peak_lag_s == pytest.approx(LAG_S, abs=0.1)


def test_signal_change_and_invalid_parameters() -> None:
    pipeline = LivePipeline(n_surrogate_shifts=0)
    run(pipeline, 10.0)
    body = pipeline.snapshot()
    pipeline.set_parameters(signal="head")
    head = pipeline.snapshot()
    assert head.parameters.signal == "head"
    assert head.signal_unit.startswith("deg/s")
    assert not np.allclose(head.trace_a, body.trace_a, equal_nan=True)
    assert len(head.heatmap_time_s) == len(body.heatmap_time_s)
    with pytest.raises(ValueError, match="signal must be one of"):
        pipeline.set_parameters(signal="gaze")
    with pytest.raises(ValueError, match="max_lag_s"):
        pipeline.set_parameters(max_lag_s=9.0, window_s=3.0)
    assert pipeline.parameters.signal == "head"
    assert pipeline.parameters.window_s == 5.0


def test_out_of_order_frames_are_ignored() -> None:
    pipeline = LivePipeline()
    pipeline.push(tracked(0, 1.0))
    pipeline.push(tracked(1, 0.5))
    assert pipeline.stats().n_processed == 1


# --------------------------------------------------------------------------- mailbox, stats


def test_mailbox_keeps_only_the_newest_and_counts_drops() -> None:
    box: LatestFrameMailbox[int] = LatestFrameMailbox()
    assert box.put(1) is False
    assert box.put(2) is True
    assert box.put(3) is True
    assert (box.n_put, box.n_dropped) == (3, 2)
    assert box.get(timeout=0) == 3
    assert box.get(timeout=0.01) is None
    assert box.put(4) is False


def test_mailbox_get_wakes_on_put_and_close() -> None:
    box: LatestFrameMailbox[str] = LatestFrameMailbox()
    got: list[str | None] = []
    reader = threading.Thread(target=lambda: got.append(box.get(timeout=5)))
    reader.start()
    box.put("frame")
    reader.join(2)
    assert got == ["frame"]
    reader = threading.Thread(target=lambda: got.append(box.get(timeout=5)))
    reader.start()
    box.close()
    reader.join(2)
    assert not reader.is_alive()
    assert got == ["frame", None]


def test_stats_latency_rates_and_summary_line() -> None:
    now = [100.0]
    box: LatestFrameMailbox[int] = LatestFrameMailbox(clock=lambda: now[0])
    pipeline = LivePipeline(mailbox=box, clock=lambda: now[0])  # type: ignore[arg-type]
    for k in range(50):
        now[0] = 100.0 + k / FPS
        box.put(k)
        box.put(k)  # one drop per frame
        box.get(timeout=0)
        now[0] += 0.030
        pipeline.push(tracked(k, k / FPS), captured_s=now[0] - 0.030)
    stats = pipeline.stats()
    assert stats.n_processed == 50
    assert (stats.n_captured, stats.n_dropped) == (100, 50)
    assert stats.dropped_fraction == pytest.approx(0.5)
    assert stats.latency_p50_s == pytest.approx(0.030)
    assert stats.mean_processed_fps == pytest.approx(FPS)
    assert stats.input_fps == pytest.approx(2 * FPS, rel=0.05)
    line = stats.summary_line()
    assert "50 frames processed" in line
    assert "25.0 fps processed" in line
    assert "50 dropped" in line
    assert "median latency 30 ms" in line
    assert "\n" not in line


def test_rate_meter_forgets_old_events() -> None:
    now = [0.0]
    meter = RateMeter(window_s=2.0, clock=lambda: now[0])
    for k in range(11):
        now[0] = k * 0.1
        meter.tick()
    assert meter.rate_hz() == pytest.approx(10.0)
    now[0] = 10.0
    assert meter.rate_hz() == 0.0


def test_manual_updates_for_an_analysis_thread() -> None:
    """auto_update=False: push only buffers; update() does the due work, once per update_s."""
    pipeline = LivePipeline(auto_update=False, n_surrogate_shifts=0)
    run(pipeline, 3.0)
    assert pipeline.n_grid_samples == 0
    assert pipeline.update() is True
    assert pipeline.update() is False  # nothing due until update_s more source time
    assert pipeline.n_grid_samples == int((2.96 - 0.5) * 20) + 1
    limit_blas_threads(1)  # threadpoolctl; must not raise


def test_drained_grid_samples_cover_every_frame_after_the_final_update() -> None:
    pipeline = LivePipeline(auto_update=False)
    frames = run(pipeline, 12.0)
    made = []
    for _ in range(3):  # as the analysis thread does while frames come
        pipeline.update()
        made.append(pipeline.drain_samples())
    assert pipeline.update(final=True)  # the run ended: everything up to the last frame
    made.append(pipeline.drain_samples())
    samples = np.vstack(made)
    columns = pipeline.sample_columns
    assert columns[:2] == ("A_body", "B_body")
    assert samples.shape[1] == 1 + len(columns)
    t = samples[:, 0]
    assert np.allclose(np.diff(t), 1 / pipeline.grid_hz)
    assert t[0] == pytest.approx(frames[0].timestamp_s)
    assert t[-1] == pytest.approx(frames[-1].timestamp_s, abs=1 / pipeline.grid_hz)
    assert np.isfinite(samples[len(t) // 2, 1:3]).all()
    assert pipeline.drain_samples().shape == (0, 1 + len(columns))
