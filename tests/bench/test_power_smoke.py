"""The power study (bench/power.py) on tiny configurations, checked against known truth.

Keeps the bench from rotting: the generator's truth (who leads, by how much), one
statistic against its surrogate null, and the whole command on a handful of dyads.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench import power
from bench.dyads import DyadSpec, lagged_r, make_dyad
from bench.power_stats import (
    STATISTICS,
    WccSettings,
    lag_estimates,
    parabolic_offset,
    surrogate_test_all,
)

SETTINGS = WccSettings()


def test_generator_is_seeded_positive_and_has_dropouts() -> None:
    spec = DyadSpec(coupling=0.6, lag_s=0.5, duration_s=60.0, seed=3)
    one, two = make_dyad(spec), make_dyad(spec)
    np.testing.assert_array_equal(one.a, two.a)
    np.testing.assert_array_equal(one.b, two.b)
    assert len(one.a) == 1200
    assert np.nanmin(one.a) >= 0
    assert np.nanmin(one.b) >= 0
    assert 0 < np.isnan(np.concatenate([one.a, one.b])).mean() < 0.2  # dropouts, not holes


@pytest.mark.parametrize("lag_s", [0.6, -1.5])
def test_coupled_pair_truth_and_lag_recovered(lag_s: float) -> None:
    dyad = make_dyad(DyadSpec(coupling=0.8, lag_s=lag_s, duration_s=60.0, seed=1))
    lag = int(round(lag_s * dyad.fs_hz))
    # The follower resembles the leader's earlier movement, not its later movement.
    assert lagged_r(dyad.a, dyad.b, lag) > 0.4 > lagged_r(dyad.a, dyad.b, -lag)
    est = lag_estimates(SETTINGS.grid(dyad.a, dyad.b, dyad.fs_hz))
    assert est["profile_argmax_lag_s"] == pytest.approx(lag_s, abs=0.1)


def test_independent_pair_statistic_within_its_null() -> None:
    dyad = make_dyad(DyadSpec(duration_s=60.0, seed=4))
    out = surrogate_test_all(dyad.a, dyad.b, fs_hz=dyad.fs_hz, settings=SETTINGS,
                             scheme="circular_shift", n_surrogates=19, seed=0)
    assert out.n_grids == 20
    assert out.n["profile_peak_abs_z"] == 19
    assert out.p["profile_peak_abs_z"] > 0.05


def test_coupled_pair_beats_every_surrogate() -> None:
    dyad = make_dyad(DyadSpec(coupling=0.8, lag_s=0.6, duration_s=60.0, seed=1))
    out = surrogate_test_all(dyad.a, dyad.b, fs_hz=dyad.fs_hz, settings=SETTINGS,
                             scheme="segment_shuffle", n_surrogates=50, seed=0)
    # 60 s in 15 s segments: 4! - 1 = 23 orders; the smallest p is 1 / 24.
    assert out.n_grids == 24
    assert out.p["profile_peak_abs_z"] == pytest.approx(1 / 24)
    assert set(out.p) == set(STATISTICS)


def test_parabolic_offset_known_vertex() -> None:
    # Parabola through (-1, 0), (0, 1), (1, 0.5): y = -0.75 x^2 + 0.25 x + 1, vertex 1/6.
    assert parabolic_offset(np.array([0.0, 1.0, 0.5]), 1) == pytest.approx(1 / 6)
    assert parabolic_offset(np.array([1.0, 0.5, 0.0]), 0) == 0.0  # edge: no refinement


def test_spec_rejects_a_coupled_null_style() -> None:
    with pytest.raises(ValueError, match="only style 'movement' can be coupled"):
        DyadSpec(coupling=0.5, style="ar1")


def test_power_command_writes_its_tables(tmp_path: Path) -> None:
    out = tmp_path / "power"
    code = power.main(["--quick", "--durations", "30", "--n-null", "2", "--n-reps", "1",
                       "--couplings", "0.8", "--lags", "0.5", "--n-surrogates", "9",
                       "--out", str(out)])
    assert code == 0
    pairs = pd.read_csv(out / "pairs.csv")
    # (2 movement + 1 AR(1) + 1 sinusoid nulls + 1 coupled) x 2 schemes x (permutation, t)
    assert len(pairs) == 4 * (2 + 1 + 1 + 1)
    assert set(pairs["scheme"]) == {"circular_shift", "circular_shift_t", "segment_shuffle",
                                    "segment_shuffle_t"}
    rates = pd.read_csv(out / "rates.csv")
    assert set(rates["statistic"]) == set(STATISTICS)
    lags = pd.read_csv(out / "lag_errors.csv")
    pooled = lags[(lags["estimator"] == "profile_argmax_lag_s") & (lags["lag_s"] == "all")]
    assert abs(float(pooled["bias_s"].iloc[0])) <= 0.1
    run = json.loads((out / "run.json").read_text())
    assert run["run"] == "custom"  # --quick with size options
    assert run["projected_full_single_core_s"]["total"] > 0
    assert (out / "power.png").stat().st_size > 0
    assert "False-positive rate" in (out / "report.md").read_text()

    both = tmp_path / "both"
    assert power.main(["--combine", str(out), str(out), "--out", str(both)]) == 0
    assert len(pd.read_csv(both / "pairs.csv")) == 2 * len(pairs)
    assert json.loads((both / "run.json").read_text())["run"] == "combined"


def test_styles_option_keeps_only_the_named_null_styles() -> None:
    args = power.parse_args(["--out", "x", "--n-null", "10", "--styles", "sinusoid", "ar1"])
    config = power.config_from_args(args)
    assert config.n_null == {"movement": 0, "ar1": 5, "sinusoid": 5}
    everything = power.config_from_args(power.parse_args(["--out", "x"]))
    assert all(n > 0 for n in everything.n_null.values())


def test_a_run_without_movement_pairs_writes_its_tables(tmp_path: Path) -> None:
    out = tmp_path / "sinusoid"
    assert power.main(["--durations", "30", "--n-null", "2", "--styles", "sinusoid",
                       "--n-reps", "0", "--n-surrogates", "9", "--schemes", "circular_shift",
                       "--out", str(out)]) == 0
    pairs = pd.read_csv(out / "pairs.csv")
    assert set(pairs["style"]) == {"sinusoid"}
    assert len(pairs) == 2  # one pair x (permutation, prediction reading)
    assert not (out / "power.png").exists()  # power curves need movement pairs
    assert "False-positive rate" in (out / "report.md").read_text()
