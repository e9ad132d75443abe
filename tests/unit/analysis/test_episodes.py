"""Episodes: synchrony, rupture and repair stretches from the synchrony timeline."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from synchrony.analysis.episodes import (
    CSV_HEADER,
    EpisodeRules,
    analysis_episodes,
    find_episodes,
    step_boundary,
)
from synchrony.analysis.pair import AnalysisParameters, analyze_signals
from synchrony.analysis.timeline import Timeline
from synchrony.io.episode_files import read_episode_report, write_episode_files
from synchrony.signals.extract import extract_signals
from tests.fixtures.sessions import smooth_driver, synthetic_frames

STEP_S = 0.5
WINDOW_S = 5.0


def timeline(states: list[str], window_r: np.ndarray | None = None,
             horizon_s: float = 15.0) -> Timeline:
    """Windows every 0.5 s starting at 0 (centres at 2.5 s + k * 0.5 s)."""
    n = len(states)
    start = STEP_S * np.arange(n)
    strength = np.array([0.9 if s == "in_sync" else 0.2 if s == "not_in_sync" else np.nan
                         for s in states])
    r = np.tanh(strength) if window_r is None else window_r
    return Timeline("body", start, start + WINDOW_S, strength, np.full(n, 0.5),
                    np.full(n, 0.4), np.array(states), r, horizon_s)


def run(*stretches: tuple[str, int]) -> list[str]:
    return [state for state, n in stretches for _ in range(n)]


def test_coupled_independent_coupled_gives_one_rupture_and_one_repair() -> None:
    tl = timeline(run(("in_sync", 40), ("not_in_sync", 30), ("in_sync", 40)))
    episodes = find_episodes(tl)
    assert [e.kind for e in episodes] == ["synchrony", "rupture", "repair"]
    sync, rupture, repair = episodes
    # the step fit puts each boundary between windows 39|40 and 69|70
    assert rupture.start_s == pytest.approx(0.5 * (tl.centre_s[39] + tl.centre_s[40]))
    assert rupture.end_s == pytest.approx(0.5 * (tl.centre_s[69] + tl.centre_s[70]))
    assert repair.start_s == rupture.end_s
    assert repair.end_s == pytest.approx(tl.centre_s[-1] + STEP_S / 2)
    assert sync.start_s == pytest.approx(tl.centre_s[0] - STEP_S / 2)
    assert rupture.n_windows == 30
    assert rupture.strength == pytest.approx(0.2)
    assert repair.strength == pytest.approx(0.9)
    assert [e.confidence for e in episodes] == [1.0, 1.0, 1.0]


def test_boundaries_follow_the_unsmoothed_windows_not_the_smoothed_states() -> None:
    """The smoothed state turns late; the step fit on window r finds the true change."""
    states = run(("in_sync", 50), ("not_in_sync", 50))
    r = np.r_[np.full(40, 0.7), np.full(60, 0.05)] + np.random.default_rng(1).normal(0, .05, 100)
    (sync, rupture) = find_episodes(timeline(states, r))
    tl = timeline(states, r)
    assert rupture.start_s == pytest.approx(0.5 * (tl.centre_s[39] + tl.centre_s[40]))
    assert sync.end_s == rupture.start_s
    unrefined = find_episodes(timeline(states, r), EpisodeRules(refine=False))[1]
    assert unrefined.start_s == pytest.approx(tl.centre_s[50] - STEP_S / 2)


def test_step_boundary_known_answer() -> None:
    y = np.array([1.0, 1.1, 0.9, 1.0, 0.0, 0.1, np.nan, -0.1, 0.0])
    assert step_boundary(y, 0, len(y)) == 4
    assert step_boundary(y, 2, 9) == 4
    assert step_boundary(np.array([1.0, np.nan, 0.0]), 0, 3) is None


def test_short_dips_and_peaks_are_absorbed() -> None:
    # sustain = max(3, ceil(15 s / 0.5 s)) = 30 windows
    tl = timeline(run(("in_sync", 60), ("not_in_sync", 12), ("in_sync", 60),
                      ("not_in_sync", 45), ("in_sync", 29), ("not_in_sync", 45)))
    episodes = find_episodes(tl)
    assert [e.kind for e in episodes] == ["synchrony", "rupture"]
    assert episodes[0].confidence == pytest.approx(120 / 132)
    assert EpisodeRules().sustain_windows(STEP_S) == 30
    assert EpisodeRules().sustain_windows(1.0) == 15
    assert EpisodeRules(min_s=1.0).sustain_windows(1.0) == 3  # never fewer than min_windows


def test_missing_windows_end_an_episode() -> None:
    """A rupture needs coupling directly before it: unknown windows in between break it."""
    assert [e.kind for e in find_episodes(timeline(run(("not_in_sync", 40),
                                                       ("in_sync", 40))))] == ["synchrony"]
    states = run(("in_sync", 40), ("unknown", 4), ("not_in_sync", 40))
    (only,) = find_episodes(timeline(states))
    assert only.kind == "synchrony"
    assert only.end_s == pytest.approx(timeline(states).centre_s[39] + STEP_S / 2)
    assert find_episodes(timeline(run(("unknown", 30)))) == []


def test_end_to_end_coupled_independent_coupled_frames(tmp_path: Path) -> None:
    """Tracked frames: B follows A by 0.5 s, except from 30 s to 60 s (independent)."""
    fps = 10.0
    t = np.arange(int(90 * fps)) / fps
    coupled = np.where((t > 29) & (t < 61), np.clip(np.maximum(30.5 - t, t - 59.5), 0, 1),
                       1.0)  # 1 s cross-fades at 30 s and 60 s
    # coupled: 0.8 x A's movement 0.5 s earlier + 0.6 x B's own; independent: another own
    # movement. One deterministic dyad: accuracy over many dyads is bench/episodes.py's job.
    b = coupled * (0.8 * smooth_driver(t - 0.5, 1) + 0.6 * smooth_driver(t, 3)) \
        + (1 - coupled) * smooth_driver(t, 4)
    signals = extract_signals(synthetic_frames(smooth_driver(t, 1), b, t), grid_hz=20.0)
    params = AnalysisParameters(window_s=WINDOW_S, step_s=STEP_S, max_lag_s=2.0,
                                n_surrogates=0)
    report = analysis_episodes(signals, analyze_signals(signals, params, ["body"]), params)
    ruptures = [e for e in report.episodes if e.kind == "rupture"]
    repairs = [e for e in report.episodes if e.kind == "repair"]
    assert len(ruptures) == 1
    assert len(repairs) == 1
    assert ruptures[0].start_s == pytest.approx(30.0, abs=3.0)
    assert repairs[0].start_s == pytest.approx(60.0, abs=3.0)
    assert ruptures[0].strength < repairs[0].strength

    write_episode_files(tmp_path, report)
    back = read_episode_report(tmp_path / "episodes.json")
    assert back is not None
    assert back.episodes == report.episodes
    for name in ("strength", "lag_s", "chance_level", "window_r"):
        np.testing.assert_array_equal(getattr(back.timelines["body"], name),
                                      getattr(report.timelines["body"], name))
    np.testing.assert_array_equal(back.timelines["body"].state, report.timelines["body"].state)
    with (tmp_path / "episodes.csv").open() as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_HEADER
    assert [row[1] for row in rows[1:]] == [e.kind for e in report.episodes]
    assert float(rows[2][2]) == pytest.approx(ruptures[0].start_s)
    with (tmp_path / "timeline.csv").open() as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == ("signal", "window_start_s", "window_end_s", "strength", "lag_s",
                              "chance_level", "state")
    assert len(rows) - 1 == len(report.timelines["body"].state)


def test_older_episode_files_are_recomputed_not_misread(tmp_path: Path) -> None:
    path = tmp_path / "episodes.json"
    path.write_text('{"schema": "synchrony.episodes/1", "signals": {}, "episodes": []}')
    assert read_episode_report(path) is None
