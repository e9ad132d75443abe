"""Signal definitions, resampling, gaps and the no-movement marking (no MediaPipe)."""

from __future__ import annotations

import numpy as np
import pytest

from synchrony.engine.wcc import windowed_xcorr
from synchrony.signals.extract import (
    extract_signals,
    lowpass,
    mark_no_movement,
    resample,
    uniform_grid,
)
from synchrony.signals.registry import signal_names
from tests.fixtures.tracked import dyad_frames


def test_uniform_grid_spacing() -> None:
    t = np.array([0.0, 0.04, 0.1, 1.0])
    np.testing.assert_allclose(uniform_grid(t, 10.0), np.arange(11) / 10)


def test_resample_bridges_short_gaps_only() -> None:
    t = np.array([0.0, 0.1, 0.2, 0.3, 1.5, 1.6])  # a 1.2 s hole between 0.3 and 1.5
    x = np.array([0.0, 1.0, 2.0, 3.0, 15.0, 16.0])
    grid = np.arange(0, 1.7, 0.1)
    y = resample(t, x, grid, max_gap_s=0.5)
    np.testing.assert_allclose(y[:4], [0, 1, 2, 3])
    assert np.isnan(y[5:15]).all()
    np.testing.assert_allclose(y[15:17], [15, 16])


def test_resample_interpolates_by_timestamp_not_index() -> None:
    t = np.array([0.0, 0.05, 0.3])  # irregular frames
    y = resample(t, 10 * t, np.array([0.0, 0.1, 0.2]), max_gap_s=0.5)
    np.testing.assert_allclose(y, [0.0, 1.0, 2.0])


def test_resample_of_many_columns_equals_each_column_alone() -> None:
    """Columns are resampled in groups that share their gaps: no group may borrow another's."""
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0.0, 10.0, 300))
    x = rng.normal(size=(300, 3, 4))
    x[40:90, 0] = np.nan  # person-like gaps: some columns share them, some do not
    x[200:260, :, 1] = np.nan
    x[:, 2, 3] = np.nan
    x[rng.random(300) < 0.1, 1, 2] = np.nan
    grid = np.arange(0.0, 10.0, 0.05)
    together = resample(t, x, grid, max_gap_s=0.3)
    for i in range(3):
        for k in range(4):
            np.testing.assert_array_equal(together[:, i, k],
                                          resample(t, x[:, i, k], grid, max_gap_s=0.3))
    assert np.isnan(together[:, 2, 3]).all()


def test_lowpass_keeps_slow_movement_and_removes_jitter() -> None:
    fs = 20.0
    t = np.arange(400) / fs
    slow = np.sin(2 * np.pi * 0.3 * t)
    jitter = 0.3 * np.sin(2 * np.pi * 8.0 * t)
    out = lowpass(slow + jitter, fs, 3.0)
    assert np.max(np.abs(out[20:-20] - slow[20:-20])) < 0.05
    causal = lowpass(slow + jitter, fs, 3.0, causal=True)
    assert np.std(causal[40:] - slow[40:]) < 0.15


def test_lowpass_respects_nan_gaps() -> None:
    x = np.sin(np.arange(100) / 5.0)
    x[40:50] = np.nan
    out = lowpass(x, 20.0, 3.0)
    assert np.isnan(out[40:50]).all()
    assert np.isfinite(out[:40]).all()
    assert np.isfinite(out[50:]).all()


@pytest.mark.parametrize("signal", ["body", "head"])
@pytest.mark.parametrize("lag_s", [0.4, -0.3])
def test_known_lag_recovered_from_synthetic_people(signal: str, lag_s: float) -> None:
    frames = dyad_frames(duration_s=40, lag_s=lag_s, jitter_s=0.01)
    signals = extract_signals(frames, grid_hz=20.0)
    a, b = signals.pair(signal)
    res = windowed_xcorr(a, b, fs_hz=20.0, window_s=8, step_s=2, max_lag_s=1.5)
    peak = res.lags_s[np.nanargmax(np.nanmean(res.r, axis=0))]
    assert peak == pytest.approx(lag_s, abs=0.06)


def test_signal_units_and_names() -> None:
    signals = extract_signals(dyad_frames(duration_s=10), grid_hz=20.0)
    assert set(signals.values) == {f"{p}_{s}" for p in "AB" for s in signal_names()}
    body = signals.values["A_body"]
    # shoulder width is 0.16 of 640 px; sway of 0.03 * 640 px with |driver| ~ 1 at < 1 Hz
    assert 0.05 < np.nanmedian(body) < 2.0
    assert signals.detected_fraction["A"] == {"pose": 1.0, "face": 1.0}


def test_absent_person_is_nan_never_zero() -> None:
    frames = dyad_frames(duration_s=20, missing_b=(8.0, 12.0))
    signals = extract_signals(frames, grid_hz=20.0)
    t = signals.time_s
    for name in signal_names():
        b = signals.values[f"B_{name}"]
        gone = (t > 8.3) & (t < 11.7)
        assert np.isnan(b[gone]).all(), name
        assert np.isfinite(signals.values[f"A_{name}"][gone]).all(), name
    assert signals.detected_fraction["B"]["pose"] == pytest.approx(0.8, abs=0.01)


def test_mark_no_movement() -> None:
    x = np.array([1.0] * 10 + [0.01] * 30 + [1.0] * 5 + [0.01] * 5 + [1.0] * 10)
    out = mark_no_movement(x, floor=0.1, grid_hz=20.0, min_still_s=1.0)
    assert np.isnan(out[10:40]).all()  # 1.5 s still -> no movement
    assert np.isfinite(out[45:50]).all()  # 0.25 s dip stays
    assert np.isfinite(out[:10]).all()


def test_extract_signals_applies_noise_floor() -> None:
    frames = dyad_frames(duration_s=20)
    plain = extract_signals(frames, grid_hz=20.0)
    floored = extract_signals(frames, grid_hz=20.0, noise_floor={"B": {"body": 1e9}})
    assert np.isnan(floored.values["B_body"]).all()
    np.testing.assert_array_equal(floored.values["A_body"], plain.values["A_body"])


def test_bad_frames() -> None:
    with pytest.raises(ValueError, match="at least 2 tracked frames"):
        extract_signals(dyad_frames(duration_s=0.04), grid_hz=20.0)


def test_lowpass_filters_non_contiguous_input_and_groups_columns() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 7, 2))
    x[50:60, 3] = np.nan
    view = x[:, np.array([True, True, False, True, False, True, True])]
    filtered = lowpass(view, 20.0, 3.0)
    assert np.nanstd(filtered) < 0.8 * np.nanstd(view)  # really filtered
    for col in range(view.shape[1]):  # same as filtering each column alone
        for k in range(2):
            np.testing.assert_allclose(filtered[:, col, k],
                                       lowpass(view[:, col, k].copy(), 20.0, 3.0), atol=1e-12)
    causal = lowpass(view, 20.0, 3.0, causal=True)
    np.testing.assert_allclose(causal[:, 0, 0], lowpass(view[:, 0, 0].copy(), 20.0, 3.0,
                                                        causal=True), atol=1e-12)


def test_no_movement_fraction_is_reported() -> None:
    frames = dyad_frames(duration_s=20)
    floored = extract_signals(frames, grid_hz=20.0, noise_floor={"B": {"body": 1e9}})
    assert floored.no_movement_fraction["B_body"] > 0.9
    assert "A_body" not in floored.no_movement_fraction
