"""Known answers for the statistics behind "above chance", "B follows A" and "rupture".

Each test pins a number that a plausible small defect would change (issue 10, item 8):
p = count / n instead of (1 + count) / (n + 1); a prediction interval without the
``sqrt(1 + 1/n)`` term or with n instead of n - 1 degrees of freedom; the chance level at
another quantile; the lag-profile peak from |z| or from the median.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import t as student_t

from synchrony.analysis.methods import AnalysisParameters, effective_surrogates
from synchrony.analysis.timeline import TimelineRules, chance_levels, lag_band, states_of
from synchrony.engine.lag_profile import (
    lag_profile,
    local_lag_profiles,
    profile_peak_lag_s,
    profile_peak_z,
    profile_peaks,
)
from synchrony.engine.surrogates import prediction_p, summarise_null
from synchrony.engine.wcc import WccResult


def test_permutation_p_counts_the_observed_value_itself() -> None:
    """5 of 99 null values at or above the observed one: p = (1 + 5) / (99 + 1)."""
    null = np.r_[np.arange(94) / 100.0, [2.0, 3.0, 4.0, 5.0, 1.5]]
    test = summarise_null("circular_shift", 1.5, null)
    assert test.n == 99
    assert test.p == pytest.approx(6 / 100)
    assert test.p_permutation == pytest.approx(6 / 100)
    assert test.reading == "permutation"


def test_prediction_p_known_answer() -> None:
    """t = (obs - mean) / (sd * sqrt(1 + 1/k)) on k - 1 df, one-sided."""
    k = 6.6
    t = (1.0 - 0.2) / (0.3 * math.sqrt(1 + 1 / k))
    expected = float(student_t.sf(t, df=k - 1))
    assert prediction_p(1.0, 0.2, 0.3, k) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.02516, abs=1e-5)  # t = 2.485 on 5.6 df
    assert prediction_p(0.2, 0.2, 0.3, k) == pytest.approx(0.5)
    assert math.isnan(prediction_p(1.0, 0.2, 0.0, k))
    test = summarise_null("circular_shift", 1.0, np.array([0.0, 0.2, 0.4]), n_effective=k)
    assert test.reading == "t_prediction"
    assert test.n_effective == k
    assert test.p == pytest.approx(prediction_p(1.0, 0.2, 0.2, k))
    assert test.p_permutation == pytest.approx(1 / 4)


def test_effective_surrogates_of_analyze_defaults() -> None:
    """(60 - 2 x 7) / 7 circular shifts and 60 / 7 segments in a 60 s session."""
    circular = AnalysisParameters()
    segments = AnalysisParameters(surrogate_method="segment_shuffle")
    assert effective_surrogates(circular, 60.0) == pytest.approx(46 / 7)
    assert effective_surrogates(segments, 60.0) == pytest.approx(60 / 7)
    assert effective_surrogates(circular, 600.0) == pytest.approx(586 / 7)
    assert effective_surrogates(circular, 10.0) == 2.0  # never fewer than 2


def grid(r: np.ndarray, lags_s: np.ndarray) -> WccResult:
    return WccResult(window_start_s=np.arange(len(r)) * 0.5, lags_s=lags_s, r=r, fs_hz=10.0,
                     window_s=5.0, step_s=0.5, method="rmea")


def test_lag_profile_peak_is_the_mean_fisher_z_at_the_best_lag() -> None:
    lags = np.array([-0.2, -0.1, 0.0, 0.1, 0.2])
    r = np.array([[0.0, 0.1, 0.2, 0.6, 0.1],
                  [0.0, 0.1, 0.2, 0.2, 0.1],
                  [-0.9, 0.1, 0.2, 0.4, np.nan]])
    z = np.arctanh(r)
    np.testing.assert_allclose(lag_profile(r)[:4], np.nanmean(z, axis=0)[:4])
    assert lag_profile(r)[4] == pytest.approx(np.arctanh(0.1))  # NaN cells left out
    assert profile_peak_z(r) == pytest.approx(np.mean(np.arctanh([0.6, 0.2, 0.4])))
    # signed: the large negative r at -0.2 s does not win (|z| would pick it)
    lag = profile_peak_lag_s(grid(r, lags))
    assert 0.05 < lag < 0.15


def test_local_profiles_centred_and_causal() -> None:
    r = np.tanh(np.array([[0.0], [1.0], [2.0], [3.0], [4.0]]))
    centred, n_c = local_lag_profiles(r, horizon_windows=3)
    causal, n_t = local_lag_profiles(r, horizon_windows=3, causal=True)
    np.testing.assert_allclose(centred[:, 0], [0.5, 1.0, 2.0, 3.0, 3.5])
    np.testing.assert_allclose(causal[:, 0], [0.0, 0.5, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(n_c, [2, 3, 3, 3, 2])
    np.testing.assert_array_equal(n_t, [1, 2, 3, 3, 3])
    peak, lag = profile_peaks(np.array([[0.0, 1.0, 0.0], [np.nan, np.nan, np.nan]]),
                              np.array([-1.0, 0.0, 1.0]))
    assert peak[0] == 1.0
    assert lag[0] == 0.0
    assert np.isnan(peak[1])
    assert np.isnan(lag[1])


def test_chance_level_is_the_96th_percentile_of_comparable_horizons() -> None:
    null = np.arange(1, 101, dtype=float)  # 1 ... 100
    counts = np.full(100, 30)
    level = chance_levels(np.array([30, 29, 10]), null, counts, TimelineRules().quantile)
    # 96th: the level that keeps 5 % of independent windows above chance (docs/validation.md)
    assert TimelineRules().quantile == 0.96
    assert level[0] == pytest.approx(96.04)  # np.quantile(1..100, 0.96)
    assert level[1] == level[0]  # 29 is within -20 % / +25 % of 30
    assert np.isnan(level[2])  # no surrogate horizon of about 10 windows


def test_states_follow_strength_chance_and_data() -> None:
    strength = np.array([0.5, 0.3, 0.5, np.nan, 0.5])
    chance = np.array([0.4, 0.4, np.nan, 0.4, 0.4])
    counts = np.array([30, 30, 30, 30, 14])
    has_data = np.array([True, True, True, True, True])
    states = states_of(strength, chance, counts, has_data, horizon_windows=30)
    assert list(states) == ["in_sync", "not_in_sync", "unknown", "unknown", "unknown"]
    has_data[0] = False  # the window itself has no data
    assert states_of(strength, chance, counts, has_data, 30)[0] == "unknown"


def test_hysteresis_keeps_sync_until_the_exit_level() -> None:
    strength = np.array([0.3, 0.5, 0.35, 0.25, 0.35, 0.5, 0.35])
    chance, exit_level = np.full(7, 0.4), np.full(7, 0.3)
    counts, has_data = np.full(7, 30), np.ones(7, dtype=bool)
    states = states_of(strength, chance, counts, has_data, 30, exit_level=exit_level)
    assert list(states) == ["not_in_sync", "in_sync", "in_sync", "not_in_sync",
                            "not_in_sync", "in_sync", "in_sync"]
    after_sync = states_of(strength[2:3], chance[:1], counts[:1], has_data[:1], 30,
                           exit_level=exit_level[:1], previous="in_sync")
    assert list(after_sync) == ["in_sync"]  # the live view goes on from its last row
    assert TimelineRules().exit_quantile is None  # measured, not kept (docs/validation.md)


def test_lag_band_is_centred_on_the_nearest_lag() -> None:
    lags = np.round(np.arange(-2.0, 2.01, 0.05), 2)
    band = lag_band(lags, 0.52, 0.5)
    assert lags[band].min() == pytest.approx(0.0)
    assert lags[band].max() == pytest.approx(1.0)
    assert lag_band(lags, math.nan, 0.5).all()
    assert lag_band(lags, 0.5, None).all()


# ----------------------------------------------------------------- found by mutation testing
class _NoRng:
    """A generator that must not be used (the enumeration of all orders needs no chance)."""

    def permutation(self, n: int) -> np.ndarray:
        raise AssertionError("drew a random order although all orders fit")


def test_segment_orders_enumerate_exactly_when_all_fit() -> None:
    """3 segments have 3! - 1 = 5 orders other than the original one."""
    from synchrony.engine.surrogates import _segment_orders

    every = _segment_orders(3, 5, _NoRng())  # type: ignore[arg-type]
    assert every == [[0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
    drawn = _segment_orders(3, 4, np.random.default_rng(0))
    assert len(drawn) == 4
    assert len({tuple(o) for o in drawn}) == 4
    assert [0, 1, 2] not in drawn


def test_mean_abs_peak_r_statistic_uses_the_windowing_asked_for() -> None:
    from synchrony.engine.surrogates import mean_abs_peak_r_statistic
    from synchrony.engine.wcc import mean_abs_peak_r, windowed_xcorr

    rng = np.random.default_rng(4)
    a = rng.standard_normal(300)
    b = np.roll(a, 3) + rng.standard_normal(300)
    expected = {w: mean_abs_peak_r(windowed_xcorr(a, b, fs_hz=10.0, window_s=4.0, step_s=2.0,
                                                  max_lag_s=1.0, windowing=w).r)
                for w in ("rmea", "boker")}
    assert expected["rmea"] != pytest.approx(expected["boker"], abs=1e-6)
    args = (10.0, 4.0, 2.0, 1.0)
    assert mean_abs_peak_r_statistic(*args)(a, b) == pytest.approx(expected["rmea"])
    assert mean_abs_peak_r_statistic(*args, windowing="boker")(a, b) == \
        pytest.approx(expected["boker"])
    assert mean_abs_peak_r_statistic(*args, "boker")(a, b) == pytest.approx(expected["boker"])


def test_parabolic_offset_known_vertices() -> None:
    """Vertex of the parabola through (-1, y0), (0, y1), (1, y2): 0.5 (y0 - y2) / curvature."""
    from synchrony.engine.lag_profile import parabolic_offset

    assert parabolic_offset(np.array([0.0, 1.0, 0.5]), 1) == pytest.approx(1 / 6)
    assert parabolic_offset(np.array([0.5, 1.0, 0.0]), 1) == pytest.approx(-1 / 6)
    assert parabolic_offset(np.array([0.0, 0.0, 1.0, 0.5, 0.0]), 2) == pytest.approx(1 / 6)
    assert parabolic_offset(np.array([0.0, 1.0, 0.99]), 1) == pytest.approx(0.495 / 1.01)
    # not a peak: the vertex (1.5 samples away) is clipped to half a sample
    assert parabolic_offset(np.array([0.0, 1.0, 1.5]), 1) == 0.5
    assert parabolic_offset(np.array([1.5, 1.0, 0.0]), 1) == -0.5
    assert parabolic_offset(np.array([1.0, 0.5, 0.0]), 0) == 0.0  # edges: no refinement
    assert parabolic_offset(np.array([0.0, 0.5, 1.0]), 2) == 0.0
    assert parabolic_offset(np.array([0.0, 1.0, 2.0]), 1) == 0.0  # no maximum: a straight line
    assert parabolic_offset(np.array([1.0, 0.0, 1.0]), 1) == 0.0  # a minimum
    assert parabolic_offset(np.array([np.nan, 1.0, 0.0]), 1) == 0.0


def test_local_profiles_leave_missing_cells_out_and_count_windows() -> None:
    z = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, np.nan], [4.0, 5.0], [5.0, np.nan],
                  [np.nan, np.nan]])
    r = np.tanh(z)
    alone, n_alone = local_lag_profiles(r, horizon_windows=1)
    np.testing.assert_allclose(alone, z)  # a horizon of one window: each window's own z
    np.testing.assert_array_equal(n_alone, [1, 1, 1, 1, 1, 0])
    assert n_alone.dtype.kind == "i"
    wide, n_wide = local_lag_profiles(r, horizon_windows=5)  # windows i - 2 .. i + 2
    np.testing.assert_allclose(wide[:, 0], [2.0, 2.5, 3.0, 3.5, 4.0, 4.5])
    np.testing.assert_allclose(wide[:, 1], [np.nan, 5.0, 5.0, 5.0, 5.0, 5.0])
    np.testing.assert_array_equal(n_wide, [3, 4, 5, 4, 3, 2])
    with pytest.raises(ValueError, match="horizon_windows must be >= 1, got 0"):
        local_lag_profiles(r, horizon_windows=0)


def test_chance_level_pools_horizons_within_minus_20_plus_25_percent() -> None:
    values = np.r_[np.arange(1, 101, dtype=float), np.full(50, 1000.0), [np.nan]]
    expected = np.quantile(np.arange(1, 101), 0.95)
    counts = np.r_[np.full(100, 24), np.full(50, 10), [24]]
    level = chance_levels(np.array([30, 24, 31]), values, counts, 0.95)
    assert level[0] == pytest.approx(expected)  # 24 = 0.8 x 30: pooled; 10 is not
    assert level[1] == pytest.approx(expected)  # NaN null values are left out
    assert np.isnan(level[2])  # 24 < 0.8 x 31 = 24.8
    counts = np.r_[np.full(100, 25), np.full(50, 10), [25]]
    level = chance_levels(np.array([20, 19]), values, counts, 0.95)
    assert level[0] == pytest.approx(expected)  # 25 = 1.25 x 20: pooled
    assert np.isnan(level[1])  # 25 > 1.25 x 19 = 23.75
    single = chance_levels(np.array([1, 0]), np.array([0.3, 0.5, 0.7]), np.array([1, 1, 0]),
                           0.5)
    assert single[0] == pytest.approx(0.4)
    assert np.isnan(single[1])  # an empty horizon has no chance level


def test_states_at_the_edges_of_the_rules() -> None:
    strength = np.array([0.4, 0.5, 0.5])
    chance = np.array([0.4, 0.4, 0.4])
    counts = np.array([30, 15, 14])
    states = states_of(strength, chance, counts, np.ones(3, dtype=bool), horizon_windows=30)
    # equal to the chance level is not above it; half a horizon is enough to know
    assert list(states) == ["not_in_sync", "in_sync", "unknown"]


def test_lag_band_is_a_boolean_mask() -> None:
    lags = np.array([-1.0, 0.0, 1.0])
    assert lag_band(lags, math.nan, 0.5).dtype == bool
    assert lag_band(lags, 0.0, 0.5).dtype == bool
    assert list(lag_band(lags, 0.1, 1.0)) == [True, True, True]


def test_prediction_p_clips_the_effective_surrogates_to_two() -> None:
    t = (1.0 - 0.2) / (0.3 * math.sqrt(1 + 1 / 2))
    assert prediction_p(1.0, 0.2, 0.3, 1.0) == pytest.approx(float(student_t.sf(t, df=1)))
    assert prediction_p(1.0, 0.2, 0.3, 2.5) == pytest.approx(
        float(student_t.sf((1.0 - 0.2) / (0.3 * math.sqrt(1 + 1 / 2.5)), df=1.5)))


def test_circular_shifts_rotate_b_later_by_each_offset_in_order_when_all_fit() -> None:
    from synchrony.engine.surrogates import _circular_shift_indices

    b = np.arange(10.0)
    shifted = [b[idx] for idx in _circular_shift_indices(10, 3, 5, _NoRng())]  # type: ignore[arg-type]
    assert len(shifted) == 5  # offsets 3 ... 7, all of them, no draw
    for offset, s in zip(range(3, 8), shifted, strict=True):
        np.testing.assert_array_equal(s, np.roll(b, offset))


def test_summarise_null_with_few_or_no_finite_values() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "mean of empty slice" or "ddof" warnings either
        empty = summarise_null("circular_shift", 1.0, np.array([np.nan, np.nan]))
        one = summarise_null("circular_shift", 1.0, np.array([0.5, np.nan]))
        two = summarise_null("circular_shift", 1.0, np.array([0.5, 1.5]))
    assert empty.n == 0
    assert math.isnan(empty.null_mean)
    assert math.isnan(empty.null_sd)
    assert math.isnan(empty.p)
    assert one.n == 1
    assert one.null_mean == 0.5
    assert math.isnan(one.null_sd)
    assert one.p == pytest.approx(1 / 2)  # (1 + 0) / (1 + 1)
    assert two.null_sd == pytest.approx(math.sqrt(0.5))
    assert two.p == pytest.approx(2 / 3)
    assert two.z == pytest.approx(0.0)


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.nansum(a * b))


def test_surrogate_test_defaults_200_surrogates_and_30_s_blocks() -> None:
    from synchrony.engine.surrogates import surrogate_test

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(600), rng.standard_normal(600)  # 60 s at 10 Hz
    assert surrogate_test(a, b, fs_hz=10.0, statistic=_dot, min_shift_s=1.0).n == 200
    assert surrogate_test(a, b, fs_hz=10.0, statistic=_dot).n == 1  # only the 30 s shift
    assert surrogate_test(a, b, fs_hz=10.0, statistic=_dot, method="segment_shuffle").n == 1


def test_profile_peak_z_statistic_is_the_lag_profile_peak() -> None:
    from synchrony.engine.surrogates import profile_peak_z_statistic
    from synchrony.engine.wcc import windowed_xcorr

    rng = np.random.default_rng(4)
    a = rng.standard_normal(300)
    b = np.roll(a, 3) + rng.standard_normal(300)
    rmea, boker = (profile_peak_z(windowed_xcorr(a, b, fs_hz=10.0, window_s=4.0, step_s=2.0,
                                                 max_lag_s=1.0, windowing=w).r)
                   for w in ("rmea", "boker"))
    assert rmea != pytest.approx(boker, abs=1e-6)
    assert profile_peak_z_statistic(10.0, 4.0, 2.0, 1.0)(a, b) == pytest.approx(rmea)
    assert profile_peak_z_statistic(10.0, 4.0, 2.0, 1.0, windowing="boker")(a, b) == \
        pytest.approx(boker)


def test_min_shift_is_window_plus_lag_at_most_a_quarter() -> None:
    from synchrony.analysis.methods import min_shift_s

    assert min_shift_s(AnalysisParameters(), 60.0) == pytest.approx(7.0)
    assert min_shift_s(AnalysisParameters(), 20.0) == pytest.approx(5.0)


def test_lag_profile_of_single_and_missing_cells() -> None:
    r = np.tanh(np.array([[0.5, np.nan, 0.2], [np.nan, np.nan, 0.4]]))
    np.testing.assert_allclose(lag_profile(r), [0.5, np.nan, 0.3])


def test_profile_peak_refinement_uses_both_neighbours() -> None:
    """Vertex offset 0.5 (0.5 - 0.8) / (0.5 - 2 + 0.8) = 3/14 of a lag step."""
    lags = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    peak, lag = profile_peaks(np.array([[0.0, 0.2, 0.5, 1.0, 0.8]]), lags)
    assert peak[0] == 1.0
    assert lag[0] == pytest.approx(0.5 + 0.5 * 3 / 14)


def test_rearrangements_defaults_and_block_limits() -> None:
    from synchrony.engine.surrogates import rearrangements

    assert len(list(rearrangements(600, fs_hz=10.0))) == 1  # circular, 30 s shifts of 60 s
    assert len(list(rearrangements(6000, fs_hz=10.0))) == 200
    assert len(list(rearrangements(600, fs_hz=10.0, method="segment_shuffle"))) == 1
    # a one-sample segment is allowed; 1.5 segments are not 2
    assert len(list(rearrangements(3, fs_hz=10.0, method="segment_shuffle", segment_s=0.1))) == 5
    with pytest.raises(ValueError, match="at least 2 segments"):
        list(rearrangements(15, fs_hz=10.0, method="segment_shuffle", segment_s=1.0))


def test_wcc_statistic_defaults_to_rmea_windows() -> None:
    from synchrony.engine.surrogates import wcc_statistic
    from synchrony.engine.wcc import mean_abs_peak_r, windowed_xcorr

    rng = np.random.default_rng(4)
    a = rng.standard_normal(300)
    b = np.roll(a, 3) + rng.standard_normal(300)
    rmea = mean_abs_peak_r(windowed_xcorr(a, b, fs_hz=10.0, window_s=4.0, step_s=2.0,
                                          max_lag_s=1.0, windowing="rmea").r)
    assert wcc_statistic(mean_abs_peak_r, 10.0, 4.0, 2.0, 1.0)(a, b) == pytest.approx(rmea)


def test_profile_peaks_at_the_edges_and_with_one_lag() -> None:
    lags = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    _, first = profile_peaks(np.array([[1.0, 0.8, 0.0, 0.0, 0.0]]), lags)
    assert first[0] == -1.0  # at the first lag: no refinement
    _, mid = profile_peaks(np.array([[0.0, 0.5, 1.0, 0.8, 0.0]]), lags)
    assert mid[0] == pytest.approx(0.5 * 0.5 * (0.5 - 0.8) / (0.5 - 2.0 + 0.8))
    peak, only = profile_peaks(np.array([[0.3]]), np.array([0.2]))
    assert (peak[0], only[0]) == (0.3, 0.2)
    _, flat = profile_peaks(np.array([[0.0, 1.0, 1.0, 0.0, 0.0]]), lags)
    assert flat[0] == pytest.approx(-0.5 + 0.5 * 0.5 * (0.0 - 1.0) / (0.0 - 2.0 + 1.0))
