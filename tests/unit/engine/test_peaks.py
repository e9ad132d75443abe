"""Known answers for ``synchrony.peaks`` on synthetic grids (25 Hz, lags -2 … +2 s).

Sign convention: lag > 0 means A leads, B follows.
"""

from __future__ import annotations

import numpy as np
import pytest

from synchrony.engine.loess import _fmm_spline_matrix, smoothing_matrix
from synchrony.engine.peaks import PeakAggregate, aggregate_peaks, pick_peaks
from synchrony.engine.wcc import WccResult

FS_HZ = 25.0
LAGS_S = np.arange(-50, 51) / FS_HZ
HALF_STEP_S = 0.5 / FS_HZ


def _grid(rows: np.ndarray | list[np.ndarray], lags_s: np.ndarray = LAGS_S) -> WccResult:
    r = np.atleast_2d(np.asarray(rows, dtype=float))
    return WccResult(
        window_start_s=np.arange(r.shape[0]) / FS_HZ,
        lags_s=lags_s,
        r=r,
        fs_hz=FS_HZ,
        window_s=2.0,
        step_s=1 / FS_HZ,
        method="boker",
    )


def _bump(centre_s: float, width_s: float = 0.2, height: float = 0.8) -> np.ndarray:
    return height * np.exp(-0.5 * ((LAGS_S - centre_s) / width_s) ** 2)


# ------------------------------------------------------------------------- known answers


@pytest.mark.parametrize("centre_s", [0.3, -0.5, 0.0, 1.2])
def test_bump_gives_its_lag_and_height(centre_s: float) -> None:
    peaks = pick_peaks(_grid(_bump(centre_s)))
    assert peaks.peak_lag_s[0] == pytest.approx(centre_s, abs=HALF_STEP_S + 1e-12)
    assert peaks.peak_lag_samples[0] == pytest.approx(peaks.peak_lag_s[0] * FS_HZ)
    assert peaks.peak_index_halfsteps[0] == pytest.approx(peaks.peak_lag_s[0] / HALF_STEP_S)
    assert 0.6 < peaks.peak_r[0] <= 0.8  # smoothed, so a little lower than the raw bump


def test_positive_lag_means_a_leads() -> None:
    peaks = pick_peaks(_grid([_bump(0.3), _bump(0.3)[::-1]]))
    assert peaks.peak_lag_s[0] > 0 > peaks.peak_lag_s[1]
    assert peaks.peak_lag_s[0] == pytest.approx(-peaks.peak_lag_s[1], abs=HALF_STEP_S + 1e-12)


def test_valley_with_kind_min() -> None:
    peaks = pick_peaks(_grid(-_bump(-0.3)), kind="min")
    assert peaks.peak_lag_s[0] == pytest.approx(-0.3, abs=HALF_STEP_S + 1e-12)
    assert peaks.peak_r[0] < -0.6


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(_bump(1.96, width_s=1.0), id="bump-at-edge"),
        pytest.param(0.3 * LAGS_S, id="increasing"),
        pytest.param(-0.3 * LAGS_S, id="decreasing"),
        pytest.param(np.full(LAGS_S.size, np.nan), id="all-nan"),
        pytest.param(np.where(LAGS_S == 1.0, np.nan, _bump(0.3)), id="one-nan-cell"),
    ],
)
def test_no_peak_gives_nan(row: np.ndarray) -> None:
    peaks = pick_peaks(_grid([row, _bump(0.3)]))
    assert np.isnan(peaks.peak_lag_s[0])
    assert np.isnan(peaks.peak_r[0])
    assert np.isnan(peaks.peak_lag_samples[0])
    assert np.isnan(peaks.peak_index_halfsteps[0])
    assert not peaks.found[0]
    assert peaks.found[1]


def test_search_stops_at_the_peak_nearest_zero_unless_lsize_is_wide() -> None:
    row = _bump(0.3, height=0.4) + _bump(-1.0, height=0.8)
    near = pick_peaks(_grid(row), lsize=8)
    far = pick_peaks(_grid(row), lsize=40)
    assert near.peak_lag_s[0] == pytest.approx(0.3, abs=HALF_STEP_S + 1e-12)
    assert far.peak_lag_s[0] == pytest.approx(-1.0, abs=HALF_STEP_S + 1e-12)


def test_edge_zone_is_lsize_half_steps_wide() -> None:
    # Peaks up to n_lags - lsize - 1 = 92 half-steps (1.84 s) away from lag 0 are kept.
    kept = pick_peaks(_grid(_bump(1.8, width_s=0.6)))
    lost = pick_peaks(_grid(_bump(1.8, width_s=0.6)), lsize=12)  # edge beyond 88 half-steps
    assert kept.peak_index_halfsteps[0] == pytest.approx(90, abs=1)
    assert np.isnan(lost.peak_index_halfsteps[0])


def test_constant_row_follows_wcc_tie_break() -> None:
    # wcc stops after lsize + 1 widenings and takes the first (its most negative) position of
    # the tied maximum: -9 half-steps in wcc's sign, +9 in ours.
    peaks = pick_peaks(_grid(np.zeros(LAGS_S.size)))
    assert peaks.peak_index_halfsteps[0] == 9
    assert peaks.peak_r[0] == 0.0


def test_rows_are_independent_and_vectorised() -> None:
    rows = [_bump(c) for c in np.linspace(-1, 1, 30)]
    together = pick_peaks(_grid(rows))
    one_by_one = [pick_peaks(_grid(row)).peak_index_halfsteps[0] for row in rows]
    np.testing.assert_array_equal(together.peak_index_halfsteps, one_by_one)
    np.testing.assert_array_equal(together.window_start_s, np.arange(30) / FS_HZ)


def test_shorter_lag_range() -> None:
    lags = np.arange(-10, 11) / FS_HZ
    row = 0.8 * np.exp(-0.5 * ((lags - 0.08) / 0.12) ** 2)
    peaks = pick_peaks(_grid(row, lags), lsize=3, span=0.5)
    assert peaks.peak_lag_s[0] == pytest.approx(0.08, abs=HALF_STEP_S + 1e-12)


# ------------------------------------------------------------------------------ smoother


@pytest.mark.parametrize("surface", ["interpolate", "direct"])
def test_smoother_reproduces_quadratics_at_half_steps(surface: str) -> None:
    n = 101
    x = np.arange(1.0, n + 1)
    x_half = np.linspace(1.0, n, 2 * n - 1)
    matrix = smoothing_matrix(n, 0.25, surface)
    assert matrix.shape == (2 * n - 1, n)
    for coef in ([1.0, 0, 0], [0.3, -0.02, 0], [0.1, 0.01, -3e-4]):
        quad = np.polynomial.polynomial.polyval
        np.testing.assert_allclose(matrix @ quad(x, coef), quad(x_half, coef), atol=1e-10)


def test_smoother_is_cached_and_read_only() -> None:
    matrix = smoothing_matrix(101, 0.25)
    assert smoothing_matrix(101, 0.25) is matrix
    with pytest.raises(ValueError):
        matrix[0, 0] = 1.0


def test_surfaces_differ_only_a_little() -> None:
    row = _bump(0.3)
    gap = (smoothing_matrix(101, 0.25, "interpolate") - smoothing_matrix(101, 0.25, "direct")) @ row
    assert 0 < np.abs(gap).max() < 0.02


def test_fmm_spline_reproduces_cubics() -> None:
    x = np.arange(1.0, 12.0)
    x_half = np.linspace(1.0, 11.0, 21)
    cubic = np.polynomial.polynomial.polyval
    coef = [0.2, -0.1, 0.03, -0.004]
    np.testing.assert_allclose(_fmm_spline_matrix(x, 21) @ cubic(x, coef), cubic(x_half, coef))


# ----------------------------------------------------------------------------- aggregate


def test_aggregate_of_a_drifting_peak() -> None:
    # The peak moves +1 half-step (0.02 s) per window (0.04 s): d(lag)/dt = 0.5 s/s. The
    # picked lags jitter by a half-step around that line, so d2 is only ~0 on average.
    centres = -0.5 + 0.02 * np.arange(50)
    result = _grid([_bump(c) for c in centres])
    agg = aggregate_peaks(result, embed=9)
    assert isinstance(agg, PeakAggregate)
    assert agg.n_windows == 50
    assert agg.missing_window_fraction == 0.0
    assert agg.dlag_mean == pytest.approx(0.5, rel=1e-6)
    assert agg.d2lag_mean == pytest.approx(0.0, abs=0.1)  # jitter scale: 0.02 / 0.04**2 s^-1
    assert agg.lag_mean_s == pytest.approx(centres[4:-4].mean(), abs=HALF_STEP_S)
    z_peak = np.arctanh(pick_peaks(result).peak_r)
    assert agg.max_mean_z == pytest.approx(z_peak.mean())
    assert agg.max_var_z == pytest.approx(z_peak.var(ddof=1))
    wcc = agg.as_wcc(samples_per_second=FS_HZ)
    assert wcc["lagMean"] == pytest.approx(-agg.lag_mean_s * FS_HZ)  # lag steps, wcc sign
    assert wcc["dlagMean"] == pytest.approx(-0.5 / FS_HZ / FS_HZ * FS_HZ, rel=1e-6)


def test_aggregate_fills_missing_r_with_zero_like_wcc() -> None:
    rows = np.array([_bump(0.3)] * 12)
    rows[3, :] = np.nan
    agg = aggregate_peaks(_grid(rows))
    assert agg.missing_window_fraction == pytest.approx(1 / 12)
    assert np.isfinite(agg.max_mean_z)  # the zero row still yields a (tie-break) peak
    assert agg.zero_lag_mean_z == pytest.approx(np.arctanh(_bump(0.3)[50]) * 11 / 12)


def test_aggregate_with_too_few_windows_has_nan_lag_statistics() -> None:
    agg = aggregate_peaks(_grid([_bump(0.3)] * 5), embed=9)
    assert np.isnan(agg.lag_mean_s)
    assert np.isnan(agg.dlag_var)
    assert np.isfinite(agg.max_mean_z)


# ---------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"lsize": 0}, "lsize"),
        ({"lsize": 51}, "lsize"),
        ({"lsize": 2.5}, "lsize"),
        ({"lsize": True}, "lsize"),
        ({"lsize": "8"}, "lsize"),
        ({"span": 0.0}, "span"),
        ({"span": -0.25}, "span"),
        ({"span": 1.5}, "span"),
        ({"span": 0.03}, "span"),  # floor(101 * 0.03) = 3 neighbours: too few for a quadratic
        ({"span": "0.25"}, "span"),
        ({"span": float("nan")}, "span"),
        ({"kind": "peak"}, "kind"),
        ({"kind": 1}, "kind"),
        ({"surface": "exact"}, "surface"),
    ],
)
def test_bad_arguments_name_argument_expected_and_got(kwargs: dict[str, object], name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must be .+, got .+") as info:
        pick_peaks(_grid(_bump(0.3)), **kwargs)  # type: ignore[arg-type]
    assert repr(next(iter(kwargs.values()))) in str(info.value)


def test_result_must_be_a_wcc_result() -> None:
    with pytest.raises(ValueError, match=r"^result must be a WccResult, got 'ndarray'"):
        pick_peaks(np.zeros((3, 101)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "lags_s",
    [
        pytest.param(np.arange(0, 101) / FS_HZ, id="not-symmetric"),
        pytest.param(np.arange(-50, 50) / FS_HZ, id="even-count"),
        pytest.param(np.arange(-50, 51)[::-1] / FS_HZ, id="descending"),
    ],
)
def test_lags_must_be_symmetric_ascending_and_odd(lags_s: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"^result\.lags_s must be"):
        pick_peaks(_grid(np.zeros(lags_s.size), lags_s))


def test_aggregate_validates_embed() -> None:
    with pytest.raises(ValueError, match=r"^embed must be an integer >= 3 \(windows\), got 2"):
        aggregate_peaks(_grid([_bump(0.3)] * 12), embed=2)
