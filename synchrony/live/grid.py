"""The live frame buffer: packed per-frame features resampled onto the uniform signal grid.

Grid times are ``t0 + k / grid_hz`` (``t0`` = the first frame's time). A grid sample is
made ``settle_s`` after its time, by :func:`synchrony.signals.extract.resample` (linear;
gaps up to ``max_gap_s`` bridged, longer gaps and dropped stretches stay NaN), so that a
person lost for a moment is bridged exactly as in batch once the frame after the gap has
arrived. Frames no longer needed for interpolation are dropped.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from synchrony.signals.extract import resample


class GridBuffer:
    """Timestamped feature rows in, grid samples out (not thread-safe: the caller locks).

    Parameters
    ----------
    grid_hz : rate of the grid in Hz.
    max_gap_s : longer gaps between frames stay NaN; shorter ones are interpolated.
    settle_s : grid samples are made this long (s) after their time.
    max_samples : at most this many grid samples per :meth:`take` (older ones after a long
        silence would be NaN anyway).
    """

    def __init__(self, *, grid_hz: float, max_gap_s: float, settle_s: float,
                 max_samples: int) -> None:
        self.grid_hz = float(grid_hz)
        self.max_gap_s = float(max_gap_s)
        self.settle_s = float(settle_s)
        self.max_samples = int(max_samples)
        self.t0: float | None = None
        self.last_t: float | None = None
        self._next_k = 0
        self._raw_t: deque[float] = deque()
        self._raw: deque[np.ndarray] = deque()

    def add(self, t: float, features: np.ndarray) -> bool:
        """Keep one frame's features at time ``t`` (s).

        Returns False (frame ignored) unless ``t`` is finite and later than the previous frame.
        """
        if not math.isfinite(t) or (self.last_t is not None and t <= self.last_t):
            return False
        self.t0 = t if self.t0 is None else self.t0
        self.last_t = t
        self._raw_t.append(t)
        self._raw.append(features)
        return True

    def take(self, settle_s: float | None = None) -> tuple[np.ndarray, np.ndarray] | None:
        """Take the grid times due now (n,) and the features resampled onto them (n, *shape).

        ``settle_s``: instead of the buffer's own (0 at the end of a run: every sample up
        to the last frame). Returns None when no grid sample is due.
        """
        if self.t0 is None or self.last_t is None:
            return None
        t0 = self.t0
        settle = self.settle_s if settle_s is None else settle_s
        k_end = math.floor((self.last_t - settle - t0) * self.grid_hz + 1e-9)
        if k_end < self._next_k:
            return None
        n_new = k_end - self._next_k + 1
        self._next_k += max(0, n_new - self.max_samples)
        grid_t = t0 + np.arange(self._next_k, k_end + 1) / self.grid_hz
        t_src = np.fromiter(self._raw_t, dtype=np.float64, count=len(self._raw_t))
        shape = self._raw[0].shape
        values = np.stack(self._raw).reshape(len(t_src), -1)
        self._next_k = k_end + 1
        keep_from = t0 + self._next_k / self.grid_hz - self.max_gap_s - 1e-6
        while self._raw_t and self._raw_t[0] < keep_from:
            self._raw_t.popleft()
            self._raw.popleft()
        grid = resample(t_src, values, grid_t, self.max_gap_s)
        return grid_t, grid.reshape((len(grid_t), *shape))
