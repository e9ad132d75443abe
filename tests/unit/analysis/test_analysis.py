"""Per-signal analysis: the summary contract, the leader rule and pipeline helpers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from synchrony.analysis.pair import (
    AnalysisParameters,
    analyze_pair,
    not_computed_summary,
    shuffle_segment_s,
    too_short_reason,
)
from synchrony.batch.analyze import analyze_run
from synchrony.capture.video import TrackingRun
from synchrony.engine.lag_profile import profile_peak_z
from synchrony.engine.wcc import mean_abs_peak_r, window_abs_max
from synchrony.errors import InputError
from synchrony.io.tidy import json_safe, write_json
from tests.fixtures.tracked import driver, dyad_frames

PARAMS = AnalysisParameters(window_s=5, step_s=0.5, max_lag_s=2, n_surrogates=99)


def _pair(lag_s: float, coupling: float, seed: int = 0, fs: float = 20.0, n: int = 1200
          ) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(n) / fs
    rng = np.random.default_rng(seed)
    a = driver(t, seed) + 0.2 * rng.normal(size=n)
    b = (coupling * driver(t - lag_s, seed) + math.sqrt(1 - coupling**2) * driver(t, seed + 7)
         + 0.2 * rng.normal(size=n))
    return a, b


@pytest.mark.parametrize(("lag_s", "leader"), [(0.5, "A"), (-0.4, "B")])
def test_coupled_pair_names_the_leader(lag_s: float, leader: str) -> None:
    a, b = _pair(lag_s, 0.9)
    out = analyze_pair(a, b, fs_hz=20.0, signal="body", params=PARAMS)
    s = out.summary
    assert s["leader"] == leader
    assert s["median_peak_lag_s"] == pytest.approx(lag_s, abs=0.1)
    assert s["surrogate"]["p"] < 0.05
    assert s["surrogate"]["n"] == 99
    assert s["lead_fraction"][leader] > 0.5
    follower = "B" if leader == "A" else "A"
    assert s["who_leads"].startswith(f"{follower} follows {leader} by")


def test_independent_pairs_rarely_get_a_leader() -> None:
    """Over 12 independent pairs, at most 2 are called led (nominal: ~5 % are significant,
    and a leader also needs a non-zero median lag; P(>= 3 of 12 at 5 %) is about 2 %)."""
    led = 0
    for seed in range(12):
        a, b = _pair(0.0, 0.0, seed=100 + seed)
        s = analyze_pair(a, b, fs_hz=20.0, signal="head",
                         params=AnalysisParameters(n_surrogates=49, seed=seed)).summary
        led += s["leader"] != "none"
    assert led <= 2


def test_significant_but_simultaneous_has_no_leader() -> None:
    a, b = _pair(0.0, 0.95, seed=4)
    s = analyze_pair(a, b, fs_hz=20.0, signal="head", params=PARAMS).summary
    assert s["surrogate"]["p"] < 0.05
    assert s["leader"] == "none"
    assert s["who_leads"] == "no consistent leader"


def test_window_abs_max_and_mean() -> None:
    r = np.array([[0.1, -0.8, 0.3], [np.nan, np.nan, np.nan], [0.2, 0.4, np.nan]])
    np.testing.assert_allclose(window_abs_max(r), [0.8, np.nan, 0.4])
    assert mean_abs_peak_r(r) == pytest.approx(0.6)
    assert math.isnan(mean_abs_peak_r(np.full((2, 3), np.nan)))


def test_shuffle_segments_are_long_but_fit_the_recording() -> None:
    assert shuffle_segment_s(7.0, 600.0) == 30.0
    assert shuffle_segment_s(10.0, 600.0) == 40.0
    assert shuffle_segment_s(7.0, 60.0) == 15.0
    assert shuffle_segment_s(7.0, 20.0) == 7.0


def test_too_short_and_not_computed_blocks_keep_contract_keys() -> None:
    assert too_short_reason(200, 20.0, PARAMS) is None
    reason = too_short_reason(100, 20.0, PARAMS)
    assert reason is not None
    assert "5.0 s long" in reason
    block = json_safe(not_computed_summary(reason))
    assert block["leader"] == "none"
    assert block["median_peak_lag_s"] is None
    assert set(block["surrogate"]) >= {"method", "n", "z", "p"}


def test_json_is_strict(tmp_path: Path) -> None:
    write_json(tmp_path / "x.json", {"a": float("nan"), "b": np.float32(1.5), "c": [np.inf]})
    assert json.loads((tmp_path / "x.json").read_text()) == {"a": None, "b": 1.5, "c": [None]}


def test_analyze_run_writes_everything_from_frames(tmp_path: Path) -> None:
    frames = dyad_frames(duration_s=20, lag_s=0.4)
    run = TrackingRun(frames, {"path": "synthetic", "fps": 25.0, "n_frames": len(frames),
                               "duration_s": 20.0})
    summary = analyze_run(run, tmp_path / "out", params=AnalysisParameters(n_surrogates=19),
                          signal_names=["body", "head"])
    assert summary["signals"]["head"]["median_peak_lag_s"] == pytest.approx(0.4, abs=0.1)
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"summary.json", "wcc_body.csv", "wcc_head.csv", "signals.csv",
            "landmarks.parquet", "timeline.csv", "timeline.parquet", "episodes.csv"} <= names
    test = summary["signals"]["body"]["surrogate"]
    assert test["p_reading"] == "t_prediction"
    assert test["n_effective"] == pytest.approx(2.0)  # (20 - 2 x 5) / 7 -> at least 2
    assert any("short for the surrogate test" in w for w in summary["warnings"])
    assert not list(tmp_path.glob(".out.*"))  # no temporary directory left behind


def test_nobody_in_view_is_an_input_error(tmp_path: Path) -> None:
    frames = dyad_frames(duration_s=10)
    empty = [type(f)(f.timestamp_s, f.index, f.size_px, (type(f.people[0])(),
                                                         type(f.people[0])()), f.regions)
             for f in frames]
    run = TrackingRun(empty, {"path": "empty.mp4"})
    with pytest.raises(InputError, match="nobody in view"):
        analyze_run(run, tmp_path / "out", params=PARAMS, signal_names=["body"])
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("lag_s", [-1.5, -0.8, 0.6, 1.5])
def test_session_lag_is_not_pulled_toward_zero_by_rhythm(lag_s: float) -> None:
    """Rhythmic movement (a 0.5 Hz sway) makes the Boker peak nearest lag 0 land on a
    side lobe in many windows; the session lag (peak of the pooled lag profile) finds the
    true lag, and the leader rule uses it (lag > 0: A leads)."""
    fs = 20.0
    t = np.arange(int(120 * fs)) / fs
    rng = np.random.default_rng(3)

    def movement(t_s: np.ndarray, seed: int) -> np.ndarray:
        sway = np.sin(2 * np.pi * 0.5 * t_s + seed)
        return sway + 0.6 * driver(t_s, seed)

    a = movement(t, 1) + 0.3 * rng.standard_normal(t.size)
    b = 0.8 * movement(t - lag_s, 1) + 0.6 * driver(t, 9) + 0.3 * rng.standard_normal(t.size)
    result = analyze_pair(a, b, fs_hz=fs, signal="body", params=PARAMS)
    s = result.summary
    assert s["lag_s"] == pytest.approx(lag_s, abs=0.1)
    assert s["leader"] == ("A" if lag_s > 0 else "B")
    assert s["strength_statistic"] == "profile_peak_z"
    assert s["strength"] == pytest.approx(profile_peak_z(result.wcc.r))
    assert s["strength"] == pytest.approx(result.primary.statistic)
    assert "lag profile" in s["lag_estimator"]
