"""Phase-locking timeline of the ``"phase"`` method: windowed PLV and lag, session profile.

Left: each window's peak phase-locking value over lags (the strength) against time, with
the window's lag on a second axis. Right: the whole session's PLV per lag and the mean
windowed PLV per lag, with the session lag marked and said in words. Built like
:mod:`synchrony.render.plots` (an Agg figure, never ``pyplot``). Sign convention: lag > 0
means A leads and B follows.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes

from synchrony.analysis.methods import MethodResult
from synchrony.analysis.phase_method import PhaseDetail
from synchrony.engine.lead import describe_lag
from synchrony.render.plots import LAG_AXIS_LABEL, new_figure, surrogate_text
from synchrony.render.style import PERSON_COLOURS

#: Resolution of the PNG (dots per inch); 10 x 4 in gives 1000 x 400 pixels.
DPI = 100
WIDTH_IN, HEIGHT_IN = 10.0, 4.0


def _draw_timeline(ax: Axes, result: MethodResult) -> None:
    """Peak PLV per window (left axis) and the window's lag (right axis) over time."""
    centre_s = 0.5 * (result.window_start_s + result.window_end_s)
    ax.plot(centre_s, result.strength, color=PERSON_COLOURS["A"], linewidth=1.2,
            label="peak PLV over lags")
    detail: PhaseDetail = result.detail
    ax.plot(centre_s, detail.plv_lag0, color="0.55", linewidth=0.8, label="PLV at lag 0")
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel("time (s, window centre)")
    ax.set_ylabel("phase-locking value")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=7.5, framealpha=0.85)
    lag_ax = ax.twinx()
    lag_ax.scatter(centre_s, result.lag_s, s=4, color=PERSON_COLOURS["B"], label="window lag")
    max_lag = float(np.max(np.abs(detail.grid.lags_s))) if detail.grid.lags_s.size else 1.0
    lag_ax.set_ylim(-max_lag * 1.05, max_lag * 1.05)
    lag_ax.axhline(0.0, color=PERSON_COLOURS["B"], linewidth=0.6, linestyle=":")
    lag_ax.set_ylabel("window lag (s; > 0: A leads)", color=PERSON_COLOURS["B"])
    lag_ax.legend(loc="lower right", fontsize=7.5, framealpha=0.85)


def _draw_profile(ax: Axes, result: MethodResult) -> None:
    """Whole-session and mean windowed PLV per lag, with the session lag."""
    detail: PhaseDetail = result.detail
    lags = detail.grid.lags_s
    ax.plot(lags, detail.session_plv, color="black", linewidth=1.8, label="whole session")
    ax.plot(lags, detail.window_profile, color=PERSON_COLOURS["A"], linewidth=1.2,
            linestyle="--", label="mean over windows")
    ax.axvline(0.0, color="0.4", linestyle=":", linewidth=0.9)
    lag_s = result.summary.get("lag_s")
    if isinstance(lag_s, int | float) and math.isfinite(lag_s):
        ax.axvline(lag_s, color="#b2182b", linewidth=1.5, label=f"session lag {lag_s:+.2f} s")
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel(LAG_AXIS_LABEL)
    ax.set_ylabel("phase-locking value")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=7.5, framealpha=0.85)


def plot(result: MethodResult, out_png: Path, *, title: str) -> Path:
    """Write the phase method's PNG (1000 x 400 px) and return its path.

    Parameters
    ----------
    result : a ``"phase"`` method result (its ``detail`` is a :class:`PhaseDetail`).
    out_png : the PNG file to write (its folder is created).
    title : the figure's title; the session lag in words and the surrogate test follow.
    """
    fig = new_figure(WIDTH_IN, HEIGHT_IN)
    left, right = fig.subplots(1, 2, width_ratios=(2.2, 1.0))
    _draw_timeline(left, result)
    _draw_profile(right, result)
    lag_s = result.summary.get("lag_s")
    words = describe_lag(float(lag_s)) if isinstance(lag_s, int | float) else "no clear peak"
    band = result.summary.get("band_hz")
    band_text = f"{band[0]:g}-{band[1]:g} Hz" if isinstance(band, list) else "n/a"
    fig.suptitle(f"{title}\nphase locking ({band_text}): session lag: {words}  ·  leader "
                 f"(surrogate test): {result.summary.get('who_leads', 'n/a')}\n"
                 f"{surrogate_text(result.surrogate)}", fontsize=9)
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=DPI, format="png", facecolor="white")
    return out
