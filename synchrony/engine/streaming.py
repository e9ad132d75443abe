"""Streaming windowed cross-correlation for the live view.

``StreamingWcc`` keeps running sums per lag so that each new sample costs O(n_lags): the
newest window's r at every lag is available after each push. The windows are Boker's
trailing windows (``windowing="boker"`` of :func:`synchrony.wcc.windowed_xcorr`): the lag-0
window ends at the newest sample, and at lag ``l`` the *leader's* window is moved ``|l|``
samples earlier. Sign convention as everywhere: lag > 0 means A leads and B follows.

Missing samples (NaN) drop the pairs they take part in (pairwise complete), exactly as
the batch computation does. Each window sample's pair terms are kept, so the leaving
sample is subtracted exactly, and the running sums are re-added from those terms every
``resync_every`` samples so that rounding cannot drift.
"""

from __future__ import annotations

import numpy as np

from synchrony.engine import validation
from synchrony.engine.wcc import check_parameters

#: Relative size below which a window's sum of squares counts as constant (see wcc.py).
_CONSTANT_REL_TOL = 1e-12


class StreamingWcc:
    """Windowed cross-correlation of the newest window, updated one sample at a time.

    Parameters
    ----------
    fs_hz : sampling rate of the pushed samples in Hz.
    window_s : window length in seconds.
    max_lag_s : largest lag in seconds (<= window_s).
    resync_every : recompute the running sums exactly after this many samples
        (default: 8 windows).
    """

    def __init__(self, *, fs_hz: float, window_s: float, max_lag_s: float,
                 resync_every: int | None = None) -> None:
        self.fs_hz = validation.positive("fs_hz", fs_hz)
        win, _, max_lag = check_parameters(
            10**9, fs_hz=fs_hz, window_s=window_s, step_s=1.0 / fs_hz, max_lag_s=max_lag_s,
            windowing="boker",
        )
        self.win, self.max_lag = win, max_lag
        self.lag_samples = np.arange(-max_lag, max_lag + 1)
        self.lags_s = self.lag_samples / self.fs_hz
        self._size = win + max_lag + 1  # samples kept: the window, the lag, the leaving one
        self._a = np.full(self._size, np.nan)
        self._b = np.full(self._size, np.nan)
        self._shift_a = np.maximum(self.lag_samples, 0)  # A's sample index = t - shift_a
        self._shift_b = np.maximum(-self.lag_samples, 0)
        n_lags = len(self.lag_samples)
        self._sums = np.zeros((6, n_lags))  # n, sx, sy, sxx, syy, sxy over the window
        self._terms = np.zeros((win, 6, n_lags))  # each window sample's contribution
        self.n_pushed = 0
        self.resync_every = int(resync_every or 8 * win)

    @property
    def ready(self) -> bool:
        """True once one full window plus the maximum lag has been pushed."""
        return self.n_pushed >= self.win + self.max_lag

    def push(self, a: float, b: float) -> None:
        """Append one sample of A and of B (NaN = missing) and update the running sums."""
        t = self.n_pushed
        self._a[t % self._size] = a
        self._b[t % self._size] = b
        self.n_pushed += 1
        slot = self._terms[t % self.win]
        self._sums -= slot  # the pair terms leaving the window (zeros at the start)
        self._pair_terms(t, out=slot)
        self._sums += slot
        if self.n_pushed % self.resync_every == 0:
            self._sums = self._terms.sum(axis=0)

    def extend(self, a: np.ndarray, b: np.ndarray) -> None:
        """Push many samples, in order."""
        a = validation.series("a", a)
        b = validation.series("b", b)
        validation.same_length("a", a, "b", b)
        for x, y in zip(a, b, strict=True):
            self.push(float(x), float(y))

    def _pair_terms(self, t: int, out: np.ndarray) -> None:
        """Write into ``out`` (6, n_lags) the terms of the pairs whose later sample is t.

        Before the buffer has filled, indices wrap onto still-NaN slots: no pair.
        """
        x = self._a[(t - self._shift_a) % self._size]
        y = self._b[(t - self._shift_b) % self._size]
        both = ~(np.isnan(x) | np.isnan(y))
        if not both.all():
            x = np.where(both, x, 0.0)
            y = np.where(both, y, 0.0)
        out[0] = both
        out[1] = x
        out[2] = y
        np.multiply(x, x, out=out[3])
        np.multiply(y, y, out=out[4])
        np.multiply(x, y, out=out[5])

    def newest(self) -> np.ndarray:
        """(n_lags,) Pearson r of the newest window at each lag; NaN until ``ready``."""
        if not self.ready:
            return np.full(len(self.lag_samples), np.nan)
        n, sx, sy, sxx, syy, sxy = self._sums
        var_x = n * sxx - sx * sx
        var_y = n * syy - sy * sy
        ok = (n >= 2) & (var_x > _CONSTANT_REL_TOL * n * sxx) & (
            var_y > _CONSTANT_REL_TOL * n * syy)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(ok, (n * sxy - sx * sy) / np.sqrt(np.where(ok, var_x * var_y, 1.0)),
                         np.nan)
        return np.clip(r, -1.0, 1.0)
