"""The cross-recurrence method ("recurrence"): known answers, bad input, summary and plot.

Known answers at 20 Hz, 2-minute series, default recurrence parameters, 99 circular-shift
surrogates: B = c * A(t - tau) + sqrt(1 - c^2) * B's own movement (band-limited 0.1-1 Hz)
for c in {0.6, 0.8} and tau in {+0.5, -0.5, +1.2} s. Sign convention: lag > 0 means A
leads and B follows.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from synchrony.analysis.methods import AnalysisParameters, MethodResult, run_method
from synchrony.analysis.recurrence_method import RECURRENCE, RecurrenceDetail
from synchrony.errors import InputError
from synchrony.render.recurrence_plot import plot
from tests.fixtures.series import Pair, coupled_movement, movement

FS_HZ = 20.0
N = 2400  # 2 min
PARAMS = AnalysisParameters(n_surrogates=99, seed=3)


def coupled_pair(c: float, tau_s: float, seed: int) -> Pair:
    return coupled_movement(tau_s, c, seed, N)


def run(a: np.ndarray, b: np.ndarray, params: AnalysisParameters = PARAMS) -> MethodResult:
    return run_method(RECURRENCE, a, b, fs_hz=FS_HZ, signal="body", params=params)


@pytest.mark.parametrize("c", [0.6, 0.8])
@pytest.mark.parametrize(("tau_s", "leader"), [(0.5, "A"), (-0.5, "B"), (1.2, "A")])
def test_known_lag_and_leader(c: float, tau_s: float, leader: str) -> None:
    result = run(*coupled_pair(c, tau_s, seed=int(10 * c + 100 * abs(tau_s))))
    assert result.surrogate is not None
    assert result.surrogate.p < 0.05
    assert result.summary["leader"] == leader
    assert abs(float(result.summary["lag_s"]) - tau_s) <= 0.15  # type: ignore[arg-type]
    assert np.sign(float(result.summary["profile_asymmetry"])) == np.sign(tau_s)  # type: ignore[arg-type]


def test_independent_pair_is_not_significant() -> None:
    rng = np.random.default_rng(5)
    result = run(movement(N, rng), movement(N, rng))
    assert result.surrogate is not None
    assert result.surrogate.p > 0.05
    assert result.summary["leader"] == "none"


def test_summary_windows_and_detail() -> None:
    result = run(*coupled_pair(0.8, 0.5, seed=1))
    s = result.summary
    for key in ("strength", "strength_statistic", "lag_s", "lag_estimator", "leader",
                "who_leads", "n_windows", "surrogate", "radius", "recurrence_rate",
                "profile_asymmetry", "mean_rec_percent", "mean_det_percent",
                "embedding_dim"):
        assert key in s, key
    assert s["strength"] == result.statistic
    assert s["recurrence_rate"] == pytest.approx(PARAMS.recurrence_rate, abs=1e-3)
    assert 0 < s["mean_rec_percent"] < 100  # type: ignore[operator]
    assert 0 < s["mean_det_percent"] < 100  # type: ignore[operator]
    detail: RecurrenceDetail = result.detail
    assert detail.rqa.rec_percent.shape == result.strength.shape
    assert detail.lags_s[0] == -PARAMS.max_lag_s
    assert detail.lags_s[-1] == PARAMS.max_lag_s
    assert np.all(np.abs(result.lag_s[np.isfinite(result.lag_s)]) <= PARAMS.max_lag_s)
    # the windows centre on B following by 0.5 s; one 5 s window's lag is coarse: over 12
    # seeds of this pair 48-65 % (mean 54 %) of the windows were within 0.15 s of the truth
    assert np.median(result.lag_s) == pytest.approx(0.5, abs=0.1)
    assert np.mean(np.abs(result.lag_s - 0.5) <= 0.15) > 0.45
    assert result.window_end_s[-1] <= N / FS_HZ
    np.testing.assert_allclose(result.window_end_s - result.window_start_s, PARAMS.window_s)


def test_embedding_widens_windows_and_is_reported() -> None:
    params = dataclasses.replace(PARAMS, embedding_dim=3, embedding_delay_s=0.25,
                                 n_surrogates=0)
    result = run(*coupled_pair(0.8, -0.5, seed=2), params)
    assert result.summary["embedding_dim"] == 3
    assert result.summary["embedding_delay_s"] == 0.25
    np.testing.assert_allclose(result.window_end_s - result.window_start_s,
                               PARAMS.window_s + 2 * 0.25)
    assert float(result.summary["lag_s"]) == pytest.approx(-0.5, abs=0.15)  # type: ignore[arg-type]


def test_missing_samples_are_masked() -> None:
    a, b = coupled_pair(0.8, 0.5, seed=4)
    a[300:340] = np.nan
    b[1000:1010] = np.nan
    result = run(a, b, dataclasses.replace(PARAMS, n_surrogates=19))
    assert math.isfinite(result.statistic)
    assert np.isfinite(result.strength).all()
    assert float(result.summary["lag_s"]) == pytest.approx(0.5, abs=0.15)  # type: ignore[arg-type]


@pytest.mark.parametrize(("change", "message"), [
    ({"recurrence_rate": 0.0}, "--recurrence-rate must be in \\(0, 0.5\\], got 0.0"),
    ({"recurrence_rate": 0.6}, "--recurrence-rate"),
    ({"embedding_dim": 0}, "--embedding-dim must be an integer from 1 to 10, got 0"),
    ({"embedding_dim": 11}, "--embedding-dim"),
    ({"embedding_dim": 2, "embedding_delay_s": 0.0}, "--embedding-delay-s must be at least"),
    ({"embedding_dim": 2, "embedding_delay_s": -1.0}, "--embedding-delay-s"),
    ({"max_lag_s": 5.0}, "--max-lag-s < --window-s"),
])
def test_bad_parameters(change: dict[str, Any], message: str) -> None:
    a, b = coupled_pair(0.8, 0.5, seed=0)
    with pytest.raises(InputError, match=message):
        RECURRENCE.windows(a, b, fs_hz=FS_HZ, params=dataclasses.replace(PARAMS, **change))
    with pytest.raises(InputError, match=message):
        RECURRENCE.statistic.build(FS_HZ, dataclasses.replace(PARAMS, **change))(a, b)


def test_series_too_short_for_embedding_plus_window() -> None:
    a, b = coupled_pair(0.8, 0.5, seed=0)
    params = dataclasses.replace(PARAMS, embedding_dim=5, embedding_delay_s=1.0)
    with pytest.raises(InputError, match=r"at least one window plus the embedding span "
                                         r"\(180 samples = 9 s at 20 Hz\), got 120"):
        RECURRENCE.windows(a[:120], b[:120], fs_hz=FS_HZ, params=params)


def test_plot_writes_png(tmp_path: Path) -> None:
    result = run(*coupled_pair(0.8, 0.5, seed=1), dataclasses.replace(PARAMS, n_surrogates=19))
    out = plot(result, tmp_path / "recurrence_body.png", title="body: recurrence")
    assert out.stat().st_size > 10_000
    import matplotlib.image

    assert matplotlib.image.imread(out).shape[:2] == (400, 1000)
