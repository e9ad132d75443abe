"""Instantaneous phase and (lagged, windowed) phase-locking value against references.

References: the analytic phase of pure sinusoids (tolerance 0.02 rad from 20 s inside the
series), a known constant phase offset, and brute-force loops for the windowed and lagged
PLV (tolerance 1e-12). Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt

from synchrony.engine import phase
from synchrony.errors import InputError

FS_HZ = 20.0
BAND = (0.1, 1.0)


def movement(n: int, rng: np.random.Generator) -> np.ndarray:
    sos = butter(4, BAND, btype="bandpass", fs=FS_HZ, output="sos")
    x = sosfiltfilt(sos, rng.standard_normal(n))
    return x / x.std()


@pytest.mark.parametrize("freq_hz", [0.15, 0.4, 0.77])
def test_phase_of_a_sinusoid_is_its_analytic_phase(freq_hz: float) -> None:
    t = np.arange(4000) / FS_HZ
    truth = 2 * np.pi * freq_hz * t + 0.3
    got = phase.instantaneous_phase(np.cos(truth), fs_hz=FS_HZ, band_hz=BAND)
    inner = slice(round(20 * FS_HZ), -round(20 * FS_HZ))
    err = np.abs(np.angle(np.exp(1j * (got - truth))))[inner]
    assert err.max() < 0.02


def test_constant_phase_offset_is_recovered_with_its_sign() -> None:
    t = np.arange(2400) / FS_HZ
    a = np.cos(2 * np.pi * 0.5 * t + 0.8)  # A's phase 0.8 rad ahead
    b = np.cos(2 * np.pi * 0.5 * t)
    za, va = phase.unit_phasors(a, fs_hz=FS_HZ, band_hz=BAND)
    zb, vb = phase.unit_phasors(b, fs_hz=FS_HZ, band_hz=BAND)
    session = phase.session_plv(za, va, zb, vb, max_lag=0)
    assert np.abs(session[0]) == pytest.approx(1.0, abs=5e-3)  # the edges' first second
    assert np.angle(session[0]) == pytest.approx(0.8, abs=0.01)


def _brute_force(za: np.ndarray, va: np.ndarray, zb: np.ndarray, vb: np.ndarray, *,
                 window: int, step: int, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Explicit loops: rMEA windows (A at s, B at s + lag for lag >= 0, else swapped)."""
    n = len(za)
    n_windows = math.ceil((n - window - max_lag + 1) / step)
    grid = np.full((n_windows, 2 * max_lag + 1), np.nan, dtype=complex)
    session = np.full(2 * max_lag + 1, np.nan, dtype=complex)
    for j, lag in enumerate(range(-max_lag, max_lag + 1)):
        pairs = [(t, t + lag) for t in range(n) if 0 <= t + lag < n]
        both = [za[i] * np.conj(zb[k]) for i, k in pairs if va[i] and vb[k]]
        session[j] = sum(both) / len(both)
        for w in range(n_windows):
            s = w * step
            ia, ib = (s, s + lag) if lag >= 0 else (s - lag, s)
            cell = [za[ia + t] * np.conj(zb[ib + t]) for t in range(window)
                    if va[ia + t] and vb[ib + t]]
            if len(cell) >= phase.MIN_COVERAGE * window:
                grid[w, j] = sum(cell) / len(cell)
    return grid, session


def test_windowed_and_session_plv_match_brute_force_loops() -> None:
    rng = np.random.default_rng(5)
    n = 157
    za, zb = np.exp(1j * rng.uniform(-np.pi, np.pi, (2, n)))
    va, vb = rng.random(n) > 0.2, rng.random(n) > 0.2
    va[40:75] = False  # a window with too few pairs
    za, zb = np.where(va, za, 0), np.where(vb, zb, 0)
    grid = phase.windowed_plv(za, va, zb, vb, window=20, step=7, max_lag=6)
    session = phase.session_plv(za, va, zb, vb, max_lag=6)
    ref_grid, ref_session = _brute_force(za, va, zb, vb, window=20, step=7, max_lag=6)
    np.testing.assert_array_equal(np.isnan(grid), np.isnan(ref_grid))
    assert np.isnan(grid).any()
    np.testing.assert_allclose(grid[np.isfinite(grid)], ref_grid[np.isfinite(ref_grid)],
                               atol=1e-12)
    np.testing.assert_allclose(session, ref_session, atol=1e-12)


def test_follower_gives_positive_lag_and_refinement_helps_fractional_lags() -> None:
    rng = np.random.default_rng(2)
    n, tau_s = 3600, 0.525  # 10.5 samples: between grid lags
    x = movement(n + 400, rng)
    freqs = np.fft.rfftfreq(len(x), 1 / FS_HZ)
    delayed = np.fft.irfft(np.fft.rfft(x) * np.exp(-2j * np.pi * freqs * tau_s), len(x))
    a, b = x[200:-200], delayed[200:-200] + 0.3 * movement(n, rng)  # B follows A
    locking = phase.phase_locking(a, b, fs_hz=FS_HZ, band_hz=BAND, window=100, step=20,
                                  max_lag=40)
    peak, lag = phase.peak_lags(locking.session_phasor[None, :], locking.grid.lags_s,
                                np.array([locking.session_frequency_hz]))
    assert lag[0] == pytest.approx(tau_s, abs=0.02)
    assert peak[0] > 0.8
    assert 0.2 < locking.session_frequency_hz < 0.8
    _, window_lags = phase.peak_lags(locking.grid.mean_phasor, locking.grid.lags_s,
                                     locking.window_frequency_hz)
    assert np.median(window_lags) == pytest.approx(tau_s, abs=0.05)


def test_anti_phase_locking_falls_back_to_the_parabola() -> None:
    lags = np.arange(-4, 5) / FS_HZ
    plv = np.array([0.1, 0.2, 0.4, 0.7, 0.9, 0.8, 0.5, 0.3, 0.1])
    anti = plv * np.exp(1j * 3.0)  # relative phase near pi: not a delay
    _, lag = phase.peak_lags(anti[None, :], lags, np.array([0.5]))
    offset = 0.5 * (0.7 - 0.8) / (0.7 - 1.8 + 0.8)
    assert lag[0] == pytest.approx(offset / FS_HZ)


def test_gaps_are_masked_with_a_margin_and_the_rest_is_unchanged() -> None:
    rng = np.random.default_rng(3)
    x = movement(2400, rng)
    gapped = x.copy()
    gapped[1200:1220] = np.nan  # 1 s gap
    full = phase.instantaneous_phase(x, fs_hz=FS_HZ, band_hz=BAND)
    got = phase.instantaneous_phase(gapped, fs_hz=FS_HZ, band_hz=BAND)
    assert np.isnan(got[1180:1240]).all()  # the gap and 1 s on each side
    assert np.isfinite(got[:1180]).all()
    assert np.isfinite(got[1240:]).all()
    far = np.r_[0:1100, 1340:2400]
    err = np.abs(np.angle(np.exp(1j * (got[far] - full[far]))))
    assert np.median(err) < 0.01
    assert np.isnan(phase.instantaneous_phase(np.full(500, np.nan), fs_hz=FS_HZ,
                                              band_hz=BAND)).all()


def test_statistics_agree_with_the_grid_and_cache_a() -> None:
    rng = np.random.default_rng(4)
    a, b = movement(1200, rng), movement(1200, rng)
    locking = phase.phase_locking(a, b, fs_hz=FS_HZ, band_hz=BAND, window=100, step=20,
                                  max_lag=40)
    session = phase.plv_statistic("session_peak_plv", fs_hz=FS_HZ, band_hz=BAND, window=100,
                                  step=20, max_lag=40)
    profile = phase.plv_statistic("profile_peak_plv", fs_hz=FS_HZ, band_hz=BAND, window=100,
                                  step=20, max_lag=40)
    assert session(a, b) == pytest.approx(np.nanmax(np.abs(locking.session_phasor)))
    assert profile(a, b) == pytest.approx(np.nanmax(phase.plv_profile(locking.grid.mean_phasor)))
    shifted = np.roll(b, 300)
    fresh = phase.plv_statistic("session_peak_plv", fs_hz=FS_HZ, band_hz=BAND, window=100,
                                step=20, max_lag=40)
    assert session(a, shifted) == fresh(a, shifted)  # the cached A is the same A
    other = movement(1200, rng)
    assert session(other, b) == pytest.approx(fresh(other, b))  # a new A is recomputed
    assert session(other, b) != session(a, b)
    with pytest.raises(ValueError, match="kind must be"):
        phase.plv_statistic("mean", fs_hz=FS_HZ, band_hz=BAND, window=100, step=20,
                            max_lag=40)


def test_filter_half_width_is_set_by_the_low_edge() -> None:
    assert phase.filter_half_width_s(BAND, FS_HZ) == pytest.approx(6.55, abs=0.1)
    assert phase.filter_half_width_s((0.2, 1.0), FS_HZ) < phase.filter_half_width_s(BAND, FS_HZ)


@pytest.mark.parametrize(("band", "match"), [
    ((0.1, 10.0), r"HIGH must be below the Nyquist frequency \(10 Hz"),
    ((0.0, 1.0), "0 < LOW < HIGH, got 0,1 Hz"),
    ((-0.1, 1.0), "0 < LOW < HIGH"),
    ((1.0, 0.5), "0 < LOW < HIGH, got 1,0.5 Hz"),
    ((9.9, 9.99), "too close to 0 or to the Nyquist"),
    (("a", 1.0), "two numbers"),
])
def test_bad_bands_are_input_errors(band: tuple[float, float], match: str) -> None:
    with pytest.raises(InputError, match=match):
        phase.check_band(band, FS_HZ)


def test_series_too_short_for_the_filter_is_an_input_error() -> None:
    with pytest.raises(InputError, match="band_hz LOW 0.1 Hz is too low for a series of 5 s"):
        phase.check_length(100, BAND, FS_HZ)
    with pytest.raises(InputError, match=r"needs at least 13.1 s"):
        phase.check_length(200, BAND, FS_HZ)
    with pytest.raises(InputError, match="LOW 1e-06 Hz is too low"):  # cheap check first
        phase.check_length(60_000, (1e-6, 1.0), FS_HZ)
    phase.check_length(262, BAND, FS_HZ)
