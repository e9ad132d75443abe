"""Plot of the cross-recurrence method: diagonal recurrence profile and windowed %REC/%DET.

Left: recurrence rate (%) per lag (s) over the session, raw and smoothed over lags (whose
peak is the session strength and lag), the mean over lags (the rate a lag gets when none
stands out) and the session lag. Right: each window's %REC and %DET
over time. Built on an Agg :class:`~matplotlib.figure.Figure` (no pyplot).
Sign convention (printed): lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from synchrony.analysis.methods import MethodResult
from synchrony.analysis.recurrence_method import LAG_SMOOTHING_S, RecurrenceDetail
from synchrony.engine.lead import describe_lag
from synchrony.engine.recurrence import smooth_lags
from synchrony.render.plots import FOOTER, LAG_AXIS_LABEL, surrogate_text
from synchrony.render.style import PERSON_COLOURS

DPI = 100
REC_COLOUR = PERSON_COLOURS["A"]
DET_COLOUR = PERSON_COLOURS["B"]


def figure(result: MethodResult, *, title: str) -> Figure:
    """Build the two-panel figure of one recurrence result (see the module docstring)."""
    detail: RecurrenceDetail = result.detail
    fig = Figure(figsize=(10.0, 4.0), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax_profile, ax_time = fig.subplots(1, 2, width_ratios=(1.0, 1.6))
    profile = detail.profile
    ax_profile.plot(detail.lags_s, 100.0 * profile.rate, color="black", linewidth=1.6,
                    label="recurrence rate per lag")
    step_s = float(detail.lags_s[1] - detail.lags_s[0])
    ax_profile.plot(detail.lags_s, 100.0 * smooth_lags(profile.rate, LAG_SMOOTHING_S / step_s),
                    color="#b2182b", linewidth=1.0, alpha=0.8,
                    label=f"smoothed (SD {LAG_SMOOTHING_S:g} s): strength and lag")
    ax_profile.axhline(100.0 * float(np.nanmean(profile.rate)), color="0.5", linestyle=":",
                       linewidth=1.0, label="mean over lags (no lag stands out)")
    ax_profile.axvline(0.0, color="0.3", linestyle="--", linewidth=0.8)
    if math.isfinite(detail.peak_lag_s):
        ax_profile.axvline(detail.peak_lag_s, color="#b2182b", linewidth=1.4,
                           label=f"session lag {detail.peak_lag_s:+.2f} s")
    ax_profile.set_xlabel(LAG_AXIS_LABEL)
    ax_profile.set_ylabel("recurrence rate (%)")
    ax_profile.set_title(f"diagonal profile (radius {profile.radius:.3g} SD)\n"
                         f"{describe_lag(detail.peak_lag_s)}", fontsize=9)
    ax_profile.legend(loc="upper left", fontsize=7, framealpha=0.85)
    ax_profile.grid(alpha=0.3)

    centre_s = 0.5 * (result.window_start_s + result.window_end_s)
    ax_time.plot(centre_s, detail.rqa.rec_percent, color=REC_COLOUR, linewidth=1.2,
                 label="%REC")
    ax_time.set_xlabel("time (s, window centre)")
    ax_time.set_ylabel("%REC", color=REC_COLOUR)
    ax_det = ax_time.twinx()
    ax_det.plot(centre_s, detail.rqa.det_percent, color=DET_COLOUR, linewidth=1.2,
                label="%DET")
    ax_det.set_ylabel("%DET (lines >= 2)", color=DET_COLOUR)
    ax_det.set_ylim(0.0, 100.0)
    ax_time.set_title(f"windowed cross-recurrence ({len(centre_s)} windows)\n"
                      f"{surrogate_text(result.surrogate)}", fontsize=9)
    ax_time.grid(alpha=0.3)
    fig.suptitle(title, fontsize=12, x=0.01, ha="left")
    fig.get_layout_engine().set(rect=(0.0, 0.05, 1.0, 0.95))  # type: ignore[call-arg, union-attr]
    fig.text(0.01, 0.02, FOOTER, ha="left", va="center", fontsize=8, color="0.25")
    return fig


def plot(result: MethodResult, out_png: Path, *, title: str) -> Path:
    """Write the recurrence figure of ``result`` as a PNG (10 x 4 in, 100 dpi); return it."""
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure(result, title=title).savefig(out, dpi=DPI, format="png", facecolor="white")
    return out
