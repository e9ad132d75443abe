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
        # The newest max_lag + 1 samples of each person, written twice into a buffer of
        # twice that length so that they are always one contiguous slice, oldest first.
        self._span = max_lag + 1
        self._a = np.full(2 * self._span, np.nan)
        self._b = np.full(2 * self._span, np.nan)
        self._last_missing = -(10**18)  # index of the newest sample with a NaN in A or B
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
        span = self._span
        pos = t % span
        self._a[pos] = self._a[pos + span] = a
        self._b[pos] = self._b[pos + span] = b
        if a != a or b != b:  # NaN
            self._last_missing = t
        self.n_pushed += 1
        slot = self._terms[t % self.win]
        self._sums -= slot  # the pair terms leaving the window (zeros at the start)
        self._pair_terms(t, pos + 1, out=slot)
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

    def _pair_terms(self, t: int, first: int, out: np.ndarray) -> None:
        """Write into ``out`` (6, n_lags) the terms of the pairs whose later sample is t.

        ``first`` is where the newest ``max_lag + 1`` samples start in the doubled buffers.
        Samples not pushed yet are NaN: no pair.
        """
        lag = self.max_lag
        newest_a = self._a[first:first + self._span]  # A at t - max_lag ... t
        newest_b = self._b[first:first + self._span]
        out[1, :lag] = newest_a[lag]  # lags < 0: A's sample stays at t
        out[1, lag:] = newest_a[::-1]  # lag l >= 0: A at t - l
        out[2, :lag] = newest_b[:lag]  # lag l < 0: B at t - |l|
        out[2, lag:] = newest_b[lag]
        if t - self._last_missing <= self.max_lag or t < self.max_lag:
            both = ~(np.isnan(out[1]) | np.isnan(out[2]))
            out[0] = both
            out[1:3, ~both] = 0.0
        else:
            out[0] = 1.0
        np.multiply(out[1:3], out[1:3], out=out[3:5])
        np.multiply(out[1], out[2], out=out[5])

    def newest(self) -> np.ndarray:
        """(n_lags,) Pearson r of the newest window at each lag; NaN until ``ready``."""
        if not self.ready:
            return np.full(len(self.lag_samples), np.nan)
        sums = self._sums
        n = sums[0]
        n_sq = n * sums[3:5]  # n * (sxx, syy)
        var = n_sq - sums[1:3] * sums[1:3]  # n^2 * variance of x and of y
        ok = (n >= 2) & (var[0] > _CONSTANT_REL_TOL * n_sq[0]) & (
            var[1] > _CONSTANT_REL_TOL * n_sq[1])
        cov = n * sums[5] - sums[1] * sums[2]
        den = np.multiply(var[0], var[1], out=np.ones_like(n), where=ok)
        r = np.divide(cov, np.sqrt(den, out=den), out=np.full_like(n, np.nan), where=ok)
        np.minimum(r, 1.0, out=r)
        return np.maximum(r, -1.0, out=r)
