"""Known answers, missing data and bad input for synchrony.wcc.

A slow per-cell loop written from the R tools' definitions (see the module doc of
synchrony.wcc) checks the vectorised engine on random data with gaps.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from synchrony.engine.wcc import check_parameters, fisher_z, windowed_xcorr


def _pearson_pairwise(x: np.ndarray, y: np.ndarray) -> float:
    ok = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[ok], y[ok]
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def naive_wcc(a: np.ndarray, b: np.ndarray, win: int, inc: int, lag: int, method: str
              ) -> np.ndarray:
    """One cell at a time, straight from rMEA's MEAccf / wcc's wccCalc(method='r')."""
    n = len(a)
    rows = []
    if method == "rmea":
        for k in range(math.ceil((n - win - lag + 1) / inc)):
            s = k * inc
            xa, xb = a[s:s + win + lag], b[s:s + win + lag]
            if max(np.isnan(xa).sum(), np.isnan(xb).sum()) > len(xa) / 2:
                rows.append([math.nan] * (2 * lag + 1))
                continue
            row = []
            for ell in range(-lag, lag + 1):
                x = xa[max(0, -ell):max(0, -ell) + win]
                y = xb[max(0, ell):max(0, ell) + win]
                differ = np.sum((x != y) & ~np.isnan(x) & ~np.isnan(y))
                row.append(math.nan if differ < 2 else _pearson_pairwise(x, y))
            rows.append(row)
    else:
        for k in range((n - win - lag) // inc):
            end = win + lag - 1 + k * inc
            sel = np.arange(end, end - win, -1)
            row = []
            for ell in range(-lag, lag + 1):
                if ell >= 0:  # A earlier by ell: A leads
                    row.append(_pearson_pairwise(a[sel - ell], b[sel]))
                else:
                    row.append(_pearson_pairwise(a[sel], b[sel + ell]))
            rows.append(row)
    return np.array(rows)


@pytest.mark.parametrize("method", ["rmea", "boker"])
def test_matches_per_cell_loop_with_gaps_and_flat_stretches(method: str) -> None:
    rng = np.random.default_rng(7)
    n = 400
    a = np.cumsum(rng.normal(size=n)) + 100.0
    b = np.roll(a, 3) + rng.normal(size=n)
    a[50:58] = np.nan  # a short gap
    b[200:300] = np.nan  # a long gap: rMEA drops whole windows
    a[120:160] = 5.0  # a flat stretch: constant windows are NaN
    b[330:332] = a[330:332]  # equal values
    res = windowed_xcorr(a, b, fs_hz=10, window_s=3.0, step_s=0.7, max_lag_s=1.2,
                         method=method)
    ref = naive_wcc(a, b, win=30, inc=7, lag=12, method=method)
    assert res.r.shape == ref.shape
    np.testing.assert_array_equal(np.isnan(res.r), np.isnan(ref))
    np.testing.assert_allclose(res.r, ref, atol=1e-12, equal_nan=True)
    assert np.isnan(res.r).any()
    assert not np.isnan(res.r).all()


@pytest.mark.parametrize("method", ["rmea", "boker"])
@pytest.mark.parametrize("seed", range(4))
def test_matches_per_cell_loop_when_cells_are_ill_conditioned(method: str, seed: int) -> None:
    """Large offsets, quiet stretches next to huge spikes: the cross sums come from one FFT
    per block, whose rounding is relative to the block's energy, so cells holding a tiny
    share of it must still equal the two-pass loop (the issue's 1e-9)."""
    rng = np.random.default_rng(seed)
    n = 600
    a = np.cumsum(rng.normal(size=n)) * 1e3 + 1e4
    b = np.roll(a, 4) + rng.normal(size=n) * 10.0
    quiet = int(rng.integers(0, 500))
    a[quiet:quiet + 60] = a[quiet] + rng.normal(size=60) * 1e-2
    b[int(rng.integers(0, n))] += 1e5
    res = windowed_xcorr(a, b, fs_hz=10, window_s=3.0, step_s=0.7, max_lag_s=1.2,
                         method=method)
    ref = naive_wcc(a, b, win=30, inc=7, lag=12, method=method)
    np.testing.assert_array_equal(np.isnan(res.r), np.isnan(ref))
    np.testing.assert_allclose(res.r, ref, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize("method", ["rmea", "boker"])
def test_blocks_that_never_change_are_nan_like_the_loop(method: str) -> None:
    """Whole blocks at one value (a still person's motion at 0, a level not exact in binary)
    take a short cut; every other cell must still equal the loop."""
    rng = np.random.default_rng(11)
    n = 500
    a = np.cumsum(rng.normal(size=n)) * 1e-3  # small movement: a range well under 1
    b = np.roll(a, 2) + rng.normal(size=n) * 5e-4
    a[60:200] = 0.0
    b[250:400] = 0.1
    b[420:423] = b[419]  # short repeats inside a changing block
    res = windowed_xcorr(a, b, fs_hz=10, window_s=3.0, step_s=0.7, max_lag_s=1.2,
                         method=method)
    ref = naive_wcc(a, b, win=30, inc=7, lag=12, method=method)
    np.testing.assert_array_equal(np.isnan(res.r), np.isnan(ref))
    np.testing.assert_allclose(res.r, ref, atol=1e-12, equal_nan=True)
    assert np.isnan(res.r).all(axis=1).sum() >= 10  # whole windows inside the still stretches
    assert np.isfinite(res.r).mean() > 0.4


def test_identical_windows_are_nan_under_rmea_rule() -> None:
    """rMEA: a cell whose two segments differ in fewer than 2 samples is NA."""
    rng = np.random.default_rng(1)
    a = rng.normal(size=200)
    res = windowed_xcorr(a, a.copy(), fs_hz=10, window_s=5, step_s=5, max_lag_s=1)
    assert np.isnan(res.r[:, res.lag_samples == 0]).all()
    boker = windowed_xcorr(a, a.copy(), fs_hz=10, window_s=5, step_s=5, max_lag_s=1,
                           method="boker")
    np.testing.assert_allclose(boker.r[:, boker.lag_samples == 0], 1.0)


def _smooth_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.normal(size=n + 50)
    return np.convolve(x, np.hanning(9), mode="same")[25:25 + n]


@pytest.mark.parametrize("method", ["rmea", "boker"])
@pytest.mark.parametrize("delay_samples", [10, -7])
def test_known_delay_gives_peak_at_that_lag(method: str, delay_samples: int) -> None:
    """B = A delayed by d (B follows) -> peak at +d; B leading -> peak at a negative lag."""
    fs = 25.0
    rng = np.random.default_rng(3)
    a = _smooth_noise(rng, 2000)
    b = np.roll(a, delay_samples) + 0.2 * rng.normal(size=a.size)
    res = windowed_xcorr(a, b, fs_hz=fs, window_s=8, step_s=2, max_lag_s=1.0, method=method)
    peak_lags = res.lags_s[np.nanargmax(res.r, axis=1)]
    assert np.median(peak_lags) == pytest.approx(delay_samples / fs, abs=1e-9)
    assert np.all(np.sign(peak_lags[5:-5]) == np.sign(delay_samples))


def test_result_axes_and_units() -> None:
    a = np.sin(np.arange(300) / 5.0)
    res = windowed_xcorr(a, a[::-1].copy(), fs_hz=30, window_s=2, step_s=0.5, max_lag_s=0.5)
    np.testing.assert_allclose(res.lags_s, np.arange(-15, 16) / 30)
    np.testing.assert_allclose(res.window_start_s, np.arange(res.r.shape[0]) * 0.5)
    assert res.window_samples == 60
    assert res.r.shape == (math.ceil((300 - 60 - 15 + 1) / 15), 31)


def test_fisher_z_clips_like_rmea() -> None:
    z = fisher_z(np.array([0.0, 0.5, 1.0, -1.0, np.nan]))
    assert z[0] == 0.0
    assert z[1] == pytest.approx(math.atanh(0.5))
    assert z[2] == 10.0
    assert z[3] == -10.0
    assert np.isnan(z[4])
    assert fisher_z(0.999999999999, clip=3.0) == 3.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window_s": 0}, "window_s must be > 0, got 0"),
        ({"window_s": -1}, "window_s must be > 0, got -1"),
        ({"step_s": 0}, "step_s must be > 0"),
        ({"max_lag_s": -1}, "max_lag_s must be >= 0"),
        ({"max_lag_s": 5}, "max_lag_s must be shorter than window_s"),
        ({"max_lag_s": 6}, "max_lag_s must be shorter than window_s"),
        ({"fs_hz": 0}, "fs_hz must be > 0"),
        ({"fs_hz": float("nan")}, "fs_hz must be finite"),
        ({"window_s": 100}, "at least one window plus the maximum lag"),
        ({"method": "pearson"}, "method must be one of rmea, boker, got 'pearson'"),
        ({"windowing": "pearson"}, "windowing must be one of rmea, boker, got 'pearson'"),
        ({"windowing": "rmea", "method": "boker"}, "windowing and its alias method disagree"),
    ],
)
def test_bad_parameters_name_argument_expected_and_got(kwargs: dict, message: str) -> None:
    params = {"fs_hz": 10.0, "window_s": 5.0, "step_s": 1.0, "max_lag_s": 1.0} | kwargs
    x = np.arange(100.0)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        windowed_xcorr(x, x[::-1].copy(), **params)


def test_bad_series() -> None:
    x = np.arange(100.0)
    with pytest.raises(ValueError, match="same length, got 100 and 99"):
        windowed_xcorr(x, x[:99], fs_hz=10, window_s=5, step_s=1, max_lag_s=1)
    with pytest.raises(ValueError, match="b must be a 1-D numeric array"):
        windowed_xcorr(x, ["a"] * 100, fs_hz=10, window_s=5, step_s=1, max_lag_s=1)
    with pytest.raises(ValueError, match="1-D array, got shape"):
        windowed_xcorr(x.reshape(50, 2), x.reshape(50, 2), fs_hz=10, window_s=5, step_s=1,
                       max_lag_s=1)


def test_boker_allows_lag_equal_to_window_like_wcc_defaults() -> None:
    x = np.sin(np.arange(300) / 3.0)
    res = windowed_xcorr(x, np.roll(x, 2), fs_hz=25, window_s=2, step_s=0.04, max_lag_s=2,
                         method="boker")
    assert res.r.shape == (300 - 100, 101)


@pytest.mark.parametrize("windowing", ["rmea", "boker"])
def test_windowing_and_its_alias_method_give_identical_grids(windowing: str) -> None:
    rng = np.random.default_rng(5)
    a = _smooth_noise(rng, 400)
    b = np.roll(a, 4) + 0.3 * rng.normal(size=a.size)
    b[100:120] = np.nan
    kw = {"fs_hz": 20.0, "window_s": 3.0, "step_s": 0.5, "max_lag_s": 1.0}
    new = windowed_xcorr(a, b, windowing=windowing, **kw)  # type: ignore[arg-type]
    old = windowed_xcorr(a, b, method=windowing, **kw)  # type: ignore[arg-type]
    both = windowed_xcorr(a, b, windowing=windowing, method=windowing, **kw)  # type: ignore[arg-type]
    for res in (old, both):
        np.testing.assert_array_equal(res.r, new.r)
        np.testing.assert_array_equal(res.window_start_s, new.window_start_s)
    assert new.windowing == new.method == windowing
    other = windowed_xcorr(a, b, windowing="boker" if windowing == "rmea" else "rmea", **kw)
    assert other.r.shape != new.r.shape or not np.array_equal(other.r, new.r, equal_nan=True)


def test_default_windowing_is_rmea() -> None:
    x = np.sin(np.arange(200) / 4.0)
    assert windowed_xcorr(x, np.roll(x, 3), fs_hz=10, window_s=4, step_s=1,
                          max_lag_s=1).windowing == "rmea"


def test_check_parameters_takes_windowing_and_its_alias() -> None:
    kw = {"fs_hz": 10.0, "window_s": 2.0, "step_s": 1.0, "max_lag_s": 2.0}
    assert check_parameters(100, windowing="boker", **kw) == (20, 10, 20)
    assert check_parameters(100, method="boker", **kw) == (20, 10, 20)
    with pytest.raises(ValueError, match="max_lag_s must be shorter than window_s"):
        check_parameters(100, windowing="rmea", **kw)
    with pytest.raises(ValueError, match="windowing and its alias method disagree"):
        check_parameters(100, windowing="boker", method="rmea", **kw)
    with pytest.raises(ValueError, match="windowing must be one of rmea, boker"):
        check_parameters(100, windowing="pearson", **kw)
