"""The episode study (bench/episodes.py): its ceiling fit and one dyad of each material."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench import episodes
from synchrony.analysis.methods import AnalysisParameters
from synchrony.analysis.timeline import TimelineRules


def test_two_change_points_finds_a_step_up_and_down() -> None:
    y = np.r_[np.zeros(10), np.ones(7), np.zeros(12)]
    assert episodes.two_change_points(y) == (10, 17)


def test_two_change_points_ignores_missing_values_and_noise() -> None:
    rng = np.random.default_rng(0)
    y = np.r_[np.full(30, 0.5), np.zeros(25), np.full(40, 0.5)] + 0.1 * rng.standard_normal(95)
    y[[3, 31, 60]] = np.nan
    i, j = episodes.two_change_points(y)
    assert abs(i - 30) <= 1
    assert abs(j - 55) <= 1


def test_two_change_points_needs_room_for_three_stretches() -> None:
    assert episodes.two_change_points(np.arange(11.0)) is None
    assert episodes.two_change_points(np.arange(12.0), min_len=4) is not None


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
    assert row["material"] == "rendered"
    assert math.isnan(float(row["rupture_found_s"])) or float(row["rupture_found_s"]) >= 0.0
