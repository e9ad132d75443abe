"""The wavelet-coherence method ("wavelet") through the method seam.

Known answers at 20 Hz, 3-minute series, default parameters (band 0.1-1 Hz, windows 5 s,
lags up to 2 s) with 99 circular-shift surrogates: b(t) = c a(t - tau) + sqrt(1 - c^2) n(t)
with a and n independent band-limited (0.1-1 Hz) movement, c in {0.6, 0.8}, tau in
{+0.5, -0.5, +1.2} s. Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import dataclasses
import json
import math
import struct
from pathlib import Path

import numpy as np
import pytest

from synchrony.analysis.methods import (
    AnalysisParameters,
    MethodResult,
    get_method,
    reach_of,
    run_method,
)
from synchrony.analysis.wavelet_method import WAVELET, WaveletDetail
from synchrony.errors import InputError
from synchrony.render.wavelet_plot import plot
from tests.fixtures.series import Pair, coupled_movement, movement

FS_HZ = 20.0
N = 3600  # 3 min
PARAMS = AnalysisParameters(n_surrogates=99, seed=1)


def coupled_pair(lag_s: float, coupling: float, seed: int = 0, n: int = N) -> Pair:
    return coupled_movement(lag_s, coupling, seed, n)


def run(a: np.ndarray, b: np.ndarray, params: AnalysisParameters = PARAMS) -> MethodResult:
    return run_method(WAVELET, a, b, fs_hz=FS_HZ, signal="body", params=params)


@pytest.mark.parametrize("coupling", [0.6, 0.8])
@pytest.mark.parametrize(("lag_s", "leader"), [(0.5, "A"), (-0.5, "B"), (1.2, "A")])
def test_known_lag_and_leader(coupling: float, lag_s: float, leader: str) -> None:
    result = run(*coupled_pair(lag_s, coupling, seed=int(10 * coupling)))
    summary = result.summary
    assert result.surrogate is not None
    assert result.surrogate.p < 0.05
    assert summary["leader"] == leader
    assert abs(summary["lag_s"] - lag_s) <= 0.15  # type: ignore[operator]
    assert summary["strength"] == result.statistic
    assert summary["strength"] <= summary["mean_coherence"]  # type: ignore[operator]


def test_independent_pair_is_not_significant() -> None:
    rng = np.random.default_rng(7)
    result = run(movement(N, rng), movement(N, rng))
    assert result.surrogate is not None
    assert result.surrogate.p > 0.05
    assert result.summary["leader"] == "none"


def test_summary_block_is_complete_and_json_able() -> None:
    a, b = coupled_pair(0.5, 0.6, seed=3, n=1200)
    a[400:460] = np.nan  # a person not detected for 3 s
    result = run(a, b, dataclasses.replace(PARAMS, n_surrogates=19))
    s = result.summary
    for key in ("strength", "strength_statistic", "lag_s", "lag_estimator", "leader",
                "who_leads", "n_windows", "surrogate", "band_hz", "mean_coherence",
                "n_scales", "coi_fraction_excluded"):
        assert key in s, key
    assert s["strength_statistic"] == "lag_score_peak"
    assert s["band_hz"] == [0.1, 1.0]
    assert s["n_scales"] == 41
    assert 0 < s["coi_fraction_excluded"] < 1  # type: ignore[operator]
    assert s["n_windows"] == len(result.strength) == 111  # (60 s - 5 s) / 0.5 s + 1
    surrogate = s["surrogate"]
    assert isinstance(surrogate, dict)
    assert {"method", "n", "z", "p"} <= set(surrogate)
    json.dumps(s, allow_nan=True)
    assert isinstance(result.detail, WaveletDetail)


def test_registered_and_reach_clears_the_largest_wavelet() -> None:
    assert get_method("wavelet") is WAVELET
    s_max = 1 / (0.1 * 1.0330)  # the scale of 0.1 Hz (period 10 s)
    assert reach_of(WAVELET, PARAMS) == pytest.approx(5.0 + 2.0 + math.sqrt(2) * s_max, rel=0.01)


@pytest.mark.parametrize(("band", "n", "match"), [
    ((0.1, 10.0), N, "band_hz high must be below the Nyquist frequency 10 Hz"),
    ((0.0, 1.0), N, "band_hz low must be > 0 Hz"),
    ((1.0, 0.5), N, "band_hz low must be below high"),
    ((0.1, 1.0), 260, r"series too short .* needs at least 13.7 s .* got 13.0 s"),
    ((0.05, 1.0), 340, r"needs at least 17.3 s .* got 17.0 s"),
])
def test_bad_input_is_one_line_input_error(band: tuple[float, float], n: int, match: str
                                           ) -> None:
    a, b = coupled_pair(0.5, 0.6, n=n)
    with pytest.raises(InputError, match=match) as info:
        run(a, b, dataclasses.replace(PARAMS, band_hz=band))
    assert "\n" not in str(info.value)


def test_a_short_series_is_analysed_on_the_upper_part_of_the_band() -> None:
    """20 s is shorter than the whole 0.1-1 Hz band needs (32.6 s; the bundled demo is
    30 s): frequencies inside the cone everywhere are left out (``band_outside_coi_hz``)."""
    a, b = coupled_pair(0.5, 0.8, seed=3, n=400)
    short = run(a, b, dataclasses.replace(PARAMS, n_surrogates=19)).summary
    low, high = short["band_outside_coi_hz"]
    assert 0.13 < low < 0.15
    assert high == pytest.approx(1.0, rel=0.05)
    assert short["lag_s"] == pytest.approx(0.5, abs=0.15)
    full = run(*coupled_pair(0.5, 0.8, seed=3), dataclasses.replace(PARAMS, n_surrogates=19))
    assert full.summary["band_outside_coi_hz"][0] == pytest.approx(0.1, rel=0.05)


def test_plot_writes_a_png_of_the_expected_size(tmp_path: Path) -> None:
    a, b = coupled_pair(-0.5, 0.8, seed=2, n=1200)
    result = run(a, b, dataclasses.replace(PARAMS, n_surrogates=19))
    out = plot(result, tmp_path / "wavelet_body.png", title="body: wavelet")
    head = out.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (1000, 400)
