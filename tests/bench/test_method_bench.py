"""The method benches (bench/method_validation.py, bench/methods.py) on tiny runs of WCC.

Keeps them from rotting: the coupled generator's truth, the outputs and their columns, and
bad input (exit 2).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench import method_validation, methods
from bench.dyads import lagged_r


@pytest.mark.parametrize("lag_s", [0.5, -1.2])
def test_coupled_pair_follower_copies_the_leader(lag_s: float) -> None:
    rng = np.random.default_rng(3)
    a, b = method_validation.coupled_pair(0.8, lag_s, 2400, 20.0, rng)
    lag = round(lag_s * 20)
    # b(t) = 0.8 a(t - lag) + 0.6 noise: r = 0.8 at the true lag, small the other way
    assert lagged_r(a, b, lag) == pytest.approx(0.8, abs=0.08)
    assert abs(lagged_r(a, b, -lag)) < 0.5


def test_validation_writes_its_tables(tmp_path: Path) -> None:
    out = tmp_path / "mv"
    code = method_validation.main([
        "--quick", "--methods", "wcc", "--duration-s", "40", "--n-null", "4",
        "--n-coupled", "1", "--couplings", "0.8", "--lags", "0.5,-0.5", "--surrogates", "19",
        "--workers", "2", "--out", str(out)])
    assert code == 0
    pairs = pd.read_csv(out / "pairs.csv")
    assert len(pairs) == 4 + 2  # one null pair per style, one per coupled cell
    for column in ("method", "style", "coupling", "lag_s_true", "true_leader", "p",
                   "significant", "leader", "lag_s", "seconds"):
        assert column in pairs.columns, column
    assert set(pairs["style"]) == {*method_validation.NULL_STYLES, "coupled"}
    coupled = pairs[pairs["coupling"] > 0]
    assert list(coupled["leader"]) == ["A", "B"]  # c = 0.8 is found, with the right sign
    assert np.all(np.abs(coupled["lag_s"] - coupled["lag_s_true"]) <= 0.15)
    rates = pd.read_csv(out / "rates.csv")
    for column in ("measure", "method", "n", "rate", "ci_low", "ci_high", "leader_right",
                   "lag_bias_s", "lag_median_abs_error_s", "lag_within_tolerance"):
        assert column in rates.columns, column
    pooled = rates[(rates["measure"] == "false_positive") & (rates["style"] == "all")]
    assert int(pooled["n"].iloc[0]) == 4
    run = json.loads((out / "run.json").read_text())
    assert run["config"]["methods"] == ["wcc"]
    assert run["seconds_per_method"]["wcc"]["cpu_s"] > 0
    assert "False-positive rate" in (out / "report.md").read_text()


def test_validation_rejects_an_unknown_method(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert method_validation.main(["--methods", "wcc,nope", "--out", str(tmp_path)]) == 2
    assert "--methods" in capsys.readouterr().err


def test_cost_bench_times_wcc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cost.json"
    code = methods.main(["--methods", "wcc", "--duration-s", "60", "--surrogates", "2",
                         "--repeats", "1", "--json", str(path)])
    assert code == 0
    assert "run_method" in capsys.readouterr().out
    (row,) = json.loads(path.read_text())["results"]
    assert row["method"] == "wcc"
    for stage in methods.STAGES:
        assert row[f"{stage}_min_s"] > 0
        assert row[f"{stage}_ratio_to_wcc"] == pytest.approx(1.0)
    assert row["peak_rss_mb"] >= row["rss_before_mb"] > 0
    assert row["slow"] is False
