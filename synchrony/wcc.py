"""Windowed cross-correlation (WCC) of two movement series.

Sign convention
---------------
At lag > 0, **A leads and B follows**: B's movement resembles A's *earlier* movement.
Column ``+tau`` of ``WccResult.r`` correlates A's window with B's window shifted ``tau``
seconds *later*. This is rMEA's "s1 leads" with s1 = A, and the opposite of the sign that
Boker's ``wcc`` package prints (its column +tau is our column -tau).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class WccResult:
    """A window x lag grid of Pearson r.

    Attributes
    ----------
    window_start_s : (n_windows,) start of each window, seconds from the first sample.
    lags_s : (n_lags,) ascending lags in seconds, -max ... +max, one sample apart.
    r : (n_windows, n_lags) float64 Pearson r; NaN where undefined.
    fs_hz : sampling rate of the series in Hz.
    window_s : window length in seconds.
    """

    window_start_s: np.ndarray
    lags_s: np.ndarray
    r: np.ndarray
    fs_hz: float
    window_s: float

    @property
    def lag_samples(self) -> np.ndarray:
        """(n_lags,) integer lags in samples."""
        return np.rint(self.lags_s * self.fs_hz).astype(int)
