"""Plot of the wavelet method: coherence scalogram (time x period) and the session lag score.

Left: the squared wavelet coherence R^2 over time (s) and Fourier period (s, log axis), with
the cone of influence drawn and every point the method leaves out (COI, mostly missing
data) greyed. Right: the session's lag score per valid point over the candidate lags, with
its peak (the session lag). The title says the lag in words; the caption gives the
statistic and the surrogate test. Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib import colormaps

from synchrony.analysis.methods import MethodResult
from synchrony.engine.lead import describe_lag
from synchrony.engine.wavelet import EFOLDING_FACTOR, FOURIER_FACTOR
from synchrony.render.plots import LAG_AXIS_LABEL, NAN_COLOUR, new_figure, surrogate_text

#: Size of the PNG: 10 x 4 inches at 100 dpi.
WIDTH_IN, HEIGHT_IN, PLOT_DPI = 10.0, 4.0, 100
#: Most time columns drawn (the coherence is thinned evenly beyond this).
MAX_COLUMNS = 1500


def _edges(centres: np.ndarray, *, log: bool) -> np.ndarray:
    """Cell edges around ascending centres (geometric midpoints on a log axis)."""
    c = np.log(centres) if log else np.asarray(centres, dtype=np.float64)
    if c.size == 1:
        edges = np.array([c[0] - 0.5, c[0] + 0.5])
    else:
        mid = (c[1:] + c[:-1]) / 2
        edges = np.concatenate([[2 * c[0] - mid[0]], mid, [2 * c[-1] - mid[-1]]])
    return np.exp(edges) if log else edges


def plot(result: MethodResult, out_png: Path, *, title: str) -> Path:
    """Write the wavelet method's figure for one signal as a PNG; return its path.

    Parameters
    ----------
    result : the ``"wavelet"`` method's result (its ``detail`` is a ``WaveletDetail``).
    out_png : destination file (folders are created).
    title : figure title; the session lag in words is appended.
    """
    session = result.detail.session
    wc = session.coherence
    thin = max(1, math.ceil(wc.time_s.size / MAX_COLUMNS))
    times = wc.time_s[::thin]
    shown = np.where(wc.valid, wc.coherence, np.nan)[:, ::thin]
    fig = new_figure(WIDTH_IN, HEIGHT_IN)
    grid = fig.add_gridspec(1, 2, width_ratios=(4.0, 1.2))
    ax = fig.add_subplot(grid[0, 0])
    mesh = ax.pcolormesh(_edges(times, log=False), _edges(wc.period_s, log=True),
                         np.ma.masked_invalid(shown), shading="flat", vmin=0.0, vmax=1.0,
                         cmap=colormaps["viridis"].with_extremes(bad=NAN_COLOUR),
                         rasterized=True)
    duration_s = float(result.windows.window_end_s[-1]) if result.windows.window_end_s.size \
        else float(times[-1])
    t = np.linspace(0.0, max(float(wc.time_s[-1]), duration_s), 400)
    coi_period = FOURIER_FACTOR * np.minimum(t, t[-1] - t) / EFOLDING_FACTOR
    ax.plot(t, np.clip(coi_period, wc.period_s[0], None), color="white", linewidth=1.2,
            linestyle="--", label="cone of influence")
    ax.set_yscale("log")
    ax.set_ylim(wc.period_s[0], wc.period_s[-1])
    ax.invert_yaxis()
    ticks = [p for p in (0.5, 1, 2, 3, 5, 10, 20, 30, 50, 100)
             if wc.period_s[0] <= p <= wc.period_s[-1]]
    ax.set_yticks(ticks, [f"{p:g}" for p in ticks])
    ax.minorticks_off()
    ax.set_xlabel("time (s)")
    ax.set_ylabel("period (s)")
    ax.legend(loc="lower right", fontsize=8, framealpha=0.6)
    fig.colorbar(mesh, ax=ax, label="wavelet coherence R²", pad=0.01, fraction=0.04)

    side = fig.add_subplot(grid[0, 1])
    side.plot(session.lags_s, session.score, color="0.2", linewidth=1.2)
    if math.isfinite(session.lag_s):
        side.axvline(session.lag_s, color="#D55E00", linewidth=1.2,
                     label=f"lag {session.lag_s:+.2f} s")
        side.legend(loc="lower center", fontsize=8)
    side.axvline(0.0, color="0.5", linestyle=":", linewidth=0.9)
    side.set_xlabel(LAG_AXIS_LABEL, fontsize=7)
    side.set_ylabel("lag score (R² per point)")

    summary = result.summary
    lag_s = float(summary.get("lag_s", session.lag_s))  # type: ignore[arg-type]
    fig.suptitle(f"{title}: {describe_lag(lag_s)}", fontsize=11)
    caption = (f"{result.statistic_name} = {result.statistic:.3f}, mean coherence = "
               f"{session.mean_coherence:.3f}, band {summary.get('band_hz')} Hz; "
               f"{surrogate_text(result.surrogate)}; leader: {summary.get('leader')}")
    ax.set_title(caption, fontsize=8, loc="left")
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=PLOT_DPI, format="png", facecolor="white")
    return out
