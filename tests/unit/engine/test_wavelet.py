"""Wavelet transform, coherence and lag engine (synchrony.engine.wavelet*).

Reference: pycwt 0.5.0b0 (``cwt``, ``wct``), on the same scales. pycwt zero-pads to the next
power of 2; ours is circular (no padding). With pycwt's padding our code reproduces both to
1e-10; the circular transform differs from it only near the ends, so the product coherence
is compared at least four e-folding times (4 sqrt(2) s) from either end: |dR^2| <= 0.01
(measured <= 0.003 over 6 seeds; at 3 e-folding times up to 0.04, and up to 0.44 at the
COI's edge: there the padding convention itself decides R^2).
Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import numpy as np
import pycwt  # test dependency (pycwt 0.5.0b0)
import pytest
from scipy.signal import butter, convolve2d, sosfiltfilt

from synchrony.engine import wavelet as wv
from synchrony.engine import wavelet_coherence as wc
from synchrony.engine.wavelet_session import WaveletStatistic, analyse_session, rotation_shift
from synchrony.errors import InputError

FS_HZ = 20.0
DT_S = 1.0 / FS_HZ
BAND_HZ = (0.1, 1.0)
SCALES_S = wv.band_scales_s(BAND_HZ)


def movement(n: int, rng: np.random.Generator) -> np.ndarray:
    """Band-limited (0.1-1 Hz) movement, unit SD."""
    sos = butter(4, [0.1, 1.0], btype="bandpass", fs=FS_HZ, output="sos")
    x = sosfiltfilt(sos, rng.standard_normal(n))
    return x / x.std()


def coupled(n: int, delay_samples: int, c: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """b(t) = c a(t - delay) + sqrt(1 - c^2) noise (A leads for delay > 0)."""
    rng = np.random.default_rng(seed)
    d = abs(delay_samples)
    x = movement(n + d + 200, rng)[100:-100]
    lead, follow = x[d:d + n], x[:n]
    a, b = (lead, follow) if delay_samples >= 0 else (follow, lead)
    return a, c * b + np.sqrt(1 - c * c) * movement(n, rng)


def z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / x.std()


def test_band_scales_cover_the_band_in_twelfths_of_an_octave() -> None:
    periods = wv.period_s(SCALES_S)
    assert periods[0] == pytest.approx(1.0)
    assert 10.0 <= periods[-1] < 10.0 * 2 ** (1 / 12)
    np.testing.assert_allclose(np.diff(np.log2(SCALES_S)), 1 / 12)
    assert abs(wv.FOURIER_FACTOR - 1.0330) < 1e-4


def test_cwt_matches_pycwt() -> None:
    a, _ = coupled(3000, 0, 1.0, seed=1)
    ours_padded = wv.morlet_cwt(z(a), DT_S, SCALES_S, n_fft=4096)
    ref, sj, *_ = pycwt.cwt(z(a), DT_S, dj=1 / 12, s0=SCALES_S[0], J=len(SCALES_S) - 1)
    np.testing.assert_allclose(sj, SCALES_S)
    assert np.abs(ours_padded - ref).max() < 1e-10  # same normalisation, same padding
    circular = wv.morlet_cwt(z(a), DT_S, SCALES_S)
    far = 3 * wv.EFOLDING_FACTOR * SCALES_S[:, None] < wv.coi_distance_s(3000, DT_S)
    assert np.abs(circular - ref)[far].max() < 1e-3 * np.abs(ref).max()


def test_smoothing_and_coherence_match_pycwt_wct() -> None:
    n = 3000
    a, b = coupled(n, 10, 0.6, seed=2)
    ref, *_ = pycwt.wct(a, b, DT_S, dj=1 / 12, s0=SCALES_S[0], J=len(SCALES_S) - 1, sig=False)
    # with pycwt's zero padding to 4096, the Torrence & Webster smoothing is pycwt's exactly
    wa, wb = (wv.morlet_cwt(z(x), DT_S, SCALES_S, n_fft=4096) for x in (a, b))
    width = wc.scale_boxcar_width()

    def smooth(x: np.ndarray) -> np.ndarray:
        return wc.smooth_scales(wv.gaussian_smooth(x / SCALES_S[:, None], SCALES_S / DT_S,
                                                   n_fft=4096), width)

    padded = np.abs(smooth(wa * wb.conj())) ** 2 / (smooth(np.abs(wa) ** 2)
                                                    * smooth(np.abs(wb) ** 2))
    assert np.abs(padded - ref).max() < 1e-10
    # the product's circular coherence, away from the ends
    ours = wc.coherence(wv.transform(a, fs_hz=FS_HZ, scales_s=SCALES_S),
                        wv.transform(b, fs_hz=FS_HZ, scales_s=SCALES_S))
    far = 4 * wv.EFOLDING_FACTOR * SCALES_S[:, None] < wv.coi_distance_s(n, DT_S)
    assert far.mean() > 0.6
    assert np.abs(ours.coherence - ref)[far].max() <= 0.01
    assert np.abs(ours.coherence - ref)[far].mean() <= 1e-3
    assert ours.valid.sum() > far.sum()  # the COI itself is narrower than the comparison


def test_scale_boxcar_is_pycwts_convolve2d() -> None:
    x = np.random.default_rng(0).standard_normal((41, 7)) * (1 + 1j)
    box = np.ones(14)
    box[[0, -1]] = 0.5
    expected = convolve2d(x, box[:, None] / box.sum(), mode="same")
    np.testing.assert_allclose(wc.smooth_scales(x, 14), expected, atol=1e-12)


def test_decimated_grid_equals_the_full_grid() -> None:
    a, b = coupled(2400, 8, 0.6, seed=3)
    ta, tb = (wv.transform(x, fs_hz=FS_HZ, scales_s=SCALES_S) for x in (a, b))
    full, thin = wc.coherence(ta, tb), wc.coherence(ta, tb, step_samples=5)
    np.testing.assert_allclose(thin.coherence, full.coherence[:, ::5], atol=1e-9)
    np.testing.assert_array_equal(thin.valid, full.valid[:, ::5])


@pytest.mark.parametrize("delay_samples", [10, -10, 24])
def test_phase_sign_and_group_delay(delay_samples: int) -> None:
    """B(t) = A(t - tau): positive phase at every scale for tau > 0, and lag_s = +tau.

    24 samples (1.2 s) wraps the phase at periods below 1.2 s: only the across-scale
    group delay finds it.
    """
    a, b = coupled(3600, delay_samples, 0.8, seed=4)
    tau = delay_samples / FS_HZ
    session = analyse_session(a, b, fs_hz=FS_HZ, band_hz=BAND_HZ, max_lag_s=2.0,
                              window_s=5.0, step_s=1.0)
    if abs(tau) < 0.6:  # no wrap below 1 s periods: the phase itself has the lag's sign
        mean_phase = np.angle(session.coherence.phasors().sum(axis=1))
        assert np.all(np.sign(mean_phase) == np.sign(tau))
    assert session.lag_s == pytest.approx(tau, abs=0.05)
    assert np.nanmedian(session.window_lag_s) == pytest.approx(tau, abs=0.1)
    assert 0 < session.lag_score_peak <= session.mean_coherence <= 1


def test_statistic_rolls_b_exactly_and_recomputes_other_rearrangements() -> None:
    a, b = coupled(2400, 10, 0.6, seed=5)
    b[300:340] = np.nan
    cached = WaveletStatistic(FS_HZ, BAND_HZ, 2.0)
    observed = cached(a, b)
    for shift in (777, 1500):
        rolled = np.roll(b, shift)
        assert cached(a, rolled) == pytest.approx(WaveletStatistic(FS_HZ, BAND_HZ, 2.0)(a, rolled),
                                                  abs=1e-12)
        assert cached(a, rolled) < observed
    swapped = np.concatenate([b[1200:], b[:1200][::-1]])  # not a rotation
    assert cached(a, swapped) == pytest.approx(WaveletStatistic(FS_HZ, BAND_HZ, 2.0)(a, swapped),
                                               abs=1e-12)
    mean = WaveletStatistic(FS_HZ, BAND_HZ, 2.0, kind="mean_coherence")
    assert cached(a, b) <= mean(a, b)


def test_rotation_shift() -> None:
    x = np.arange(10.0)
    x[3] = np.nan
    assert rotation_shift(np.roll(x, 4), x) == 4
    assert rotation_shift(x, x) == 0
    assert rotation_shift(x[::-1], x) is None
    assert rotation_shift(np.full(10, np.nan), np.full(10, np.nan)) == 0


def test_missing_samples_are_masked_not_fatal() -> None:
    a, b = coupled(2400, 10, 0.8, seed=6)
    a[1000:1200] = np.nan  # 10 s gap
    ta = wv.transform(a, fs_hz=FS_HZ, scales_s=SCALES_S)
    assert not ta.supported[0, 1100]  # the shortest wavelet sits inside the gap
    assert ta.supported[0, 1400]
    assert ta.supported[-1, 600]
    session = analyse_session(a, b, fs_hz=FS_HZ, band_hz=BAND_HZ, max_lag_s=2.0,
                              window_s=5.0, step_s=1.0)
    assert session.lag_s == pytest.approx(0.5, abs=0.1)
    in_gap = (session.coherence.time_s > 51) & (session.coherence.time_s < 59)
    short = session.coherence.period_s < 5.0  # wavelets shorter than the gap: left out
    assert not session.coherence.valid[np.ix_(short, in_gap)].any()
    assert session.coherence.valid[np.ix_(short, ~in_gap)].mean() > 0.8
    empty = WaveletStatistic(FS_HZ, BAND_HZ, 2.0)(np.full(2400, np.nan), b)
    assert np.isnan(empty)


@pytest.mark.parametrize(("band", "match"), [
    ((0.1, 10.0), "high must be below the Nyquist frequency 10 Hz"),
    ((0.0, 1.0), "low must be > 0 Hz"),
    ((1.0, 1.0), "low must be below high"),
    ((2.0, 1.0), "low must be below high"),
])
def test_bad_band_is_input_error(band: tuple[float, float], match: str) -> None:
    with pytest.raises(InputError, match=f"band_hz {match}"):
        wv.check_band(band, FS_HZ)


def test_min_duration_is_two_efolding_times_of_the_largest_scale_plus_a_window() -> None:
    s_max = wv.band_scales_s(BAND_HZ)[-1]
    assert wv.min_duration_s(BAND_HZ, 5.0) == pytest.approx(2 * np.sqrt(2) * s_max + 5.0)
    assert 32 < wv.min_duration_s(BAND_HZ, 5.0) < 33
