"""Known answers for the synchrony timeline (synchrony.analysis.timeline)."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from synchrony.analysis.episodes import (
    Episode,
    EpisodeReport,
    EpisodeRules,
    analysis_episodes,
    find_episodes,
    step_boundary,
    sustained_segments,
)
from synchrony.analysis.methods import (
    AnalysisParameters,
    MethodResult,
    MethodWindows,
    method_summary,
    register_method,
    session_surrogate_test,
    surrogate_block,
    verdict,
)
from synchrony.analysis.pair import analyze_signals
from synchrony.analysis.timeline import (
    COLUMNS,
    Timeline,
    TimelineRules,
    build_timeline,
    lag_band,
    local_strength,
    null_strengths,
    r_at_lag,
    states_of,
)
from synchrony.engine.lag_profile import profile_peak_lag_s
from synchrony.engine.lead import SIGN_CONVENTION
from synchrony.engine.surrogates import SurrogateTest, rearrangements
from synchrony.engine.wcc import windowed_xcorr
from synchrony.io.tidy import json_safe
from synchrony.signals.extract import SignalSet
from tests.fixtures.series import FS_HZ, lagged_pair


def timeline(n: int = 4, step_s: float = 0.5, window_s: float = 5.0) -> Timeline:
    start = 10.0 + step_s * np.arange(n)
    return Timeline(signal="body", window_start_s=start, window_end_s=start + window_s,
                    strength=np.linspace(0.1, 0.4, n), lag_s=np.full(n, 0.5),
                    chance_level=np.full(n, 0.2), state=np.array(["in_sync"] * n),
                    window_r=np.zeros(n), horizon_s=15.0)


def test_timeline_geometry_and_lookup() -> None:
    t = timeline()
    assert t.window_s == pytest.approx(5.0)
    assert t.step_s == pytest.approx(0.5)
    np.testing.assert_allclose(t.centre_s, [12.5, 13.0, 13.5, 14.0])
    assert t.window_at(13.1) == 1
    assert t.window_at(14.5) == 3  # exactly one step past the last centre
    assert t.window_at(14.6) is None
    assert t.window_at(11.9) is None


def test_r_at_lag_picks_the_nearest_grid_lag() -> None:
    r = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]])
    got = r_at_lag(r, np.array([-1.0, 0.0, 1.0]), np.array([0.6, -0.4, math.nan]))
    assert got[0] == pytest.approx(0.3)
    assert got[1] == pytest.approx(0.5)
    assert math.isnan(got[2])


def test_a_single_window_is_found_at_its_centre() -> None:
    one = timeline(n=1)
    assert one.step_s == pytest.approx(5.0)  # the window length when there is no step
    assert one.window_at(12.5) == 0
    assert one.window_at(17.6) is None


def test_columns_are_floats_and_state_words() -> None:
    t = timeline(n=2)
    ints = Timeline("head", np.arange(2), np.arange(2) + 5, np.array([1, 2]), np.array([0, 1]),
                    np.array([1, 1]), np.array(["in_sync", "unknown"]), np.zeros(2), 15.0)
    cols = ints.columns()
    assert list(cols) == list(COLUMNS)
    assert cols["signal"] == ["head", "head"]
    assert cols["state"] == ["in_sync", "unknown"]
    for name in COLUMNS[1:-1]:
        assert all(type(v) is float for v in cols[name]), name
    assert t.columns()["strength"] == pytest.approx([0.1, 0.4])


def test_horizon_windows_known_answers() -> None:
    assert TimelineRules().horizon_windows(0.5) == 50
    assert TimelineRules(horizon_s=10.0).horizon_windows(2.0) == 5
    assert TimelineRules(horizon_s=0.2).horizon_windows(0.5) == 1  # never fewer than 1


def test_local_strength_is_centred_by_default_and_searches_the_band_only() -> None:
    lags = np.array([-1.0, 0.0, 1.0])
    r = np.tanh(np.array([[0.0, 0.0, 3.0], [0.0, 1.0, 0.0], [0.0, 2.0, 0.0],
                          [0.0, 3.0, 0.0], [0.0, 4.0, 0.0]]))
    strength, lag, counts = local_strength(r, lags, horizon_windows=3)
    # centred horizons of 3 windows: the middle column's mean z is 0.5, 1, 2, 3, 3.5; in
    # window 0 the +1 s column's (3 + 0) / 2 beats it
    np.testing.assert_allclose(strength, [1.5, 1.0, 2.0, 3.0, 3.5])
    np.testing.assert_array_equal(counts, [2, 3, 3, 3, 2])
    assert lag[0] == 1.0  # at the edge column: no refinement
    assert lag[2] == pytest.approx(0.0)
    causal, _, n_causal = local_strength(r, lags, horizon_windows=3, causal=True)
    np.testing.assert_allclose(causal, [3.0, 1.5, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(n_causal, [1, 2, 3, 3, 3])
    band = np.array([True, True, False])  # the +1 s column is outside the band
    in_band, lag_in_band, _ = local_strength(r, lags, horizon_windows=3, lags=band)
    np.testing.assert_allclose(in_band, [0.5, 1.0, 2.0, 3.0, 3.5])
    assert np.all(lag_in_band <= 0.0)


# --------------------------------------------------------------------- surrogate nulls
PARAMS = AnalysisParameters(window_s=5.0, step_s=1.0, max_lag_s=1.0, n_surrogates=0, seed=3)
RULES = TimelineRules(horizon_s=5.0, lag_band_s=0.3, n_shifts=4, seed=3)
#: episodes of a few windows (the default sustain, 15 s, is 30 windows at a 0.5 s step)
SHORT_SUSTAIN = EpisodeRules(min_s=5.0)


def coupled(n: int = 240) -> tuple[np.ndarray, np.ndarray]:
    return lagged_pair(n, lag_samples=3, noise=0.5, seed=11)


def reference_nulls(a: np.ndarray, b: np.ndarray, shift_s: float, rules: TimelineRules,
                    windowing: str = "rmea") -> list[np.ndarray]:
    """The surrogate strengths, computed step by step from the definition."""
    out = []
    for idx in rearrangements(len(a), fs_hz=FS_HZ, method="circular_shift",
                              n_surrogates=rules.n_shifts, min_shift_s=shift_s, seed=rules.seed):
        g = windowed_xcorr(a, b[idx], fs_hz=FS_HZ, window_s=5.0, step_s=1.0, max_lag_s=1.0,
                           windowing=windowing)  # type: ignore[arg-type]
        band = lag_band(g.lags_s, profile_peak_lag_s(g), rules.lag_band_s)
        out.append(local_strength(g.r, g.lags_s, horizon_windows=5, lags=band)[0])
    return out


def test_null_strengths_shift_b_by_at_least_a_quarter_of_a_short_session() -> None:
    """24 s: the smallest shift is min(window + lag, 24 s / 4) = 6 s, 4 shifts, seeded."""
    a, b = coupled()
    got = [s for s, _ in null_strengths(a, b, fs_hz=FS_HZ, params=PARAMS, rules=RULES)]
    expected = reference_nulls(a, b, 6.0, RULES)
    assert len(got) == 4
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e)
    other = reference_nulls(a, b, 6.0, TimelineRules(horizon_s=5.0, lag_band_s=None,
                                                     n_shifts=4, seed=3))
    assert not np.allclose(np.concatenate(got), np.concatenate(other), equal_nan=True)
    boker = dataclasses.replace(PARAMS, windowing="boker")
    got_boker = [s for s, _ in null_strengths(a, b, fs_hz=FS_HZ, params=boker, rules=RULES)]
    for g, e in zip(got_boker, reference_nulls(a, b, 6.0, RULES, "boker"), strict=True):
        np.testing.assert_allclose(g, e)


def test_null_strengths_count_and_no_shifts() -> None:
    a, b = coupled()
    one = dataclasses.replace(RULES, n_shifts=1)
    assert len(list(null_strengths(a, b, fs_hz=FS_HZ, params=PARAMS, rules=one))) == 1
    none = dataclasses.replace(RULES, n_shifts=0)
    assert list(null_strengths(a, b, fs_hz=FS_HZ, params=PARAMS, rules=none)) == []


def test_build_timeline_defaults_to_the_analysis_seed_and_the_session_lag_band() -> None:
    a, b = coupled(400)
    g = windowed_xcorr(a, b, fs_hz=FS_HZ, window_s=5.0, step_s=1.0, max_lag_s=1.0)
    params = dataclasses.replace(PARAMS, seed=5)
    first = build_timeline("body", g, a, b, fs_hz=FS_HZ, origin_s=2.0, params=params)
    again = build_timeline("body", g, a, b, fs_hz=FS_HZ, origin_s=2.0, params=params)
    np.testing.assert_array_equal(first.chance_level, again.chance_level)
    seeded = build_timeline("body", g, a, b, fs_hz=FS_HZ, origin_s=2.0, params=params,
                            rules=TimelineRules(seed=5))
    np.testing.assert_array_equal(first.chance_level, seeded.chance_level)
    assert first.window_start_s[0] == pytest.approx(2.0)
    horizon = TimelineRules().horizon_windows(1.0)
    band = lag_band(g.lags_s, profile_peak_lag_s(g), TimelineRules().lag_band_s)
    assert not band.all()
    expected, _, _ = local_strength(g.r, g.lags_s, horizon_windows=horizon, lags=band)
    np.testing.assert_allclose(first.strength, expected)


# ------------------------------------------------------------------------------ episodes
def test_step_boundary_needs_two_values_on_each_side() -> None:
    assert step_boundary(np.array([0.0, 0.0, 0.0, 0.0, 1.0, 1.0]), 0, 6) == 4
    # the lone outlier at the end cannot be a side of its own: best split with >= 2 each side
    assert step_boundary(np.array([0.0, 0.0, 0.0, 0.0, 5.0]), 0, 5) == 3
    assert step_boundary(np.array([1.0, 1.0, 0.0, 0.0, 0.0, 0.0]), 0, 6) == 2
    assert step_boundary(np.array([1.0, 1.0, 3.0, 3.0]), 2, 2) is None  # empty range
    assert step_boundary(np.array([1.0, 1.0, 3.0, 3.0]), 4, 4) is None


def test_episode_report_json_round_trip_keeps_rules_names_and_missing_values() -> None:
    n = 3
    start = np.arange(n, dtype=float)
    tl = Timeline("head", start, start + 5.0, np.array([0.5, np.nan, 0.2]),
                  np.array([0.1, np.nan, 0.0]), np.array([0.3, np.nan, 0.3]),
                  np.array(["in_sync", "unknown", "not_in_sync"]), np.array([1, 0, 1]), 7.0)
    episode = Episode("head", "synchrony", 1.0, 4.0, math.nan, 3, 1.0)
    rules = EpisodeRules(min_windows=4, min_s=2.0, refine=False)
    trules = TimelineRules(horizon_s=7.0, lag_band_s=None, quantile=0.9, n_shifts=9, seed=2)
    data = json.loads(json.dumps(json_safe(EpisodeReport({"head": tl}, [episode], rules,
                                                         trules).to_json())))
    assert data["sign_convention"] == SIGN_CONVENTION
    assert data["rules"] == {"min_windows": 4, "min_s": 2.0, "refine": False}
    assert data["timeline_rules"]["quantile"] == 0.9
    assert "signal" not in data["signals"]["head"]
    assert all(type(v) is float for v in data["signals"]["head"]["window_r"])
    back = EpisodeReport.from_json(data)
    assert back.rules == rules
    assert back.timeline_rules == trules
    got = back.timelines["head"]
    assert got.signal == "head"
    assert type(got.horizon_s) is float
    assert got.horizon_s == 7.0
    assert got.window_r.dtype == np.float64
    np.testing.assert_array_equal(got.strength, tl.strength)
    assert got.state.dtype.kind == "U"
    assert math.isnan(back.episodes[0].strength)
    assert back.episodes[0].n_windows == 3
    # files written before the rules were stored read with the default rules
    del data["rules"], data["timeline_rules"]
    data["signals"]["head"]["window_r"] = [1, 0, 1]
    older = EpisodeReport.from_json(data)
    assert older.rules == EpisodeRules()
    assert older.timeline_rules == TimelineRules()
    assert older.timelines["head"].window_r.dtype == np.float64
    empty = dict(data, signals={"x": {**data["signals"]["head"], **{
        k: [] for k in (*COLUMNS[1:], "window_r")}}})
    assert EpisodeReport.from_json(empty).timelines["x"].state.dtype.kind == "U"


def test_analysis_episodes_use_the_rules_and_the_session_clock() -> None:
    a, b = coupled(400)
    signals = SignalSet(time_s=10.0 + np.arange(400) / FS_HZ, grid_hz=FS_HZ,
                        values={"A_body": a, "B_body": b}, detected_fraction={})
    analyses = analyze_signals(signals, PARAMS, ["body"])
    default = analysis_episodes(signals, analyses, PARAMS)
    assert default.rules == EpisodeRules()
    assert default.timeline_rules == TimelineRules(seed=PARAMS.seed)
    tl = default.timelines["body"]
    assert tl.window_start_s[0] == pytest.approx(10.0)
    assert default.episodes
    assert default.episodes == find_episodes(tl)
    strict = EpisodeRules(min_windows=10_000)
    short = TimelineRules(horizon_s=5.0, n_shifts=3, seed=1)
    custom = analysis_episodes(signals, analyses, PARAMS, strict, short)
    assert custom.rules == strict
    assert custom.timeline_rules == short
    assert custom.timelines["body"].horizon_s == 5.0
    assert custom.episodes == []
    nothing = SignalSet(time_s=np.array([]), grid_hz=FS_HZ, values={}, detected_fraction={})
    assert analysis_episodes(nothing, {}, PARAMS).episodes == []


# ----------------------------------------------------------------- methods: summary blocks
def test_analysis_parameters_dict_keeps_every_key() -> None:
    p = AnalysisParameters(window_s=4.0, step_s=0.25, max_lag_s=1.5, n_surrogates=99,
                           surrogate_method="segment_shuffle", seed=7, windowing="boker",
                           band_hz=(0.2, 2.0), recurrence_rate=0.1, embedding_dim=3,
                           embedding_delay_s=0.5, methods=("wcc", "phase"))
    assert p.as_dict() == {
        "window_s": 4.0, "step_s": 0.25, "max_lag_s": 1.5, "n_surrogates": 99,
        "surrogate_method": "segment_shuffle", "seed": 7, "wcc_method": "boker",
        "windowing": "boker", "band_hz": [0.2, 2.0], "recurrence_rate": 0.1,
        "embedding_dim": 3, "embedding_delay_s": 0.5, "methods": ["wcc", "phase"],
        "sign_convention": SIGN_CONVENTION}


def summary_of(lags: list[float], p: float) -> dict[str, object]:
    n = len(lags)
    windows = MethodWindows(np.arange(n, dtype=float), np.arange(n) + 5.0,
                            np.linspace(0.1, 0.5, n), np.array(lags))
    test = SurrogateTest("circular_shift", 99, 0.8, 0.2, 0.1, 6.0, p, np.zeros(99))
    return method_summary(MethodResult("toy", "body", 10.0, windows, "toy_stat", 0.8, test, {}))


def test_method_summary_reads_the_median_lag_and_the_leader_rule() -> None:
    s = summary_of([0.4, math.nan, 0.6, 0.5], 0.01)
    surrogate = s.pop("surrogate")
    assert s == {"strength": 0.8, "strength_statistic": "toy_stat", "lag_s": 0.5,
                 "leader": "A", "who_leads": "B follows A by 0.50 s", "n_windows": 4}
    assert isinstance(surrogate, dict)
    assert (surrogate["method"], surrogate["n"], surrogate["p"]) == ("circular_shift", 99, 0.01)
    none = summary_of([math.nan, math.nan], 0.01)
    assert math.isnan(none["lag_s"])  # type: ignore[arg-type]
    assert (none["leader"], none["who_leads"]) == ("none", "no consistent leader")
    weak = summary_of([-0.5], 0.2)
    assert (weak["leader"], weak["who_leads"]) == ("none", "no significant synchrony")


def test_without_a_test_nobody_is_named_and_the_words_say_not_tested() -> None:
    """case -> expected: --surrogates 0 (no test) and a +0.5 s lag -> leader "none", words
    "not tested" with the lag; a NaN p the same."""
    assert verdict(0.5, None, grid_hz=20.0) == (
        "none", "not tested (lag: B follows A by 0.50 s)")
    nan_p = SurrogateTest("circular_shift", 99, 0.8, 0.2, 0.1, 6.0, math.nan, np.zeros(99))
    assert verdict(-0.5, nan_p, grid_hz=20.0) == ("none", "not tested (lag: A follows B by 0.50 s)")


class _Named:
    name = "Not A Name"
    statistic = None

    def windows(self, a: np.ndarray, b: np.ndarray, *, fs_hz: float,
                params: AnalysisParameters) -> None:
        raise NotImplementedError

    def summarize(self, result: MethodResult) -> None:
        raise NotImplementedError


def test_register_method_says_what_is_wrong() -> None:
    with pytest.raises(ValueError, match=r"^method must implement SynchronyMethod \(name, "):
        register_method(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^method name must be lower-case letters, digits"):
        register_method(_Named())  # type: ignore[arg-type]


def states_timeline(states: list[str], window_r: np.ndarray | None = None) -> Timeline:
    """Windows every 0.5 s from 0 s, 5 s long (centres 2.5 s + k x 0.5 s)."""
    n = len(states)
    start = 0.5 * np.arange(n)
    strength = np.where(np.array(states) == "in_sync", 0.9, 0.2)
    r = np.tanh(strength) if window_r is None else window_r
    return Timeline("body", start, start + 5.0, strength, np.zeros(n), np.full(n, 0.4),
                    np.array(states), r, 5.0)


def test_sustained_segments_edges() -> None:
    high, low = 1, 0
    assert sustained_segments(np.array([high] * 3), 3) == [[high, 0, 3]]  # exactly sustain
    assert sustained_segments(np.array([high] * 2), 3) == []
    # a trailing blip is absorbed; a leading one (nothing to absorb it) is dropped
    assert sustained_segments(np.array([low] * 2 + [high] * 5 + [low]), 3) == [[high, 2, 8]]
    assert sustained_segments(np.array([high]), 1) == [[high, 0, 1]]


def test_one_window_rules_and_unrefined_boundaries() -> None:
    rules = EpisodeRules(min_windows=1, min_s=0.0, refine=False)
    (only,) = find_episodes(states_timeline(["in_sync"]), rules)
    assert (only.kind, only.start_s, only.end_s) == ("synchrony", 0.0, 5.0)  # step = window
    tl = states_timeline(["in_sync", "not_in_sync", "not_in_sync"])
    sync, rupture = find_episodes(tl, rules)
    assert sync.end_s == pytest.approx(2.75)  # half-way between the centres 2.5 and 3.0 s
    assert rupture.start_s == pytest.approx(2.75)


def test_every_adjacent_pair_of_stretches_gets_a_refined_boundary() -> None:
    """A gap (unknown windows) between the first two stretches does not stop the search."""
    states = ["in_sync"] * 10 + ["unknown"] * 2 + ["in_sync"] * 10 + ["not_in_sync"] * 10
    r = np.r_[np.full(12, 0.8), np.full(6, 0.8), np.full(14, 0.0)]  # r drops 4 windows early
    tl = states_timeline(states, r)
    kinds = [(e.kind, e.start_s) for e in find_episodes(tl, SHORT_SUSTAIN)]
    assert [k for k, _ in kinds] == ["synchrony", "synchrony", "rupture"]
    assert kinds[2][1] == pytest.approx(0.5 * (tl.centre_s[17] + tl.centre_s[18]))


def test_without_shifts_the_chance_level_and_the_state_are_unknown() -> None:
    a, b = coupled(400)
    a[150:260] = np.nan  # 11 s without A: the windows inside have no data
    g = windowed_xcorr(a, b, fs_hz=FS_HZ, window_s=5.0, step_s=1.0, max_lag_s=1.0)
    no_shifts = dataclasses.replace(RULES, n_shifts=0)
    tl = build_timeline("body", g, a, b, fs_hz=FS_HZ, origin_s=0.0, params=PARAMS,
                        rules=no_shifts)
    assert tl.chance_level.shape == tl.strength.shape
    assert np.isnan(tl.chance_level).all()
    assert set(tl.state) == {"unknown"}
    tl = build_timeline("body", g, a, b, fs_hz=FS_HZ, origin_s=0.0, params=PARAMS, rules=RULES)
    empty = ~np.isfinite(g.r).any(axis=1)
    assert empty.any()
    assert set(tl.state[empty]) == {"unknown"}
    assert np.isfinite(tl.strength[empty]).any()  # the horizon has data; the window has none
    assert "unknown" not in set(tl.state[~empty][5:-5])


def test_hysteresis_edges() -> None:
    strength = np.array([0.5, 0.3, 0.3, 0.5, 0.3, 0.2])
    chance = np.full(6, 0.4)
    exit_level = np.array([0.2, 0.3, np.nan, 0.2, 0.2, 0.2])
    known = np.array([True, True, True, True, True, True])
    states = states_of(strength, chance, np.full(6, 30), known, 30, exit_level=exit_level)
    # stays while strength > exit level (0.3 is not > 0.3); a NaN exit level falls back to
    # the chance level; at the exit level itself the state drops
    assert list(states) == ["in_sync", "not_in_sync", "not_in_sync", "in_sync", "in_sync",
                            "not_in_sync"]
    known[1] = False
    after_gap = states_of(strength, chance, np.full(6, 30), known, 30, exit_level=exit_level)
    assert list(after_gap[:3]) == ["in_sync", "unknown", "not_in_sync"]
    cont = states_of(strength[1:2], chance[:1], np.array([30]), np.array([True]), 30,
                     exit_level=np.array([0.2]), previous="in_sync")
    assert list(cont) == ["in_sync"]


def test_verdict_at_the_edges_of_the_leader_rule() -> None:
    test = SurrogateTest("circular_shift", 99, 0.8, 0.2, 0.1, 6.0, 0.05, np.zeros(99))
    assert verdict(0.5, test, grid_hz=10.0)[0] == "none"  # p = 0.05 is not < 0.05
    just = dataclasses.replace(test, p=0.0499)
    assert verdict(0.1, just, grid_hz=10.0)[0] == "A"  # one grid sample is a lead
    assert verdict(-0.1, just, grid_hz=10.0)[0] == "B"
    assert verdict(0.099, just, grid_hz=10.0)[0] == "none"
    assert verdict(0.15, just, grid_hz=5.0)[0] == "none"  # less than one sample at 5 Hz


def test_surrogate_block_keys_and_missing_test() -> None:
    test = SurrogateTest("segment_shuffle", 99, 0.8, 0.2, 0.1, 6.0, 0.03, np.zeros(99),
                         p_permutation=0.01, n_effective=8.0, reading="t_prediction")
    assert surrogate_block(test) == {
        "method": "segment_shuffle", "n": 99, "z": 6.0, "p": 0.03, "null_mean": 0.2,
        "null_sd": 0.1, "p_reading": "t_prediction", "n_effective": 8.0,
        "p_permutation": 0.01}
    empty = surrogate_block(None)
    assert empty["n"] == 0
    assert empty["method"] is None
    assert all(math.isnan(empty[k]) for k in ("z", "p", "null_mean", "null_sd",  # type: ignore[arg-type]
                                              "n_effective", "p_permutation"))


def test_session_test_runs_only_on_usable_data() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(600), rng.standard_normal(600)
    p = AnalysisParameters(n_surrogates=5, seed=1)
    stat = _sum_ab
    ok = np.ones(3)
    assert session_surrogate_test(a, b, fs_hz=10.0, statistic=stat, params=p,
                                  strength=ok) is not None
    half = a.copy()
    half[:300] = np.nan  # usable in exactly half of the samples: not run
    assert session_surrogate_test(half, b, fs_hz=10.0, statistic=stat, params=p,
                                  strength=ok) is None
    assert session_surrogate_test(a, b, fs_hz=10.0, statistic=stat, params=p,
                                  strength=np.full(3, np.nan)) is None
    one = session_surrogate_test(a, b, fs_hz=10.0, statistic=stat,
                                 params=dataclasses.replace(p, n_surrogates=1), strength=ok)
    assert one is not None
    assert one.n == 1
    seg = session_surrogate_test(a, b, fs_hz=10.0, statistic=stat, strength=ok,
                                 params=dataclasses.replace(p, surrogate_method="segment_shuffle"))
    assert seg is not None
    assert seg.method == "segment_shuffle"
    assert seg.n == 5  # 60 s: segments of a quarter (15 s), 5 of the 4! - 1 orders drawn
    long_a, long_b = rng.standard_normal(2000), rng.standard_normal(2000)
    wide = AnalysisParameters(window_s=10.0, max_lag_s=2.0, n_surrogates=100,
                              surrogate_method="segment_shuffle")
    segs = session_surrogate_test(long_a, long_b, fs_hz=10.0, statistic=stat, params=wide,
                                  strength=ok)
    assert segs is not None
    assert segs.n == 23  # 200 s in 4 x (10 + 2) = 48 s segments: 4 of them, all 23 orders
    again = session_surrogate_test(a, b, fs_hz=10.0, statistic=stat, params=p, strength=ok)
    first = session_surrogate_test(a, b, fs_hz=10.0, statistic=stat, params=p, strength=ok)
    assert again is not None
    assert first is not None
    np.testing.assert_array_equal(again.null, first.null)  # seeded by params.seed
    assert first.n_effective == pytest.approx(46 / 7)


def _sum_ab(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.nansum(a * b))


def test_a_rupture_can_follow_a_repair() -> None:
    states = (["in_sync"] * 12 + ["not_in_sync"] * 12) * 2 + ["in_sync"] * 12
    kinds = [e.kind for e in find_episodes(states_timeline(states), SHORT_SUSTAIN)]
    assert kinds == ["synchrony", "rupture", "repair", "rupture", "repair"]
