"""Unit tests of synchrony.surrogates: SUSY known answers and surrogate significance tests.

Sign convention under test: at lag > 0, A leads and B follows (B[t] resembles A[t - lag]).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import synchrony.engine.wcc
from synchrony.engine.surrogates import SurrogateTest, mean_abs_peak_r_statistic, surrogate_test
from tests.fixtures.series import FS_HZ, Pair, ar1, lagged_pair


def peak_r_statistic(
    window_samples: int, step_samples: int, max_lag_samples: int
) -> Callable[[np.ndarray, np.ndarray], float]:
    """Cheap vectorised WCC statistic for the many-seed loops: mean over windows of max |r|.

    Window k: A over ``[s_k, s_k + w)``, B over ``[s_k + lag, s_k + lag + w)`` for every lag,
    with ``s_k = L + k * step`` so that all lags fit. No NaN handling (inputs have none).
    """
    lags = np.arange(-max_lag_samples, max_lag_samples + 1)
    w = window_samples

    def statistic(a: np.ndarray, b: np.ndarray) -> float:
        starts = np.arange(max_lag_samples, a.size - w - max_lag_samples + 1, step_samples)
        wa = sliding_window_view(a, w)[starts]
        wa = wa - wa.mean(axis=1, keepdims=True)
        wa /= np.sqrt((wa * wa).sum(axis=1, keepdims=True))
        sb = starts[:, None] + lags[None, :]
        cb = np.concatenate([[0.0], np.cumsum(b)])
        cb2 = np.concatenate([[0.0], np.cumsum(b * b)])
        s1, s2 = cb[sb + w] - cb[sb], cb2[sb + w] - cb2[sb]
        cross = np.einsum("kt,klt->kl", wa, sliding_window_view(b, w)[sb])
        return float(np.abs(cross / np.sqrt(s2 - s1 * s1 / w)).max(axis=1).mean())

    return statistic


def naive_rmea_mean_abs_peak_r(
    a: np.ndarray, b: np.ndarray, window: int, step: int, max_lag: int
) -> float:
    """Loop reference of rMEA's windows (lag >= 0: B shifted later; lag < 0: A shifted)."""
    n_windows = math.ceil((a.size - window - max_lag + 1) / step)
    peaks = []
    for k in range(n_windows):
        s = k * step
        rs = []
        for lag in range(-max_lag, max_lag + 1):
            sa, sb = s + max(0, -lag), s + max(0, lag)
            rs.append(abs(np.corrcoef(a[sa : sa + window], b[sb : sb + window])[0, 1]))
        peaks.append(max(rs))
    return float(np.mean(peaks))




class Recorder:
    """A statistic that records every B it is given and returns a chosen function of it."""

    def __init__(self, value: Callable[[np.ndarray], float] = lambda b: 0.0) -> None:
        self.bs: list[np.ndarray] = []
        self.value = value

    def __call__(self, a: np.ndarray, b: np.ndarray) -> float:
        self.bs.append(b.copy())
        return self.value(b)
















# --------------------------------------------------------------------------------------
# surrogate_test: the surrogates themselves
# --------------------------------------------------------------------------------------
def test_circular_shift_surrogates_are_distinct_rotations() -> None:
    n = 300
    rec = Recorder()
    res = surrogate_test(
        np.zeros(n),
        np.arange(n, dtype=float),
        fs_hz=FS_HZ,
        statistic=rec,
        n_surrogates=50,
        min_shift_s=3.0,
        seed=0,
    )
    assert res.n == 50
    assert res.null.shape == (50,)
    np.testing.assert_array_equal(rec.bs[0], np.arange(n))  # first call: the original
    offsets = [int((n - b[0]) % n) for b in rec.bs[1:]]
    for b, offset in zip(rec.bs[1:], offsets, strict=True):
        np.testing.assert_array_equal(b, np.roll(np.arange(n), offset))
    assert min(offsets) >= 30
    assert max(offsets) <= n - 30
    assert len(set(offsets)) == 50


def test_circular_shift_uses_every_offset_when_few_exist() -> None:
    rec = Recorder()
    res = surrogate_test(
        np.zeros(100),
        np.arange(100.0),
        fs_hz=FS_HZ,
        statistic=rec,
        n_surrogates=200,
        min_shift_s=4.5,
        seed=0,
    )
    assert res.n == 11  # offsets 45 ... 55
    assert sorted(int((100 - b[0]) % 100) for b in rec.bs[1:]) == list(range(45, 56))


def test_segment_shuffle_reorders_whole_segments() -> None:
    n, seg = 650, 100  # 6 segments + a 50-sample tail
    rec = Recorder()
    res = surrogate_test(
        np.zeros(n),
        np.arange(n, dtype=float),
        fs_hz=FS_HZ,
        statistic=rec,
        method="segment_shuffle",
        n_surrogates=100,
        segment_s=10.0,
        seed=1,
    )
    assert res.n == 100
    orders = set()
    for b in rec.bs[1:]:
        np.testing.assert_array_equal(b[600:], np.arange(600, 650))  # tail in place
        blocks = b[:600].reshape(6, seg)
        order = tuple(int(v) for v in blocks[:, 0] // seg)
        np.testing.assert_array_equal(blocks, np.array(order)[:, None] * seg + np.arange(seg))
        assert order != tuple(range(6))
        orders.add(order)
    assert len(orders) == 100


def test_segment_shuffle_enumerates_all_orders_when_few_exist() -> None:
    rec = Recorder()
    res = surrogate_test(
        np.zeros(30),
        np.arange(30.0),
        fs_hz=FS_HZ,
        statistic=rec,
        method="segment_shuffle",
        n_surrogates=200,
        segment_s=1.0,
        seed=0,
    )
    assert res.n == 5  # 3! - 1 orders of 3 segments
    orders = {tuple(int(v) for v in b[::10] // 10) for b in rec.bs[1:]}
    assert len(orders) == 5
    assert (0, 1, 2) not in orders


@pytest.mark.parametrize("method", ["circular_shift", "segment_shuffle"])
def test_nans_travel_with_their_samples(method: str) -> None:
    b = np.arange(200.0)
    b[[3, 77, 150]] = np.nan
    rec = Recorder()
    surrogate_test(
        np.zeros(200),
        b,
        fs_hz=FS_HZ,
        statistic=rec,
        method=method,
        n_surrogates=20,
        min_shift_s=2.0,
        segment_s=2.0,
        seed=0,
    )
    for surrogate in rec.bs[1:]:
        assert np.count_nonzero(np.isnan(surrogate)) == 3
        values = set(surrogate[~np.isnan(surrogate)].astype(int))
        assert values == set(range(200)) - {3, 77, 150}


def test_p_and_z_follow_their_definitions() -> None:
    rng = np.random.default_rng(4)
    a, b = ar1(400, rng), ar1(400, rng)
    res = surrogate_test(
        a,
        b,
        fs_hz=FS_HZ,
        statistic=peak_r_statistic(50, 25, 10),
        n_surrogates=99,
        min_shift_s=6.0,
        seed=2,
    )
    assert isinstance(res, SurrogateTest)
    assert res.method == "circular_shift"
    assert res.p == (1 + np.count_nonzero(res.null >= res.observed)) / (res.n + 1)
    assert res.null_mean == pytest.approx(res.null.mean())
    assert res.null_sd == pytest.approx(res.null.std(ddof=1))
    assert res.z == pytest.approx((res.observed - res.null_mean) / res.null_sd)


def test_nan_statistics_are_left_out_of_the_null() -> None:
    b = np.arange(300.0)
    res = surrogate_test(
        np.zeros(300),
        b,
        fs_hz=FS_HZ,
        n_surrogates=60,
        min_shift_s=3.0,
        seed=3,
        statistic=Recorder(lambda s: math.nan if s[0] % 2 else float(s[0])),
    )
    finite = res.null[np.isfinite(res.null)]
    assert res.null.size == 60
    assert 0 < res.n == finite.size < 60
    assert res.observed == 0.0
    assert res.p == (1 + finite.size) / (finite.size + 1) == 1.0


def test_nan_observed_gives_nan_p_and_z() -> None:
    res = surrogate_test(
        np.zeros(100),
        np.arange(100.0),
        fs_hz=FS_HZ,
        n_surrogates=5,
        min_shift_s=1.0,
        statistic=Recorder(lambda s: math.nan if s[0] == 0 else 1.0),
        seed=0,
    )
    assert math.isnan(res.p)
    assert math.isnan(res.z)
    assert res.n == 5


def test_seed_makes_results_reproducible() -> None:
    rng = np.random.default_rng(5)
    a, b = ar1(600, rng), ar1(600, rng)
    kwargs = {
        "fs_hz": FS_HZ,
        "statistic": peak_r_statistic(50, 25, 10),
        "method": "segment_shuffle",
        "n_surrogates": 30,
        "segment_s": 10.0,
    }
    first = surrogate_test(a, b, seed=11, **kwargs)
    np.testing.assert_array_equal(first.null, surrogate_test(a, b, seed=11, **kwargs).null)
    assert not np.array_equal(first.null, surrogate_test(a, b, seed=12, **kwargs).null)


@pytest.mark.parametrize(
    ("b_len", "kwargs", "message"),
    [
        (299, {}, "a and b must have the same length, got 300 and 299"),
        (300, {"n_surrogates": 0}, "n_surrogates must be an integer >= 1, got 0"),
        (300, {"n_surrogates": 2.5}, "n_surrogates must be an integer >= 1, got 2.5"),
        (300, {"method": "phase"}, "method must be one of circular_shift, segment_shuffle"),
        (300, {"min_shift_s": 16.0}, "min_shift_s must be at most half the series"),
        (300, {"min_shift_s": 0.0}, "min_shift_s must span at least 1 sample"),
        (300, {"method": "segment_shuffle", "segment_s": 20.0}, "at least 2 segments"),
        (300, {"fs_hz": -10.0}, "fs_hz must be > 0, got -10"),
        (300, {"statistic": 3.0}, "statistic must be a callable"),
    ],
)
def test_surrogate_test_rejects_bad_input(
    b_len: int, kwargs: dict[str, object], message: str
) -> None:
    params: dict[str, object] = {
        "fs_hz": FS_HZ,
        "statistic": Recorder(),
        "min_shift_s": 5.0,
        "segment_s": 5.0,
    } | kwargs
    with pytest.raises(ValueError, match=message):
        surrogate_test(np.zeros(300), np.zeros(b_len), **params)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# default statistic
# --------------------------------------------------------------------------------------
def test_mean_abs_peak_r_statistic_matches_loop_reference() -> None:
    a, b = lagged_pair(900, 4, noise=1.0, seed=8)
    stat = mean_abs_peak_r_statistic(FS_HZ, window_s=10.0, step_s=5.0, max_lag_s=2.0)
    expected = naive_rmea_mean_abs_peak_r(a, b, window=100, step=50, max_lag=20)
    assert stat(a, b) == pytest.approx(expected, abs=1e-10)


class FakeWcc:
    def __init__(self, r: list[list[float]]) -> None:
        self.r = np.array(r)


def test_mean_abs_peak_r_statistic_ignores_undefined_windows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    grid = [[np.nan, np.nan], [0.2, -0.5], [np.nan, 0.1]]
    monkeypatch.setattr(synchrony.engine.wcc, "windowed_xcorr", lambda *a, **k: FakeWcc(grid))
    stat = mean_abs_peak_r_statistic(FS_HZ, window_s=1.0, step_s=1.0, max_lag_s=0.1)
    assert stat(np.zeros(3), np.zeros(3)) == pytest.approx(0.3)
    monkeypatch.setattr(synchrony.engine.wcc, "windowed_xcorr", lambda *a, **k: FakeWcc([[np.nan]]))
    assert math.isnan(stat(np.zeros(3), np.zeros(3)))


# --------------------------------------------------------------------------------------
# calibration: false-positive rate and power
# --------------------------------------------------------------------------------------
# 2 min at 10 Hz; WCC windows 5 s, step 2.5 s, lags +-1 s; rotations >= 20 s; 20-s segments.
N_SAMPLES = 1200
SETTINGS = {"circular_shift": {"min_shift_s": 20.0}, "segment_shuffle": {"segment_s": 20.0}}


def fraction_significant(method: str, seeds: range, pair: Callable[[int], Pair]) -> float:
    stat = peak_r_statistic(50, 25, 10)
    hits = 0
    for seed in seeds:
        a, b = pair(seed)
        res = surrogate_test(
            a,
            b,
            fs_hz=FS_HZ,
            statistic=stat,
            method=method,  # type: ignore[arg-type]
            n_surrogates=99,
            seed=10_000 + seed,
            **SETTINGS[method],
        )
        hits += res.p < 0.05
    return hits / len(seeds)


def independent_pair(seed: int) -> Pair:
    rng = np.random.default_rng(seed)
    return ar1(N_SAMPLES, rng), ar1(N_SAMPLES, rng)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["circular_shift", "segment_shuffle"])
def test_false_positive_rate_is_nominal(method: str) -> None:
    """Independent AR(1) pairs (phi = 0.9): P(p < 0.05) stays near nominal.

    With 99 surrogates, p < 0.05 means at most 3 of 99 null values reach the observed one,
    so the exact nominal rate is 4/100 = 0.04. Over 200 seeds the count of hits is then
    Binomial(200, 0.04): mean 8, SD 2.8. We accept 0.01 <= rate <= 0.10 (2 ... 20 hits),
    which holds with probability > 0.997 at the nominal rate and fails for a test that is
    off by a factor 2.5 or more. (Measured on 2,000 seeds: 0.0475 circular, 0.045 segments.)
    """
    rate = fraction_significant(method, range(200), independent_pair)
    assert 0.01 <= rate <= 0.10, f"{method}: false-positive rate {rate:.3f}"


@pytest.mark.slow
@pytest.mark.parametrize("method", ["circular_shift", "segment_shuffle"])
def test_power_on_coupled_pairs(method: str) -> None:
    """B = A delayed by 0.5 s + equal-variance noise (r ~ 0.7): p < 0.05 in >= 90 % of seeds."""
    rate = fraction_significant(
        method, range(100), lambda seed: lagged_pair(N_SAMPLES, 5, noise=1.0, seed=seed)
    )
    assert rate >= 0.90, f"{method}: power {rate:.2f}"
