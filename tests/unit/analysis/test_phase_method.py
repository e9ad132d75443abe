"""The ``"phase"`` synchrony method: known answers, bad input, missing samples, summary, plot.

Known answers at 20 Hz, 3-min series, 5 s windows, 1 s step, lags up to 2 s, band
0.1-1 Hz, 99 circular-shift surrogates: B = c A(t - tau) + sqrt(1 - c^2) noise, the noise
band-limited like the movement (0.1-1 Hz, so the band-pass cannot remove it), c in
{0.6, 0.8}, tau in {+0.5, -0.5, +1.2} s (1.2 s wraps the relative phase at 0.5 Hz).
Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from synchrony.analysis.methods import AnalysisParameters, MethodResult, run_method
from synchrony.analysis.phase_method import PHASE, PROFILE_PEAK_PLV
from synchrony.errors import InputError
from synchrony.render import phase_plot
from tests.fixtures.series import Pair, coupled_movement, movement

FS_HZ = 20.0
N = 3600  # 3 min
PARAMS = AnalysisParameters(window_s=5.0, step_s=1.0, max_lag_s=2.0, n_surrogates=99, seed=1,
                            band_hz=(0.1, 1.0))


def coupled_pair(coupling: float, lag_s: float, seed: int, n: int = N) -> Pair:
    return coupled_movement(lag_s, coupling, seed, n)


def run(a: np.ndarray, b: np.ndarray, params: AnalysisParameters = PARAMS) -> MethodResult:
    return run_method(PHASE, a, b, fs_hz=FS_HZ, signal="body", params=params)


@pytest.mark.parametrize("coupling", [0.6, 0.8])
@pytest.mark.parametrize(("lag_s", "leader"), [(0.5, "A"), (-0.5, "B"), (1.2, "A")])
def test_known_lag_and_leader(coupling: float, lag_s: float, leader: str) -> None:
    seed = round(10 * abs(lag_s) + 7 * coupling + (lag_s < 0))
    result = run(*coupled_pair(coupling, lag_s, seed=seed))
    summary: dict[str, Any] = result.summary
    assert result.surrogate is not None
    assert result.surrogate.p < 0.05
    assert summary["leader"] == leader
    assert abs(summary["lag_s"] - lag_s) <= 0.15
    assert summary["plv_at_lag"] > summary["plv_lag0"]  # the lag search finds more locking
    if coupling >= 0.8:  # 5 s windows hold ~2 cycles: their lags are noisy at c = 0.6
        assert np.nanmedian(np.abs(result.lag_s - lag_s)) <= 0.15


def test_independent_pairs_are_not_significant() -> None:
    for seed in range(2):
        rng = np.random.default_rng(50 + seed)
        result = run(movement(N, rng), movement(N, rng))
        assert result.surrogate is not None
        assert result.surrogate.p > 0.01
        assert result.summary["leader"] == "none"


def test_summary_block_and_json() -> None:
    a, b = coupled_pair(0.8, 0.5, seed=3, n=1200)
    result = run(a, b, dataclasses.replace(PARAMS, n_surrogates=19))
    s: dict[str, Any] = result.summary
    common = {"strength", "strength_statistic", "lag_s", "lag_estimator", "leader",
              "who_leads", "n_windows", "surrogate"}
    own = {"band_hz", "mean_plv", "plv_at_lag", "mean_relative_phase_rad"}
    assert common | own <= set(s)
    assert s["strength"] == result.statistic == pytest.approx(s["plv_at_lag"])
    assert s["strength_statistic"] == "session_peak_plv"
    assert s["band_hz"] == [0.1, 1.0]
    assert 0 < s["mean_plv"] <= 1
    assert 0 < s["plv_lag0"] < s["plv_at_lag"] <= 1
    assert s["mean_relative_phase_rad"] > 0  # A ahead at lag 0
    assert s["n_windows"] == len(result.strength)
    json.dumps(s)  # JSON-able
    detail = result.detail
    assert detail.plv_lag0.shape == detail.relative_phase_rad.shape == result.strength.shape
    assert np.all(result.strength >= detail.plv_lag0 - 1e-12)  # peak over lags >= lag 0


def test_the_other_statistic_is_the_profile_peak() -> None:
    a, b = coupled_pair(0.8, 0.5, seed=4, n=1200)
    result = run(a, b, dataclasses.replace(PARAMS, n_surrogates=0))
    value = PROFILE_PEAK_PLV.build(FS_HZ, PARAMS)(a, b)
    assert value == pytest.approx(result.summary["profile_peak_plv"])


def test_reach_covers_the_filter() -> None:
    reach = PHASE.reach_s(PARAMS)
    assert reach == pytest.approx(5.0 + 2.0 + 2 * 6.55, abs=0.2)
    assert PHASE.reach_s(dataclasses.replace(PARAMS, band_hz=(0.3, 1.0))) < reach


def test_missing_samples_do_not_crash() -> None:
    a, b = coupled_pair(0.8, 0.5, seed=5, n=1200)
    a[100:130] = np.nan
    b[600:900] = np.nan  # 15 s: B not detected
    b[::97] = np.nan  # flicker
    result = run(a, b, dataclasses.replace(PARAMS, n_surrogates=19))
    assert 0.3 < np.isfinite(result.strength).mean() < 0.95
    assert result.summary["lag_s"] == pytest.approx(0.5, abs=0.15)
    empty = run(a, np.full_like(b, np.nan), dataclasses.replace(PARAMS, n_surrogates=19))
    assert np.isnan(empty.strength).all()
    assert math.isnan(empty.statistic)
    assert empty.summary["leader"] == "none"


@pytest.mark.parametrize(("change", "n", "match"), [
    ({"band_hz": (0.1, 10.0)}, N, "below the Nyquist frequency"),
    ({"band_hz": (0.0, 1.0)}, N, "0 < LOW < HIGH"),
    ({"band_hz": (1.0, 0.5)}, N, "0 < LOW < HIGH"),
    ({"band_hz": (0.01, 1.0)}, 1200, "band_hz LOW 0.01 Hz is too low for a series of 60 s"),
    ({}, 130, "at least one window plus the maximum lag"),
    ({"max_lag_s": 6.0}, N, "max_lag_s must be shorter than window_s"),
])
def test_bad_input_is_an_input_error(change: dict[str, Any], n: int, match: str) -> None:
    a, b = np.zeros(n), np.zeros(n)
    with pytest.raises(InputError, match=match):
        PHASE.windows(a, b, fs_hz=FS_HZ, params=dataclasses.replace(PARAMS, **change))


def test_plot_writes_a_png_of_the_expected_size(tmp_path: Path) -> None:
    a, b = coupled_pair(0.8, -0.5, seed=6, n=1200)
    result = run(a, b, dataclasses.replace(PARAMS, n_surrogates=19))
    out = phase_plot.plot(result, tmp_path / "sub" / "phase.png", title="body")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1000, 400)
