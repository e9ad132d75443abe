"""SUSY 0.1.0 (synchrony.engine.susy): known leads, a loop reference, missing values, errors.

The comparison with SUSY's own outputs is in tests/reference/test_susy_reference.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from synchrony.engine.susy import susy, susy_lag_profile
from tests.fixtures.series import FS_HZ, ar1, lagged_pair


def naive_susy_profile(
    a: np.ndarray, b: np.ndarray, segment: int, max_lag: int
) -> dict[str, np.ndarray]:
    """Loop reference of SUSY from R's ccf definition, in SUSY's lag order (k = -L ... L).

    ccf(x, y) at lag k = sum_t (x[t + k] - mean x)(y[t] - mean y) / sqrt(Sxx Syy); a pair
    with an undefined ccf is skipped but still counts in the divisor.
    """
    n_seg = a.size // segment
    lags = range(-max_lag, max_lag + 1)
    real = np.zeros(len(lags))
    pseudo = np.zeros(len(lags))
    for i in range(n_seg):
        x = a[i * segment : (i + 1) * segment] - a[i * segment : (i + 1) * segment].mean()
        for h in range(n_seg):
            y = b[h * segment : (h + 1) * segment] - b[h * segment : (h + 1) * segment].mean()
            denom = math.sqrt((x @ x) * (y @ y))
            if denom == 0:
                continue
            for j, k in enumerate(lags):
                xs, ys = (x[k:], y[: segment - k]) if k >= 0 else (x[: segment + k], y[-k:])
                r = (xs @ ys) / denom
                if i == h:
                    real[j] += abs(math.atanh(r))
                else:
                    pseudo[j] += abs(math.atanh(r))
    return {"real_z": real / n_seg, "pseudo_z": pseudo / (n_seg * (n_seg - 1))}


# --------------------------------------------------------------------------------------
# SUSY
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("lag_samples", [5, -5])
def test_susy_known_lead(lag_samples: int) -> None:
    """B = A delayed by 0.5 s: A leads (peak at +0.5 s); A = B delayed: B leads (-0.5 s)."""
    a, b = lagged_pair(3000, lag_samples, noise=0.5, seed=1)
    table = susy(a, b, fs_hz=FS_HZ, segment_s=30.0, max_lag_s=2.0)
    profile = susy_lag_profile(a, b, fs_hz=FS_HZ, segment_s=30.0, max_lag_s=2.0)

    leader, follower = ("A", "B") if lag_samples > 0 else ("B", "A")
    assert table[f"Z_{leader}_leads"] > table[f"Z_{follower}_leads"]
    assert table[f"ES_{leader}_leads"] > table[f"ES_{follower}_leads"]
    assert table["ES"] > 2.0
    peak = int(np.argmax(profile.real_z_signed))
    assert profile.lag_samples[peak] == lag_samples
    assert profile.lags_s[peak] == pytest.approx(lag_samples / FS_HZ)
    assert table["n_segments"] == 10
    assert table["n_lags"] == 41


def test_susy_matches_loop_reference_with_constant_segment() -> None:
    """Vectorised profile == R-definition loop, incl. SUSY's skip-but-count quirk."""
    rng = np.random.default_rng(7)
    a, b = ar1(400, rng), ar1(400, rng)
    a[100:200] = 3.0  # segment 1 of A constant: its pairs have an undefined ccf
    profile = susy_lag_profile(a, b, fs_hz=FS_HZ, segment_s=10.0, max_lag_s=1.0)
    expected = naive_susy_profile(a, b, segment=100, max_lag=10)
    # our lag = -SUSY lag: reverse SUSY's order
    np.testing.assert_allclose(profile.real_z, expected["real_z"][::-1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(profile.pseudo_z, expected["pseudo_z"][::-1], rtol=0, atol=1e-12)


def test_susy_drops_rows_with_missing_values() -> None:
    """As SUSY (complete.cases): rows with NaN in A or B are removed, the rest spliced."""
    rng = np.random.default_rng(3)
    a, b = ar1(2000, rng), ar1(2000, rng)
    a_nan, b_nan = a.copy(), b.copy()
    a_nan[[5, 500, 501]] = np.nan
    b_nan[[900, 1500]] = np.nan
    keep = np.ones(a.size, dtype=bool)
    keep[[5, 500, 501, 900, 1500]] = False
    params = {"fs_hz": FS_HZ, "segment_s": 20.0, "max_lag_s": 2.0}
    with_nan = susy(a_nan, b_nan, **params)
    complete = susy(a[keep], b[keep], **params)
    assert with_nan["n_data"] == 1995
    assert with_nan == pytest.approx(complete, abs=1e-15)


def test_susy_identical_series_give_infinite_z_without_warnings() -> None:
    """r = 1 at lag 0 gives an infinite Fisher z, as in SUSY (pytest turns warnings into errors)."""
    a = ar1(600, np.random.default_rng(2))
    table = susy(a, a, fs_hz=FS_HZ, segment_s=10.0, max_lag_s=1.0)
    profile = susy_lag_profile(a, a, fs_hz=FS_HZ, segment_s=10.0, max_lag_s=1.0)
    assert profile.real_r[profile.lag_samples == 0] == pytest.approx(1.0)
    assert table["Z"] == math.inf
    assert math.isnan(table["SD_Z"])
    assert np.isfinite(table["Z_pseudo"])


def test_susy_returns_contract_keys() -> None:
    rng = np.random.default_rng(0)
    table = susy(ar1(600, rng), ar1(600, rng), fs_hz=FS_HZ, segment_s=10.0, max_lag_s=1.0)
    contract = {"Z", "Z_pseudo", "ES", "Z_A_leads", "Z_B_leads", "ES_A_leads", "ES_B_leads"}
    contract |= {"Z_signed", "Z_pseudo_signed", "ES_signed"}
    assert contract <= set(table)
    assert all(isinstance(v, int | float) for v in table.values())
    assert table["n_in_phase"] + table["n_anti_phase"] == table["n_lags"] == 21


@pytest.mark.parametrize(
    ("a_len", "kwargs", "message"),
    [
        (599, {}, "a and b must have the same length, got 599 and 600"),
        (600, {"fs_hz": 0.0}, "fs_hz must be > 0, got 0"),
        (600, {"segment_s": -1.0}, "segment_s must be >= 0, got -1"),
        (600, {"max_lag_s": 0.0}, "max_lag_s must span at least 1 sample"),
        (600, {"max_lag_s": 6.0}, "max_lag_s must be at most segment_s / 2 = 5 s, got 6 s"),
        (600, {"segment_s": 40.0}, "at least 2 segments of segment_s=40 s"),
    ],
)
def test_susy_rejects_bad_input(a_len: int, kwargs: dict[str, float], message: str) -> None:
    rng = np.random.default_rng(0)
    params = {"fs_hz": FS_HZ, "segment_s": 10.0, "max_lag_s": 1.0} | kwargs
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        susy(ar1(600, rng)[:a_len], ar1(600, rng), **params)


def test_susy_rejects_two_dimensional_input() -> None:
    with pytest.raises(ValueError, match=r"a must be a 1-D array, got shape \(2, 300\)"):
        susy(np.zeros((2, 300)), np.zeros(600), fs_hz=FS_HZ, segment_s=10.0, max_lag_s=1.0)
