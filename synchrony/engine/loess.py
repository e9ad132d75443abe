"""R's ``loess`` smoother and ``spline(method="fmm")`` as one linear map, for peak picking.

:func:`smoothing_matrix` returns the ``(2n - 1, n)`` matrix that smooths a WCC row of ``n``
lags the way wcc 0.4.1's ``wccPeakPick`` does (``predict(loess(row ~ 1:n, degree=2,
span=span))``, R's k-d tree interpolation surface by default) and interpolates it to
half-lag steps with R's default cubic spline. Built once per ``(n, span)`` and cached.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

SURFACES = ("interpolate", "direct")
LOESS_CELL = 0.2
LOESS_MIN_NEIGHBOURS = 4
_LOESS_TOL = 100.0 * np.finfo(float).eps


# --------------------------------------------------------------------------- smoothing


@lru_cache(maxsize=32)
def smoothing_matrix(n_lags: int, span: float, surface: str = "interpolate") -> np.ndarray:
    """Loess + spline smoother of wccPeakPick as one linear operator.

    Parameters
    ----------
    n_lags : number of lags ``n`` in a row (at ``x = 1..n``).
    span : loess span (fraction of ``n`` in each local fit).
    surface : ``"interpolate"`` (R's default) or ``"direct"``.

    Returns
    -------
    (2n - 1, n) read-only array ``M`` with ``M @ row`` = the smoothed row at ``x = 1, 1.5,
    2, ..., n`` (R: ``spline(1:n, predict(loess(row ~ 1:n, degree=2, span=span)),
    n=2n-1)$y``). The row is taken in the given column order; ``pick_peaks`` passes wcc's.
    """
    x = np.arange(1.0, n_lags + 1.0)
    if surface == "direct":
        loess = _local_quadratic(x, x, span)[:, 0, :]
    else:
        loess = _interpolated_loess(x, span)
    matrix = _fmm_spline_matrix(x, 2 * n_lags - 1) @ loess
    matrix.setflags(write=False)
    return matrix


def _neighbour_count(n: int, span: float) -> int:
    """R loess ``nf``: points in each local fit."""
    return min(n, math.floor(n * span))


def _local_quadratic(x: np.ndarray, at: np.ndarray, span: float) -> np.ndarray:
    """Operators for the local quadratic fit's value and slope at every point of ``at``.

    R's ``ehg127``: the ``floor(n*span)`` nearest ``x`` with tricube weights (radius = distance
    of the farthest, enlarged by ``sqrt(span)`` for ``span > 1``), columns ``1, x-q, (x-q)^2``
    equilibrated, least squares by a pseudo-inverse with relative cut-off ``100*eps``.

    Returns
    -------
    (len(at), 2, len(x)) array ``L``: ``L[i, 0] @ y`` = fitted value at ``at[i]``,
    ``L[i, 1] @ y`` = fitted slope there (per unit of ``x``).
    """
    nf = _neighbour_count(x.size, span)
    distance = np.abs(x[None, :] - at[:, None])
    near = np.argsort(distance, axis=1, kind="stable")[:, :nf]
    d_near = np.take_along_axis(distance, near, axis=1)
    radius = d_near[:, -1:] * math.sqrt(max(1.0, span))
    root_w = np.sqrt(np.clip(1.0 - (d_near / radius) ** 3, 0.0, None) ** 3)
    dx = x[near] - at[:, None]
    design = root_w[..., None] * np.stack([np.ones_like(dx), dx, dx**2], axis=-1)
    norms = np.linalg.norm(design, axis=1)
    norms[norms == 0] = 1.0
    u, s, vt = np.linalg.svd(design / norms[:, None, :], full_matrices=False)
    inv_s = np.where(s > s[:, :1] * _LOESS_TOL, 1.0 / np.where(s > 0, s, 1.0), 0.0)
    pinv = (vt.transpose(0, 2, 1) * inv_s[:, None, :]) @ u.transpose(0, 2, 1)
    coef = pinv / norms[:, :, None] * root_w[:, None, :]  # (m, 3, nf) acting on y[near]
    out = np.zeros((at.size, 2, x.size))
    rows = np.arange(at.size)[:, None]
    for k in range(2):
        out[rows, k, near] = coef[:, k, :]
    return out


def _interpolated_loess(x: np.ndarray, span: float) -> np.ndarray:
    """(n, n) operator of R's ``surface="interpolate"`` loess fitted values at ``x``.

    Local fits at the k-d tree vertices, cubic Hermite blending of value and slope inside
    each leaf cell (R's ``ehg128`` in one dimension).
    """
    vertices = _kd_vertices(x, math.floor(x.size * (span * LOESS_CELL)))
    fit = _local_quadratic(x, vertices, span)
    # leaf cell of each x: points on a cut go to the lower cell (R: z <= xi -> lo)
    cell = np.clip(np.searchsorted(vertices, x, side="left") - 1, 0, vertices.size - 2)
    lower, upper = vertices[cell], vertices[cell + 1]
    width = upper - lower
    h = ((x - lower) / width)[:, None]
    phi0, phi1 = (1 - h) ** 2 * (1 + 2 * h), h**2 * (3 - 2 * h)
    psi0, psi1 = h * (1 - h) ** 2, h**2 * (h - 1)
    value, slope = fit[:, 0, :], fit[:, 1, :]
    return (
        phi0 * value[cell]
        + phi1 * value[cell + 1]
        + (psi0 * slope[cell] + psi1 * slope[cell + 1]) * width[:, None]
    )


def _kd_vertices(x: np.ndarray, max_per_cell: int) -> np.ndarray:
    """Sorted vertices of R loess's k-d tree (``ehg126``/``ehg124``) for sorted distinct ``x``.

    The bounding box is widened by 0.5 % of the range on each side; a cell holding the points
    ``l..u`` (ranks) with more than ``max_per_cell`` points is cut at the value of point
    ``(l+u)//2``, which goes with the lower cell. Cells are processed breadth first and the tree
    stops growing at R's default limits (``nvmax = ncmax = max(200, n)``).
    """
    n = x.size
    margin = 0.005 * max(x[-1] - x[0], 1e-10 * max(abs(x[0]), abs(x[-1])) + 1e-30)
    vertices = [x[0] - margin, x[-1] + margin]
    limit = max(200, n)
    n_cells = 1
    queue = [(0, n - 1, vertices[0], vertices[1])]  # 0-based ranks l..u, cell bounds
    for low, high, left, right in queue:  # appending while iterating = breadth first
        if high - low + 1 <= max_per_cell or n_cells + 2 > limit or len(vertices) + 1 > limit:
            continue
        cut = (low + high + 2) // 2 - 1  # Fortran's 1-based (l+u)/2, back to 0-based
        value = float(x[cut])
        if value in (left, right):
            continue
        vertices.append(value)
        n_cells += 2
        queue += [(low, cut, left, value), (cut + 1, high, value, right)]
    return np.sort(np.asarray(vertices))


def _fmm_spline_matrix(x: np.ndarray, n_out: int) -> np.ndarray:
    """(n_out, n) operator of R's ``spline(x, y, n=n_out, method="fmm")$y``.

    Cubic spline through ``(x, y)`` whose third derivative in the first and last interval
    equals that of the cubic through the first (last) four points, evaluated at
    ``seq(x[1], x[n], length.out=n_out)``.
    """
    n = x.size
    if n < 4:
        raise ValueError(f"FMM spline needs at least 4 knots, got {n}")
    h = np.diff(x)
    eye = np.eye(n)
    slope = np.diff(eye, axis=0) / h[:, None]  # (n-1, n): operators of the divided differences
    system = np.zeros((n, n))
    rhs = np.zeros((n, n))
    for i in range(1, n - 1):
        system[i, i - 1 : i + 2] = h[i - 1], 2 * (h[i - 1] + h[i]), h[i]
        rhs[i] = 6 * (slope[i] - slope[i - 1])
    system[0, :2] = -1 / h[0], 1 / h[0]
    rhs[0] = 6 * _third_divided_difference(x[:4], eye[:4])
    system[-1, -2:] = -1 / h[-1], 1 / h[-1]
    rhs[-1] = 6 * _third_divided_difference(x[-4:], eye[-4:])
    second = np.linalg.solve(system, rhs)  # second derivatives at the knots, per y

    x_out = x[0] + np.arange(n_out) * ((x[-1] - x[0]) / (n_out - 1))
    seg = np.clip(np.searchsorted(x, x_out, side="right") - 1, 0, n - 2)
    b = ((x_out - x[seg]) / h[seg])[:, None]
    a = 1.0 - b
    curvature = (h[seg] ** 2 / 6.0)[:, None]
    return (
        a * eye[seg]
        + b * eye[seg + 1]
        + curvature * ((a**3 - a) * second[seg] + (b**3 - b) * second[seg + 1])
    )


def _third_divided_difference(x4: np.ndarray, y4: np.ndarray) -> np.ndarray:
    """``f[x0, x1, x2, x3]`` for the four rows of ``y4`` (works on operator rows)."""
    weights = [1.0 / np.prod([x4[j] - x4[i] for i in range(4) if i != j]) for j in range(4)]
    return np.asarray(weights) @ y4
