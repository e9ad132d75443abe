"""Static PNG plots of an analysis: WCC heatmap, lag profile and the two people's signals.

Written by ``synchrony analyze`` next to ``summary.json``. Figures are built on
:class:`matplotlib.figure.Figure` with an Agg canvas, never through ``pyplot``, so importing
this module neither picks nor changes matplotlib's global backend (the dashboard may embed
matplotlib later). Each ``*_figure`` function returns the figure (tests and the GUI inspect
it); each ``plot_*`` function builds the figure and writes it as a PNG.

Sign convention (printed on every plot): lag > 0 means **A leads and B follows**.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch
from matplotlib.text import Text

from synchrony.analysis.pair import SignalAnalysis
from synchrony.engine.lead import SIGN_CONVENTION
from synchrony.engine.surrogates import SurrogateTest
from synchrony.render.jobs import PlotJob
from synchrony.render.style import PERSON_COLOURS
from synchrony.signals.extract import SignalSet
from synchrony.signals.registry import signal_names, unit_of

#: Fixed colour of each person, shared with the dashboard (A = blue, B = orange;
#: distinguishable with the common colour-vision deficiencies).
#: Diverging, colour-blind-safe map for Pearson r, always spanning -1 ... 1.
R_COLORMAP = "RdBu_r"
#: Colour of cells where r is undefined (NaN).
NAN_COLOUR = "#d9d9d9"
DPI = 150
#: Label of every lag axis. It reads "B leads" on the negative side and "A leads" on the
#: positive side both horizontally and rotated (a y axis reads bottom to top).
LAG_AXIS_LABEL = "B leads  ←    lag (s)    →  A leads"
FOOTER = f"Sign convention: {SIGN_CONVENTION}."
_FOOTER_HEIGHT = 0.06  # fraction of the figure height kept free for the footer


# --------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------
def new_figure(width_in: float, height_in: float) -> Figure:
    """Create a figure with an Agg canvas, constrained layout and room for the footer.

    Parameters
    ----------
    width_in, height_in : figure size in inches (at :data:`DPI` dots per inch).

    Returns
    -------
    Figure
        An empty figure whose bottom :data:`_FOOTER_HEIGHT` is kept free of axes.
    """
    layout = ConstrainedLayoutEngine(rect=(0.0, _FOOTER_HEIGHT, 1.0, 1.0 - _FOOTER_HEIGHT))
    fig = Figure(figsize=(width_in, height_in), dpi=DPI, layout=layout)
    FigureCanvasAgg(fig)
    fig.text(0.01, _FOOTER_HEIGHT / 2, FOOTER, ha="left", va="center", fontsize=8.5,
             color="0.25")
    return fig


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as a PNG at :data:`DPI`, creating parent folders.

    Parameters
    ----------
    fig : the figure to write.
    path : destination file; its folder is created if needed.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=DPI, format="png", facecolor="white")
    return out


def figure_text(fig: Figure) -> str:
    """All text drawn on ``fig`` (figure texts, titles, axis labels, legends), one per line.

    Lets tests and callers check what a figure says without reading pixels.
    """
    texts = [t.get_text() for t in fig.findobj(Text) if isinstance(t, Text)]
    return "\n".join(t for t in texts if t)


def _fmt(value: object, spec: str = ".2f", unit: str = "") -> str:
    """Format a number, or ``"n/a"`` for None / NaN / non-numbers."""
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "n/a"
    return f"{value:{spec}}{unit}"


def _cell_edges(centres: np.ndarray, default_width: float) -> np.ndarray:
    """Edges of cells centred on ascending ``centres`` (one more than ``centres``).

    A single centre gets a cell ``default_width`` wide.
    """
    c = np.asarray(centres, dtype=np.float64)
    if c.size == 0:
        return np.array([-default_width / 2, default_width / 2])
    if c.size == 1:
        return np.array([c[0] - default_width / 2, c[0] + default_width / 2])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[2 * c[0] - mid[0]], mid, [2 * c[-1] - mid[-1]]])


def _extent(values: np.ndarray, pad: float) -> tuple[float, float]:
    """Finite range of ``values``, widened by ``pad`` each side if it is a single point.

    ``(-pad, pad)`` when nothing is finite, so an axis always has a usable range.
    """
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return -pad, pad
    lo, hi = float(finite.min()), float(finite.max())
    return (lo - pad, hi + pad) if hi <= lo else (lo, hi)


def _r_colormap() -> Colormap:
    """Return the r colour map with NaN drawn in :data:`NAN_COLOUR`."""
    return colormaps[R_COLORMAP].with_extremes(bad=NAN_COLOUR)


def _note_no_data(ax: Axes, message: str) -> None:
    """Write ``message`` in the middle of an axes that has nothing to show."""
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
            fontsize=11, color="0.3", bbox={"facecolor": "white", "edgecolor": "0.6"})


def _signal_title(analysis: SignalAnalysis, what: str, title: str | None) -> str:
    """``title`` if given, else ``"<what>: <signal>"``."""
    return title if title is not None else f"{what}: {analysis.signal}"


# --------------------------------------------------------------------------------------
# summary caption
# --------------------------------------------------------------------------------------
def surrogate_text(test: SurrogateTest | None) -> str:
    """One phrase on the surrogate test, e.g. ``"surrogates (circular shift, n = 199): ..."``."""
    if test is None:
        return "no surrogate test"
    method = test.method.replace("_", " ")
    return (f"surrogates ({method}, n = {test.n}): z = {_fmt(test.z)}, "
            f"p = {_fmt(test.p, '.3f')}")


def summary_caption(analysis: SignalAnalysis) -> str:
    """Two caption lines: strength, lag and who leads; then the surrogate test.

    Parameters
    ----------
    analysis : one signal's analysis; missing summary entries print as ``"n/a"``.

    Returns
    -------
    str
        e.g. ``"strength = 0.62 z (lag-profile peak)  ·  lag = +0.40 s (median window peak
        +0.35 s)  ·  B follows A by 0.40 s"``
        and, on a second line, ``"surrogates (circular shift, n = 199): z = 4.10, p = 0.005"``.
    """
    s = analysis.summary
    return (f"strength = {_fmt(s.get('strength'))} z (lag-profile peak)  ·  "
            f"lag = {_fmt(s.get('lag_s'), '+.2f', ' s')} (median window peak "
            f"{_fmt(s.get('median_peak_lag_s'), '+.2f', ' s')})  ·  "
            f"{s.get('who_leads', 'who leads: n/a')}\n{surrogate_text(analysis.surrogate)}")


# --------------------------------------------------------------------------------------
# 1. WCC heatmap
# --------------------------------------------------------------------------------------
def wcc_heatmap_figure(analysis: SignalAnalysis, *, title: str | None = None,
                       time_offset_s: float = 0.0) -> Figure:
    """Build the lag x time heatmap of r with the peak path (see :func:`plot_wcc_heatmap`)."""
    wcc = analysis.wcc
    times = wcc.window_center_s + time_offset_s
    fig = new_figure(10.0, 5.6)
    ax = fig.add_subplot()
    mesh = ax.pcolormesh(_cell_edges(times, wcc.step_s),
                         _cell_edges(wcc.lags_s, 1.0 / wcc.fs_hz),
                         np.ma.masked_invalid(wcc.r.T), cmap=_r_colormap(), vmin=-1.0,
                         vmax=1.0, shading="flat", rasterized=True)
    fig.colorbar(mesh, ax=ax, label="Pearson r", pad=0.01, fraction=0.04)
    ax.axhline(0.0, color="0.15", linestyle="--", linewidth=0.9)
    _draw_peak_path(ax, times, analysis.peaks.peak_lag_s)
    ax.set_xlabel("time (s, window centre)")
    ax.set_ylabel(LAG_AXIS_LABEL)
    ax.set_title(summary_caption(analysis), fontsize=9.5, loc="left")
    fig.suptitle(_signal_title(analysis, "Windowed cross-correlation", title),
                 fontsize=13, x=0.01, ha="left")
    if not np.isfinite(wcc.r).any():
        _note_no_data(ax, "r is undefined in every window")
    handles, _ = ax.get_legend_handles_labels()
    if np.isnan(wcc.r).any():
        handles.append(Patch(facecolor=NAN_COLOUR, edgecolor="0.5", label="r undefined"))
    ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8,
              frameon=False, borderaxespad=0.1)
    return fig


def _draw_peak_path(ax: Axes, times: np.ndarray, peak_lag_s: np.ndarray) -> None:
    """Dots at each window's peak lag; windows without a peak are skipped."""
    found = np.isfinite(peak_lag_s)
    size = 4.0 if times.size <= 120 else 2.5
    ax.plot(times[found], peak_lag_s[found], linestyle="none", marker="o", markersize=size,
            color="black", markeredgecolor="white", markeredgewidth=0.5,
            label=f"peak of each window ({int(found.sum())} of {found.size})")


def plot_wcc_heatmap(analysis: SignalAnalysis, path: str | Path, *, title: str | None = None,
                     time_offset_s: float = 0.0) -> Path:
    """Write a heatmap of the WCC grid: lag (y) x window centre time (x), r as colour.

    Parameters
    ----------
    analysis : one signal's analysis (grid, peaks, surrogate test, summary).
    path : PNG file to write.
    title : figure title; default ``"Windowed cross-correlation: <signal>"``.
    time_offset_s : added to the window centres (seconds from the first sample), e.g.
        the first grid time, so the x axis matches the signal plot.

    Returns
    -------
    Path
        The PNG written. The plot shows r on a fixed -1 ... 1 diverging scale (NaN cells
        light grey), the Boker peak of each window as dots, a dashed line at lag 0, the
        summary (strength, session lag, who leads, surrogate z and p) and the sign
        convention: lag > 0 means A leads and B follows.
    """
    fig = wcc_heatmap_figure(analysis, title=title, time_offset_s=time_offset_s)
    return save_figure(fig, path)


# --------------------------------------------------------------------------------------
# 2. lag profile (+ surrogate null)
# --------------------------------------------------------------------------------------
def lag_profile_stats(r: np.ndarray) -> dict[str, np.ndarray]:
    """Per-lag mean, quartiles and count of the finite r over windows.

    Parameters
    ----------
    r : (n_windows, n_lags) Pearson r, NaN where undefined.

    Returns
    -------
    dict
        ``"mean"``, ``"q25"``, ``"q75"`` (n_lags,), NaN for a lag with no finite r, and
        ``"n"`` (n_lags,) the number of finite values. Computed without NaN warnings.
    """
    n_lags = r.shape[1] if r.ndim == 2 else 0
    out = {k: np.full(n_lags, np.nan) for k in ("mean", "q25", "q75")}
    out["n"] = np.zeros(n_lags, dtype=int)
    for j in range(n_lags):
        col = r[:, j][np.isfinite(r[:, j])]
        if col.size:
            out["mean"][j] = col.mean()
            out["q25"][j], out["q75"][j] = np.percentile(col, [25.0, 75.0])
            out["n"][j] = col.size
    return out


def lag_profile_figure(analysis: SignalAnalysis) -> Figure:
    """Build the lag profile, with the surrogate null beside it (see :func:`plot_lag_profile`)."""
    test = analysis.surrogate
    fig = new_figure(11.0 if test is not None else 8.0, 5.0)
    if test is None:
        ax = fig.add_subplot()
    else:
        ax, ax_null = fig.subplots(1, 2, width_ratios=(2.2, 1.0))
        _draw_null(ax_null, test, str(analysis.summary.get("strength_statistic")
                                      or "session statistic"))
    _draw_profile(ax, analysis)
    ax.set_title(summary_caption(analysis), fontsize=9, loc="left")
    fig.suptitle(f"Lag profile: {analysis.signal}", fontsize=13, x=0.01, ha="left")
    return fig


def _draw_profile(ax: Axes, analysis: SignalAnalysis) -> None:
    """Mean r per lag with its interquartile band, lag 0 and the median peak lag."""
    lags = analysis.wcc.lags_s
    stats = lag_profile_stats(analysis.wcc.r)
    ax.fill_between(lags, stats["q25"], stats["q75"], color=PERSON_COLOURS["A"], alpha=0.2,
                    linewidth=0, label="interquartile range over windows")
    ax.plot(lags, stats["mean"], color=PERSON_COLOURS["A"], linewidth=2,
            marker="o" if lags.size == 1 else None, label="mean r over windows")
    ax.axvline(0.0, color="0.15", linestyle="--", linewidth=0.9)
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    session_lag = analysis.summary.get("lag_s")
    if isinstance(session_lag, int | float) and math.isfinite(session_lag):
        ax.axvline(session_lag, color="black", linewidth=1.5,
                   label=f"session lag {session_lag:+.2f} s (peak of the mean z profile)")
    if not np.isfinite(stats["mean"]).any():
        ax.set_ylim(-1.0, 1.0)
        _note_no_data(ax, "r is undefined in every window")
    ax.set_xlim(*_extent(lags, 1.0 / analysis.wcc.fs_hz))
    ax.set_xlabel(LAG_AXIS_LABEL)
    ax.set_ylabel("Pearson r")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8, framealpha=0.85)


def _draw_null(ax: Axes, test: SurrogateTest, statistic: str) -> None:
    """Histogram of the surrogate ``statistic`` (its name) with the observed value and p."""
    null = np.asarray(test.null, dtype=np.float64)
    null = null[np.isfinite(null)]
    if null.size:
        ax.hist(null, bins=min(30, max(5, null.size // 5)), color="0.6", edgecolor="white")
    else:
        _note_no_data(ax, "no finite surrogate value")
    if math.isfinite(test.observed):
        ax.axvline(test.observed, color="#b2182b", linewidth=2,
                   label=f"observed {test.observed:.3f}")
        ax.legend(loc="best", fontsize=8, framealpha=0.85)
    ax.set_title(f"surrogate null ({test.method.replace('_', ' ')}, n = {test.n})\n"
                 f"z = {_fmt(test.z)},  p = {_fmt(test.p, '.3f')}", fontsize=9.5)
    ax.set_xlabel(f"{statistic} (surrogate pairs)")
    ax.set_ylabel("count")


def plot_lag_profile(analysis: SignalAnalysis, path: str | Path) -> Path:
    """Write the lag profile: mean r over windows per lag, with its interquartile band.

    Parameters
    ----------
    analysis : one signal's analysis.
    path : PNG file to write.

    Returns
    -------
    Path
        The PNG written. Lag 0 is dashed, the median peak lag a solid black line; the x axis
        reads "B leads" to the left and "A leads" to the right (lag > 0: A leads, B follows).
        If a surrogate test was run, a second panel shows the histogram of the null
        statistic with the observed value and p.
    """
    return save_figure(lag_profile_figure(analysis), path)


# --------------------------------------------------------------------------------------
# 3. the two people's signals
# --------------------------------------------------------------------------------------
def signals_figure(signals: SignalSet, signal: str) -> Figure:
    """Build the A and B time series of one signal (see :func:`plot_signals`)."""
    fig = new_figure(10.0, 5.0)
    axes = fig.subplots(len(PERSON_COLOURS), 1, sharex=True, sharey=True)
    for ax, person in zip(axes, PERSON_COLOURS, strict=True):
        colour = PERSON_COLOURS[person]
        values = _series(signals, person, signal)
        ax.plot(signals.time_s, values, linewidth=0.8, color=colour)
        if not np.isfinite(values).any():
            _note_no_data(ax, f"no {signal} data for {person}")
        ax.text(0.005, 0.96, _person_label(signals, person, signal), transform=ax.transAxes,
                ha="left", va="top", fontsize=9, color=colour, fontweight="bold",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.5})
        ax.grid(alpha=0.3)
    axes[-1].set_xlim(*_extent(signals.time_s, 1.0 / signals.grid_hz))
    axes[-1].set_xlabel("time (s)")
    unit = unit_of(signal) if signal in signal_names() else ""
    fig.supylabel(textwrap.fill(f"{signal} ({unit})" if unit else signal, 40), fontsize=10)
    fig.suptitle(f"Signals: {signal}", fontsize=13, x=0.01, ha="left")
    return fig


def _series(signals: SignalSet, person: str, signal: str) -> np.ndarray:
    """One person's series of ``signal``; ValueError naming the column if it is absent."""
    key = f"{person}_{signal}"
    if key not in signals.values:
        raise ValueError(f"signal column {key!r} not in the SignalSet "
                         f"(have {sorted(signals.values)})")
    return np.asarray(signals.values[key], dtype=np.float64)


def _person_label(signals: SignalSet, person: str, signal: str) -> str:
    """Legend entry, e.g. ``"A (left), 3% missing"``."""
    side = "left" if person == "A" else "right"
    values = _series(signals, person, signal)
    missing = float(np.mean(~np.isfinite(values))) if values.size else 1.0
    return f"{person} ({side}), {missing:.0%} missing"


def plot_signals(signals: SignalSet, signal: str, path: str | Path) -> Path:
    """Write both people's time series of one signal.

    Parameters
    ----------
    signals : the SignalSet holding ``A_<signal>`` and ``B_<signal>``.
    signal : signal name, e.g. ``"body"``.
    path : PNG file to write.

    Returns
    -------
    Path
        The PNG written: A in :data:`PERSON_COLOURS` ``["A"]``, B in ``["B"]``, NaN gaps
        left as gaps, the y axis labelled with the signal's unit
        (:func:`synchrony.signals.registry.unit_of`).

    Raises
    ------
    ValueError
        If ``signals`` lacks ``A_<signal>`` or ``B_<signal>``.
    """
    return save_figure(signals_figure(signals, signal), path)


# --------------------------------------------------------------------------------------
# 4. everything for one analysis
# --------------------------------------------------------------------------------------
def signal_plot_jobs(signals: SignalSet, names: Sequence[str], out_dir: str | Path
                     ) -> list[PlotJob]:
    """List the ``signals_<signal>.png`` jobs: they need no analysis, so can be drawn early."""
    return [PlotJob(plot_signals, (signals, name, Path(out_dir) / f"signals_{name}.png"))
            for name in names]


def analysis_plot_jobs(analyses: Mapping[str, SignalAnalysis], signals: SignalSet,
                       out_dir: str | Path, *, with_signals: bool = True) -> list[PlotJob]:
    """List the plots :func:`write_analysis_plots` draws, as jobs any process can run.

    ``with_signals=False`` leaves out :func:`signal_plot_jobs` (already drawn early).
    """
    out = Path(out_dir)
    t0 = float(signals.time_s[0]) if len(signals.time_s) else 0.0
    jobs: list[PlotJob] = []
    for name, analysis in analyses.items():
        jobs.append(PlotJob(plot_wcc_heatmap, (analysis, out / f"wcc_{name}.png"),
                            {"time_offset_s": t0}))
        jobs.append(PlotJob(plot_lag_profile, (analysis, out / f"lag_profile_{name}.png")))
        if with_signals:
            jobs.extend(signal_plot_jobs(signals, [name], out))
    return jobs


def write_analysis_plots(analyses: Mapping[str, SignalAnalysis], signals: SignalSet,
                         out_dir: str | Path) -> list[Path]:
    """Write ``wcc_<signal>.png``, ``lag_profile_<signal>.png`` and ``signals_<signal>.png``.

    Parameters
    ----------
    analyses : signal name -> its analysis (as from
        :func:`synchrony.analysis.pair.analyze_signals`).
    signals : the signals analysed; the heatmap's time axis is shifted to their clock.
    out_dir : folder to write into (created if needed).

    Returns
    -------
    list of Path
        The files written, three per signal, in the order of ``analyses``.
    """
    return [job.run() for job in analysis_plot_jobs(analyses, signals, out_dir)]
