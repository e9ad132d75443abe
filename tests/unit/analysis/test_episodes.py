"""Episodes: synchrony, rupture and repair stretches from per-window peak |r|."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from synchrony.analysis.episodes import (
    CSV_HEADER,
    EpisodeRules,
    SignalTimeline,
    analysis_episodes,
    find_episodes,
    window_null_threshold,
)
from synchrony.analysis.pair import AnalysisParameters, analyze_signals, window_abs_max
from synchrony.engine.wcc import windowed_xcorr
from synchrony.io.episode_files import read_episode_report, write_episode_files
from synchrony.signals.extract import extract_signals
from tests.fixtures.sessions import smooth_driver, synthetic_frames

STEP_S = 0.5
WINDOW_S = 5.0


def timeline(r: np.ndarray, threshold: float = 0.6) -> SignalTimeline:
    """Windows every 0.5 s, centred at 2.5 s + k * 0.5 s."""
    centre = WINDOW_S / 2 + STEP_S * np.arange(len(r))
    return SignalTimeline("body", WINDOW_S, STEP_S, centre, np.asarray(r, float),
                          np.asarray(r, float), np.zeros(len(r)), threshold)


def series(*stretches: tuple[float, int], seed: int = 0) -> np.ndarray:
    """Concatenated stretches of (level, n_windows) with a little noise."""
    rng = np.random.default_rng(seed)
    r = np.concatenate([np.full(n, level) for level, n in stretches])
    return np.clip(r + rng.normal(0, 0.03, r.size), 0, 1)


def test_coupled_independent_coupled_gives_one_rupture_and_one_repair() -> None:
    tl = timeline(series((0.9, 40), (0.3, 30), (0.9, 40)))
    episodes = find_episodes(tl)
    assert [e.kind for e in episodes] == ["synchrony", "rupture", "repair"]
    sync, rupture, repair = episodes
    # windows 40-69 are low: the rupture spans their slots (centre -/+ half a step)
    assert rupture.start_s == pytest.approx(tl.centre_s[40] - STEP_S / 2, abs=STEP_S)
    assert rupture.end_s == pytest.approx(tl.centre_s[69] + STEP_S / 2, abs=STEP_S)
    assert repair.start_s == pytest.approx(tl.centre_s[70] - STEP_S / 2, abs=STEP_S)
    assert repair.end_s == pytest.approx(tl.centre_s[-1] + STEP_S / 2)
    assert sync.start_s == pytest.approx(tl.centre_s[0] - STEP_S / 2)
    assert rupture.n_windows == 30
    assert rupture.strength == pytest.approx(0.3, abs=0.02)
    assert repair.strength == pytest.approx(0.9, abs=0.02)


def test_short_dips_and_peaks_are_absorbed() -> None:
    # a 2-window dip inside coupling, a 5-window peak inside independence (< 6 = 3 s / 0.5 s)
    tl = timeline(series((0.9, 20), (0.3, 2), (0.9, 20), (0.3, 12), (0.9, 5), (0.3, 12)))
    assert [e.kind for e in find_episodes(tl)] == ["synchrony", "rupture"]
    assert EpisodeRules().sustain_windows(STEP_S) == 6
    assert EpisodeRules().sustain_windows(1.0) == 3


def test_rupture_needs_coupling_before_it_and_no_gap() -> None:
    assert [e.kind for e in find_episodes(timeline(series((0.3, 20), (0.9, 20))))] == \
        ["synchrony"]
    r = series((0.9, 20), (0.3, 20))
    r[20:24] = np.nan  # no data between the coupled and the independent stretch
    assert [e.kind for e in find_episodes(timeline(r))] == ["synchrony"]
    assert find_episodes(timeline(r, threshold=np.nan)) == []


def test_threshold_is_exceeded_by_about_5_percent_of_independent_windows() -> None:
    fs_hz = 20.0
    t = np.arange(int(300 * fs_hz)) / fs_hz
    a, b = smooth_driver(t, 1), smooth_driver(t, 2)
    params = AnalysisParameters(window_s=WINDOW_S, step_s=STEP_S, max_lag_s=2.0)
    threshold = window_null_threshold(a, b, fs_hz=fs_hz, params=params)
    r = window_abs_max(windowed_xcorr(a, b, fs_hz=fs_hz, window_s=WINDOW_S, step_s=STEP_S,
                                      max_lag_s=2.0).r)
    assert 0.3 < threshold < 1.0
    assert 0.0 < np.mean(r >= threshold) < 0.15
    assert np.isnan(window_null_threshold(a[:10], b[:10], fs_hz=fs_hz, params=params))


def test_end_to_end_coupled_independent_coupled_frames(tmp_path: Path) -> None:
    """Tracked frames: B follows A by 0.5 s, except from 20 s to 40 s (independent)."""
    fps = 10.0
    t = np.arange(int(60 * fps)) / fps
    coupled = np.where((t > 19) & (t < 41), np.clip(np.maximum(20.5 - t, t - 39.5), 0, 1),
                       1.0)  # 1 s cross-fades at 20 s and 40 s
    b = coupled * smooth_driver(t - 0.5, 1) + (1 - coupled) * smooth_driver(t, 2)
    signals = extract_signals(synthetic_frames(smooth_driver(t, 1), b, t), grid_hz=20.0)
    params = AnalysisParameters(window_s=WINDOW_S, step_s=STEP_S, max_lag_s=2.0,
                                n_surrogates=0)
    report = analysis_episodes(signals, analyze_signals(signals, params, ["body"]), params)
    ruptures = [e for e in report.episodes if e.kind == "rupture"]
    repairs = [e for e in report.episodes if e.kind == "repair"]
    assert len(ruptures) == 1
    assert len(repairs) == 1
    # a window sees the change up to half a window before its centre
    assert ruptures[0].start_s == pytest.approx(20.0, abs=WINDOW_S / 2)
    assert repairs[0].start_s == pytest.approx(40.0, abs=WINDOW_S / 2)
    assert ruptures[0].strength < report.timelines["body"].threshold_r < repairs[0].strength

    write_episode_files(tmp_path, report)
    back = read_episode_report(tmp_path / "episodes.json")
    assert back.episodes == report.episodes
    np.testing.assert_array_equal(back.timelines["body"].peak_abs_r,
                                  report.timelines["body"].peak_abs_r)
    with (tmp_path / "episodes.csv").open() as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_HEADER
    assert [row[1] for row in rows[1:]] == [e.kind for e in report.episodes]
    assert float(rows[2][2]) == pytest.approx(ruptures[0].start_s)
