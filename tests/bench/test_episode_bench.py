"""The episode study (bench/episodes.py): its ceiling fits and one dyad of each material."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench import episode_ceiling, episodes
from synchrony.analysis.methods import AnalysisParameters
from synchrony.analysis.timeline import TimelineRules


def test_two_change_points_finds_a_step_up_and_down() -> None:
    y = np.r_[np.zeros(10), np.ones(7), np.zeros(12)]
    assert episode_ceiling.two_change_points(y) == (10, 17)


def test_two_change_points_ignores_missing_values_and_noise() -> None:
    rng = np.random.default_rng(0)
    y = np.r_[np.full(30, 0.5), np.zeros(25), np.full(40, 0.5)] + 0.1 * rng.standard_normal(95)
    y[[3, 31, 60]] = np.nan
    i, j = episode_ceiling.two_change_points(y)
    assert abs(i - 30) <= 1
    assert abs(j - 55) <= 1


def test_two_change_points_needs_room_for_three_stretches() -> None:
    assert episode_ceiling.two_change_points(np.arange(11.0)) is None
    assert episode_ceiling.two_change_points(np.arange(12.0), min_len=4) is not None


def test_regression_breaks_find_where_b_stops_and_resumes_following_a() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(600)
    y = 0.8 * x + 0.6 * rng.standard_normal(600)
    y[200:380] = rng.standard_normal(180)  # independent of x here
    x[[5, 250, 500]] = np.nan
    i, j = episode_ceiling.regression_breaks(x, y, min_len=40, step=2)
    assert abs(i - 200) <= 6
    assert abs(j - 380) <= 6


def test_regression_breaks_see_b_moving_while_a_is_still() -> None:
    # A still from 200 on; B follows A (still too) until 300, then moves on its own: the
    # break is at 300, where only B's own variance tells coupled from independent
    rng = np.random.default_rng(2)
    x = rng.standard_normal(700)
    x[200:500] = 0.01 * rng.standard_normal(300)
    y = 0.9 * x + 0.05 * rng.standard_normal(700)
    y[300:500] = rng.standard_normal(200)
    i, j = episode_ceiling.regression_breaks(x, y, min_len=40)
    assert abs(i - 300) <= 3
    assert abs(j - 500) <= 3


def test_regression_breaks_need_room_for_three_stretches() -> None:
    assert episode_ceiling.regression_breaks(np.ones(11), np.ones(11), min_len=4) is None


@pytest.mark.parametrize("material", episodes.MATERIALS)
def test_scheduled_dyad_couples_only_where_told(material: str) -> None:
    fs, lag = episodes.GRID_HZ, round(episodes.LAG_S * episodes.GRID_HZ)
    n = int(120 * fs)
    coupling = np.where(np.arange(n) < n // 2, episodes.COUPLING, 0.0)
    a, b = episodes.scheduled_dyad(coupling, seed=5, material=material)

    def r(part: slice) -> float:
        x, y = a[part][:-lag], b[part][lag:]
        ok = np.isfinite(x) & np.isfinite(y)
        return float(np.corrcoef(x[ok], y[ok])[0, 1])

    # one minute of independent speeds still correlates by chance up to about |0.2|
    assert r(slice(0, n // 2)) > 0.35
    assert abs(r(slice(n // 2, n))) < 0.25


def test_one_scheduled_dyad_reports_truth_detector_and_ceiling() -> None:
    row = episodes.run_one("schedule", 7, AnalysisParameters(), TimelineRules(n_shifts=9),
                           duration_s=60.0, material="rendered")
    assert 20.0 <= float(row["t_rupture"]) < float(row["t_repair"]) <= 120.0
    assert 0.0 < float(row["oracle_rupture_s"]) < float(row["oracle_repair_s"])
    assert 0.0 < float(row["oracle_reg_rupture_s"]) < float(row["oracle_reg_repair_s"])
    assert row["material"] == "rendered"
    assert math.isnan(float(row["rupture_found_s"])) or float(row["rupture_found_s"]) >= 0.0
