"""Windowed cross-correlation, at its documented import path (a public contract).

``from synchrony.wcc import windowed_xcorr, fisher_z, pick_peaks`` is what researchers'
scripts use; the code lives in :mod:`synchrony.engine.wcc` and :mod:`synchrony.engine.peaks`.
Sign convention: at lag > 0, A leads and B follows. ``windowed_xcorr(..., windowing=...)``
names the window convention (``"rmea"`` or ``"boker"``); ``method=`` is its older name.
"""

from synchrony.engine.peaks import PeakAggregate, PeakResult, aggregate_peaks, pick_peaks
from synchrony.engine.wcc import (
    METHODS,
    WINDOWINGS,
    WccResult,
    check_parameters,
    fisher_z,
    mean_abs_peak_r,
    window_abs_max,
    windowed_xcorr,
)

__all__ = [
    "METHODS", "WINDOWINGS", "PeakAggregate", "PeakResult", "WccResult", "aggregate_peaks",
    "check_parameters", "fisher_z", "mean_abs_peak_r", "pick_peaks", "window_abs_max",
    "windowed_xcorr",
]
