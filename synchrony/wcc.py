"""Windowed cross-correlation, at its documented import path (a public contract).

``from synchrony.wcc import windowed_xcorr, fisher_z, pick_peaks`` is what researchers'
scripts use; the code lives in :mod:`synchrony.engine.wcc` and :mod:`synchrony.engine.peaks`.
Sign convention: at lag > 0, A leads and B follows.
"""

from synchrony.engine.peaks import PeakAggregate, PeakResult, aggregate_peaks, pick_peaks
from synchrony.engine.wcc import (
    METHODS,
    WccResult,
    check_parameters,
    fisher_z,
    mean_abs_peak_r,
    window_abs_max,
    windowed_xcorr,
)

__all__ = [
    "METHODS", "PeakAggregate", "PeakResult", "WccResult", "aggregate_peaks",
    "check_parameters", "fisher_z", "mean_abs_peak_r", "pick_peaks", "window_abs_max",
    "windowed_xcorr",
]
