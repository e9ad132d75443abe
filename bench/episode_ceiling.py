"""How much rupture/repair timing the material allows: two fits *told* the truth.

Both are told that there is exactly one rupture and one repair; neither is a detector the
product could run (they know the count, and the second also the true lag). They measure the
timing information the signals carry, as a ceiling for any detector.

- :func:`two_change_points`: three constant stretches fitted by least squares to the
  per-window r at the true lag (what a detector working on the WCC grid can see).
- :func:`regression_breaks`: sample level, no windows. B regressed on A at the true lag in
  the two coupled stretches (each its own intercept, slope and residual variance), B's own
  mean and variance in the independent stretch; the two breaks that maximise the Gaussian
  likelihood. It uses evidence the windows blur, e.g. B moving while A is still.
"""

from __future__ import annotations

import numpy as np


def _cumulative(*series: np.ndarray) -> list[np.ndarray]:
    """Cumulative sums with a leading 0, so ``c[hi] - c[lo]`` is the sum over ``[lo, hi)``."""
    return [np.concatenate([[0.0], np.cumsum(v)]) for v in series]


def two_change_points(y: np.ndarray, min_len: int = 4) -> tuple[int, int] | None:
    """``(i, j)`` that best split ``y`` into three constant stretches ``[:i], [i:j], [j:]``.

    Least squares over the finite values, each stretch at least ``min_len`` long; None if
    ``y`` is too short. Vectorised over ``j`` for each ``i``.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n < 3 * min_len:
        return None
    ok = np.isfinite(y)
    v = np.where(ok, y, 0.0)
    cw, cs, cq = _cumulative(ok.astype(float), v, v * v)

    def sse(lo: np.ndarray | int, hi: np.ndarray | int) -> np.ndarray:
        m = cw[hi] - cw[lo]
        s = cs[hi] - cs[lo]
        return np.asarray(cq[hi] - cq[lo] - np.where(m > 0, s * s / np.maximum(m, 1.0), 0.0))

    best, where = np.inf, None
    for i in range(min_len, n - 2 * min_len + 1):
        j = np.arange(i + min_len, n - min_len + 1)
        total = sse(0, i) + sse(i, j) + sse(j, n)
        k = int(np.argmin(total))
        if total[k] < best:
            best, where = float(total[k]), (i, int(j[k]))
    return where


def regression_breaks(x: np.ndarray, y: np.ndarray, min_len: int,
                      step: int = 1) -> tuple[int, int] | None:
    """``(i, j)``: y follows x in ``[:i]`` and ``[j:]`` and not in ``[i:j]`` (max likelihood).

    ``x`` is A already shifted by the true lag (same length as ``y``; NaN = missing, the
    pair skipped). Each coupled stretch: ``y = a + b x + e``; the middle one: ``y = a + e``;
    every stretch its own residual variance. Breaks on a grid of ``step`` samples, each
    stretch at least ``min_len`` samples; None if the series is too short.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(y)
    if n < 3 * min_len:
        return None
    ok = np.isfinite(x) & np.isfinite(y)
    xv, yv = np.where(ok, x, 0.0), np.where(ok, y, 0.0)
    sums = _cumulative(ok.astype(float), xv, yv, xv * xv, xv * yv, yv * yv)

    def cost(lo: np.ndarray | int, hi: np.ndarray | int, slope: bool) -> np.ndarray:
        """m log(residual variance): -2 log-likelihood up to constants."""
        m, sx, sy, sxx, sxy, syy = (c[hi] - c[lo] for c in sums)
        m = np.maximum(m, 1.0)
        var_y = syy - sy * sy / m
        if slope:
            var_x, cov = sxx - sx * sx / m, sxy - sx * sy / m
            var_y = var_y - np.where(var_x > 0, cov * cov / np.maximum(var_x, 1e-12), 0.0)
        return np.asarray(m * np.log(np.maximum(var_y, 1e-12) / m))

    best, where = np.inf, None
    for i in range(min_len, n - 2 * min_len + 1, step):
        j = np.arange(i + min_len, n - min_len + 1, step)
        total = cost(0, i, True) + cost(i, j, False) + cost(j, n, True)
        k = int(np.argmin(total))
        if total[k] < best:
            best, where = float(total[k]), (i, int(j[k]))
    return where
