"""Tests of synchrony.plots: PNGs are written, readable and say the sign convention.

Synthetic data with a known answer: A is smoothed noise at 25 Hz, B is A delayed by 0.4 s
plus a little noise, so A leads and the peak path sits near lag +0.4 s.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import math
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from synchrony.analysis.pair import AnalysisParameters, SignalAnalysis, analyze_pair
from synchrony.engine.lead import SIGN_CONVENTION
from synchrony.render import plots
from synchrony.signals.extract import SignalSet

FS_HZ = 25.0
DELAY_S = 0.4
PARAMS = AnalysisParameters(window_s=5.0, step_s=1.0, max_lag_s=1.0, n_surrogates=19)


def _smooth_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    kernel = np.hanning(15)
    return np.convolve(rng.standard_normal(n + 200), kernel / kernel.sum(), mode="same")[100:-100]


def _pair(duration_s: float = 40.0, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(A, B) with B = A delayed by DELAY_S plus noise."""
    rng = np.random.default_rng(seed)
    n, delay = int(duration_s * FS_HZ), int(round(DELAY_S * FS_HZ))
    source = _smooth_noise(n + delay, rng)
    a = source[delay:]
    b = source[:n] + 0.05 * rng.standard_normal(n)
    return a, b


def _signal_set(a: np.ndarray, b: np.ndarray, t0: float = 3.0) -> SignalSet:
    return SignalSet(time_s=t0 + np.arange(len(a)) / FS_HZ, grid_hz=FS_HZ,
                     values={"A_body": a, "B_body": b}, detected_fraction={})


@functools.cache
def _case(name: str) -> tuple[SignalAnalysis, SignalSet]:
    a, b = _pair()
    params = PARAMS
    if name == "all_nan":
        a, b = np.full_like(a, np.nan), np.full_like(b, np.nan)
    elif name == "no_surrogate":
        params = dataclasses.replace(PARAMS, n_surrogates=0)
    elif name == "single_window":
        a, b = a[:150], b[:150]  # 6 s: exactly one 5 s window with 1 s of lag room
    elif name == "gaps":
        a, b = a.copy(), b.copy()
        a[200:320] = np.nan
    analysis = analyze_pair(a, b, fs_hz=FS_HZ, signal="body", params=params)
    if name == "no_peaks":
        nan = np.full_like(analysis.peaks.peak_lag_s, np.nan)
        peaks = dataclasses.replace(analysis.peaks, peak_lag_s=nan, peak_r=nan)
        wcc = analysis.results["wcc"]
        windows = dataclasses.replace(wcc.windows, lag_s=nan,
                                      detail=dataclasses.replace(wcc.detail, peaks=peaks))
        analysis = dataclasses.replace(
            analysis, results={"wcc": dataclasses.replace(wcc, windows=windows, summary={})})
    return analysis, _signal_set(a, b)


CASES = ("synchronous", "all_nan", "no_surrogate", "single_window", "gaps", "no_peaks")


@pytest.fixture(scope="module")
def synchronous() -> tuple[SignalAnalysis, SignalSet]:
    return _case("synchronous")


def test_synthetic_fixture_has_the_known_answer(synchronous):
    analysis, _ = synchronous
    assert analysis.summary["median_peak_lag_s"] == pytest.approx(DELAY_S, abs=1.5 / FS_HZ)
    assert analysis.surrogate is not None


@pytest.mark.parametrize("case", CASES)
def test_write_analysis_plots_writes_valid_pngs(case, tmp_path):
    analysis, signals = _case(case)
    paths = plots.write_analysis_plots({"body": analysis}, signals, tmp_path / "out")
    assert [p.name for p in paths] == ["wcc_body.png", "lag_profile_body.png",
                                       "signals_body.png"]
    for path in paths:
        assert path.is_file()
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        image = imread(path)
        assert image.shape[1] >= 600
        assert image.shape[0] >= 400
        assert image.std() > 0.01  # not a blank canvas


def test_each_plot_function_returns_its_path(synchronous, tmp_path):
    analysis, signals = synchronous
    target = tmp_path / "new" / "dir"
    assert plots.plot_wcc_heatmap(analysis, target / "h.png") == target / "h.png"
    assert plots.plot_lag_profile(analysis, str(target / "p.png")) == target / "p.png"
    assert plots.plot_signals(signals, "body", target / "s.png") == target / "s.png"
    assert all((target / f).is_file() for f in ("h.png", "p.png", "s.png"))


def _figures(analysis: SignalAnalysis, signals: SignalSet):
    return {
        "heatmap": plots.wcc_heatmap_figure(analysis),
        "lag_profile": plots.lag_profile_figure(analysis),
        "signals": plots.signals_figure(signals, "body"),
    }


@pytest.mark.parametrize("kind", ["heatmap", "lag_profile", "signals"])
def test_every_plot_states_the_sign_convention(synchronous, kind):
    fig = _figures(*synchronous)[kind]
    text = plots.figure_text(fig)
    assert SIGN_CONVENTION in text
    assert "A leads" in text
    assert "B follows" in text


def test_lag_axes_say_which_side_means_which_leader(synchronous):
    figs = _figures(*synchronous)
    heat_ax = figs["heatmap"].axes[0]
    profile_ax = figs["lag_profile"].axes[0]
    for label in (heat_ax.get_ylabel(), profile_ax.get_xlabel()):
        assert "lag (s)" in label
        assert label.index("B leads") < label.index("A leads")  # negative side first


def test_heatmap_caption_summarises_the_analysis(synchronous):
    analysis, _ = synchronous
    caption = plots.wcc_heatmap_figure(analysis).axes[0].get_title(loc="left")
    assert f"strength = {analysis.summary['strength']:.2f} z (lag-profile peak)" in caption
    lag_s = analysis.summary["lag_s"]
    assert lag_s == pytest.approx(0.40, abs=0.03)  # the session lag (lag profile's peak)
    assert f"lag = {lag_s:+.2f} s (median window peak +0.40 s)" in caption
    assert str(analysis.summary["who_leads"]) in caption
    assert f"n = {analysis.surrogate.n}" in caption
    assert "z = " in caption
    assert "p = " in caption


def test_heatmap_peak_path_skips_windows_without_a_peak(synchronous):
    analysis, _ = synchronous
    ax = plots.wcc_heatmap_figure(analysis, time_offset_s=100.0).axes[0]
    (path,) = [line for line in ax.get_lines() if line.get_marker() == "o"]
    x, y = path.get_xdata(), path.get_ydata()
    found = np.isfinite(analysis.peaks.peak_lag_s)
    assert len(x) == found.sum()
    assert np.allclose(x, analysis.wcc.window_center_s[found] + 100.0)
    assert np.allclose(y, analysis.peaks.peak_lag_s[found])


def test_heatmap_colour_scale_is_fixed_and_labelled(synchronous):
    fig = plots.wcc_heatmap_figure(synchronous[0])
    (mesh,) = fig.axes[0].collections
    assert mesh.get_clim() == (-1.0, 1.0)
    assert mesh.get_cmap().name.startswith(plots.R_COLORMAP)
    assert "Pearson r" in plots.figure_text(fig)


def test_lag_profile_shows_the_null_only_with_a_surrogate_test(synchronous):
    with_test = plots.lag_profile_figure(synchronous[0])
    assert len(with_test.axes) == 2
    assert "observed" in plots.figure_text(with_test)
    # the histogram is of the session statistic the test used, named as in summary.json
    statistic = synchronous[0].summary["strength_statistic"]
    assert with_test.axes[1].get_xlabel() == f"{statistic} (surrogate pairs)"
    assert statistic == "profile_peak_z"
    without, _ = _case("no_surrogate")
    fig = plots.lag_profile_figure(without)
    assert len(fig.axes) == 1
    assert "no surrogate test" in fig.axes[0].get_title(loc="left")


def test_lag_profile_stats_ignore_nan_without_warnings():
    r = np.array([[0.1, np.nan, np.nan], [0.3, 0.5, np.nan]])
    stats = plots.lag_profile_stats(r)
    assert np.allclose(stats["mean"][:2], [0.2, 0.5])
    assert math.isnan(stats["mean"][2])
    assert stats["n"].tolist() == [2, 1, 0]


def test_all_nan_heatmap_says_so():
    analysis, _ = _case("all_nan")
    text = plots.figure_text(plots.wcc_heatmap_figure(analysis))
    assert "r is undefined in every window" in text
    assert "n/a" in text


def test_signals_use_the_person_colours(synchronous):
    fig = plots.signals_figure(synchronous[1], "body")
    colours = [ax.get_lines()[0].get_color() for ax in fig.axes]
    assert colours == [plots.PERSON_COLOURS["A"], plots.PERSON_COLOURS["B"]]
    assert "body widths/s" in plots.figure_text(fig)


def test_signals_missing_column_is_a_value_error(synchronous):
    with pytest.raises(ValueError, match="A_face"):
        plots.signals_figure(synchronous[1], "face")


def test_module_never_uses_pyplot():
    tree = ast.parse(Path(plots.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert not any("pyplot" in name for name in imported)
    assert "matplotlib.use" not in Path(plots.__file__).read_text()
