"""Peak picking on a WCC grid: Boker et al. (2002), as ``wccPeakPick`` of wcc 0.4.1.

Sign convention
---------------
At lag > 0, **A leads and B follows** (see :mod:`synchrony.wcc`). ``peak_lag_s > 0`` therefore
means that the local maximum of r nearest to lag 0 has A ahead of B. Boker's ``wcc`` prints the
opposite sign: its peak index ``+k`` is our ``-k``.

Algorithm (read from wcc 0.4.1 and R's ``loess``/``spline``; no code copied)
--------------------------------------------------------------------------
For every window (row of ``r``) with no missing cell:

1. Smooth the row, taken in wcc's column order (our lags mirrored), with
   ``predict(loess(row ~ 1:n, degree=2, span=span))``: R's default ``surface="interpolate"``
   fits local quadratics (tricube weights over the ``floor(n*span)`` nearest lags) only at the
   vertices of a k-d tree over ``1..n`` (cells split at the median until they hold at most
   ``floor(n*span*0.2)`` lags) and blends the vertex values and slopes with cubic Hermite
   polynomials. ``surface="direct"`` fits at every lag instead.
2. Interpolate the smoothed row to ``2n - 1`` half-lag steps with R's default
   ``spline(method="fmm")`` (Forsythe, Malcolm and Moler end conditions).
3. Search outwards from lag 0: the window ``[-w, +w]`` (in half-steps) widens one half-step at
   a time, from ``w = 1``; the search stops once ``lsize`` successive widenings brought no new
   maximum (strictly greater value). The peak is the first position of that maximum in wcc's
   column order (ties: the most positive lag in ours).
4. A peak more than ``n - lsize - 1`` half-steps away from lag 0 lies at the edge: NaN.

Both smoothing steps are linear in the row and depend only on ``(n, span)``, so they are one
``(2n - 1, n)`` matrix, built once and cached; all rows are smoothed by one matrix product and
searched with array operations (no Python loop over windows).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from synchrony.engine.loess import (
    LOESS_MIN_NEIGHBOURS,
    SURFACES,
    _neighbour_count,
    smoothing_matrix,
)
from synchrony.engine.wcc import WccResult

__all__ = ["PeakAggregate", "PeakResult", "aggregate_peaks", "pick_peaks", "smoothing_matrix"]

PEAK_KINDS = ("max", "min")
"""R's ``loess.control(cell=0.2)``: k-d tree cells hold at most ``floor(n*span*cell)`` points."""
"""A local quadratic needs ``floor(n*span) >= 4`` neighbours (R's loess error 104)."""
"""Relative singular-value cut-off of R's loess pseudo-inverse (``sigma(1)*100*machep``)."""


@dataclass(frozen=True, slots=True)
class PeakResult:
    """One peak (or valley) per WCC window, nearest to lag 0.

    Attributes
    ----------
    window_start_s : (n_windows,) start of each window in seconds, copied from the grid.
    peak_lag_s : (n_windows,) lag of the peak in seconds (> 0: A leads); NaN where no peak.
    peak_r : (n_windows,) the *smoothed* r at the peak (dimensionless); NaN where no peak.
    peak_lag_samples : (n_windows,) lag of the peak in samples, half-sample resolution.
    peak_index_halfsteps : (n_windows,) signed distance of the peak from lag 0 in half lag
        steps (integer-valued floats), minus wcc's ``maxIndex``; NaN where no peak.
    lsize, span, kind : the parameters used.
    """

    window_start_s: np.ndarray
    peak_lag_s: np.ndarray
    peak_r: np.ndarray
    peak_lag_samples: np.ndarray
    peak_index_halfsteps: np.ndarray
    lsize: int
    span: float
    kind: str

    @property
    def found(self) -> np.ndarray:
        """(n_windows,) bool, True where a peak was found."""
        return ~np.isnan(self.peak_index_halfsteps)


def pick_peaks(
    result: WccResult,
    lsize: int = 8,
    span: float = 0.25,
    kind: str = "max",
    surface: str = "interpolate",
) -> PeakResult:
    """Find, in every window, the peak of the smoothed lag profile nearest to lag 0.

    Reproduces wcc 0.4.1 ``wccPeakPick(grid, Lsize=lsize, pspan=span, type="Max")`` (or
    ``"Min"``) on our sign convention (see the module docstring for the algorithm).

    Parameters
    ----------
    result : WccResult
        The grid; ``lags_s`` must be symmetric around 0 and evenly spaced.
    lsize : int
        Number of successive half-step widenings without a new extremum that ends the search;
        also the width (in half-steps) of the edge zone where peaks are rejected.
        ``1 <= lsize <= n_lags // 2``.
    span : float
        Loess span, fraction of the lags in each local fit; ``0 < span <= 1`` and
        ``floor(n_lags * span) >= 4``.
    kind : {"max", "min"}
        Peaks (``"max"``) or valleys (``"min"``).
    surface : {"interpolate", "direct"}
        R loess ``surface``: ``"interpolate"`` (R's default, used by wcc) or exact local
        fitting at every lag.

    Returns
    -------
    PeakResult
        NaN for windows with any missing r and for peaks at the edge.

    Raises
    ------
    ValueError
        Naming the argument, what was expected and what was given.
    """
    r, lag_step_s = _checked_grid(result)
    lsize, span, kind, surface = _checked_options(r.shape[1], lsize, span, kind, surface)
    half_steps, peak_r = _pick(r, lsize, span, kind, surface)
    peak_lag_s = half_steps * (lag_step_s / 2.0)
    return PeakResult(
        window_start_s=np.asarray(result.window_start_s, dtype=float).copy(),
        peak_lag_s=peak_lag_s,
        peak_r=peak_r,
        peak_lag_samples=peak_lag_s * float(result.fs_hz),
        peak_index_halfsteps=half_steps,
        lsize=lsize,
        span=span,
        kind=kind,
    )


def _pick(
    r: np.ndarray, lsize: int, span: float, kind: str, surface: str
) -> tuple[np.ndarray, np.ndarray]:
    """Signed half-step index (our sign) and smoothed r of each row's peak; NaN if none."""
    half_steps = np.full(r.shape[0], np.nan)
    peak_r = np.full(r.shape[0], np.nan)
    complete = np.isfinite(r).all(axis=1)
    if complete.any():
        # Smooth and search in wcc's column order (our lag axis mirrored), so that results
        # and tie-breaks are wcc's; mirroring the operator's columns does that in one product.
        operator = smoothing_matrix(r.shape[1], span, surface)[:, ::-1]
        sign = 1.0 if kind == "max" else -1.0
        smoothed = (sign * r[complete]) @ operator.T
        index_wcc, value = _search_peaks(smoothed, lsize)
        half_steps[complete] = -index_wcc
        peak_r[complete] = sign * value
    return half_steps, peak_r


@dataclass(frozen=True, slots=True)
class PeakAggregate:
    """Moulder et al. (2018) summary of a WCC grid and its peaks (wcc's ``wccAggregate``).

    Means and variances (sample variances, ``ddof=1``) skip NaN. ``z`` is Fisher's
    ``atanh(r)``. Lags are in our sign (> 0: A leads). The peak-lag series is smoothed and
    differentiated over windows by GLLA (generalized local linear approximation: embedding of
    ``embed`` successive windows, quadratic fit), in seconds of session time.

    Attributes
    ----------
    n_windows : number of windows in the grid.
    missing_window_fraction : fraction of windows whose r at the second-largest lag is
        missing (wcc counts NA in its second column, i.e. our lag ``+max - 1 step``).
    max_mean_z, max_var_z : mean and variance of ``atanh(peak r)``.
    total_mean_abs_z : mean of ``|atanh(r)|`` over all cells (missing r counted as 0).
    total_var_z : variance of ``atanh(r)`` over all cells (missing r counted as 0).
    zero_lag_mean_z, zero_lag_var_z : mean and variance of ``atanh(r)`` at lag 0 (missing = 0).
    lag_mean_s, lag_var_s2 : mean (s) and variance (s^2) of the GLLA-smoothed peak lag.
    dlag_mean, dlag_var : mean (s/s) and variance of its first time derivative.
    d2lag_mean, d2lag_var : mean (1/s) and variance (1/s^2) of its second time derivative.
    lag_step_s, window_step_s : lag spacing and window spacing of the grid in seconds.
    lsize, span, kind, embed : the parameters used.
    """

    n_windows: int
    missing_window_fraction: float
    max_mean_z: float
    max_var_z: float
    total_mean_abs_z: float
    total_var_z: float
    zero_lag_mean_z: float
    zero_lag_var_z: float
    lag_mean_s: float
    lag_var_s2: float
    dlag_mean: float
    dlag_var: float
    d2lag_mean: float
    d2lag_var: float
    lag_step_s: float
    window_step_s: float
    lsize: int
    span: float
    kind: str
    embed: int

    def as_wcc(self, samples_per_second: float) -> dict[str, float]:
        """Return the same numbers in wcc's names, units and sign (its ``wccAggregate`` columns).

        wcc reports peak lags in lag steps with its opposite sign, and differentiates them
        over window *indices* with GLLA ``deltaT = samplespersecond``; order-``k`` lag
        statistics therefore scale by ``-window_step_s**k / (lag_step_s *
        samples_per_second**k)`` (variances by its square).

        Parameters
        ----------
        samples_per_second : wcc's ``samplespersecond`` argument (Hz).
        """
        out = {
            "Lsize": float(self.lsize),
            "pspan": self.span,
            "type": 1.0 if self.kind == "max" else -1.0,
            "windows": float(self.n_windows),
            "pctmissingwindows": self.missing_window_fraction,
            "maxMean": self.max_mean_z,
            "maxVar": self.max_var_z,
            "totalMean": self.total_mean_abs_z,
            "totalVar": self.total_var_z,
            "zeroLagMean": self.zero_lag_mean_z,
            "zeroLagVar": self.zero_lag_var_z,
        }
        lag_stats = (
            ("lag", self.lag_mean_s, self.lag_var_s2),
            ("dlag", self.dlag_mean, self.dlag_var),
            ("d2lag", self.d2lag_mean, self.d2lag_var),
        )
        for order, (name, mean, var) in enumerate(lag_stats):
            scale = self.window_step_s**order / (self.lag_step_s * samples_per_second**order)
            out[f"{name}Mean"] = -scale * mean
            out[f"{name}Var"] = scale**2 * var
        return out


def aggregate_peaks(
    result: WccResult,
    lsize: int = 8,
    span: float = 0.25,
    kind: str = "max",
    embed: int = 9,
) -> PeakAggregate:
    """Summarise a WCC grid and its peaks as wcc 0.4.1 ``wccAggregate`` (Moulder et al. 2018).

    As in wcc, missing r are set to 0 *before* peak picking and before the grid statistics
    (so windows with missing cells still get a peak, unlike :func:`pick_peaks`).

    Parameters
    ----------
    result : WccResult
        The grid; lags symmetric around 0 and evenly spaced, windows evenly spaced.
    lsize, span, kind : as :func:`pick_peaks` (loess ``surface="interpolate"``).
    embed : int
        GLLA embedding dimension in windows (wcc's ``embedD``), ``>= 3``.

    Returns
    -------
    PeakAggregate
        Lag statistics are NaN when there are fewer than ``embed`` windows.
    """
    r, lag_step_s = _checked_grid(result)
    lsize, span, kind, _ = _checked_options(r.shape[1], lsize, span, kind, "interpolate")
    embed = _checked_int("embed", embed, 3, sys.maxsize, "windows")
    window_step_s = _window_step_s(result.window_start_s)
    filled = np.where(np.isnan(r), 0.0, r)
    half_steps, peak_r = _pick(filled, lsize, span, kind, "interpolate")
    centre = r.shape[1] // 2
    with np.errstate(divide="ignore"):  # r = +-1 gives infinite z, as in R
        z = np.arctanh(filled)
        z_peak = np.arctanh(peak_r)
    lags = _glla(half_steps * (lag_step_s / 2.0), embed, window_step_s)
    stats = [_mean_var(column) for column in lags.T]
    return PeakAggregate(
        n_windows=r.shape[0],
        missing_window_fraction=float(np.isnan(r[:, -2]).mean()) if r.shape[0] else np.nan,
        max_mean_z=_mean_var(z_peak)[0],
        max_var_z=_mean_var(z_peak)[1],
        total_mean_abs_z=_mean_var(np.abs(z))[0],
        total_var_z=_mean_var(z)[1],
        zero_lag_mean_z=_mean_var(z[:, centre])[0],
        zero_lag_var_z=_mean_var(z[:, centre])[1],
        lag_mean_s=stats[0][0],
        lag_var_s2=stats[0][1],
        dlag_mean=stats[1][0],
        dlag_var=stats[1][1],
        d2lag_mean=stats[2][0],
        d2lag_var=stats[2][1],
        lag_step_s=lag_step_s,
        window_step_s=window_step_s,
        lsize=lsize,
        span=span,
        kind=kind,
        embed=embed,
    )


def _glla(series: np.ndarray, embed: int, delta_s: float) -> np.ndarray:
    """GLLA estimates of value, first and second derivative for every full embedding row.

    Parameters
    ----------
    series : (n,) values sampled every ``delta_s`` seconds; NaN spoils the rows it is in.
    embed : embedding dimension (rows ``series[t : t + embed]``).
    delta_s : sampling interval in seconds.

    Returns
    -------
    (max(n - embed + 1, 0), 3) array: value, d/dt (per s), d2/dt2 (per s^2) at row centres.
    """
    if series.size < embed:
        return np.full((0, 3), np.nan)
    offsets = (np.arange(embed) - (embed - 1) / 2.0) * delta_s
    basis = np.stack([np.ones(embed), offsets, offsets**2 / 2.0], axis=1)
    weights = basis @ np.linalg.inv(basis.T @ basis)
    return np.lib.stride_tricks.sliding_window_view(series, embed) @ weights


def _mean_var(values: np.ndarray) -> tuple[float, float]:
    """Mean and sample variance (ddof=1) of the non-NaN values; NaN when too few."""
    kept = values[~np.isnan(values)]
    with np.errstate(invalid="ignore"):  # infinite z gives NaN variance, as in R
        mean = float(kept.mean()) if kept.size else np.nan
        var = float(kept.var(ddof=1)) if kept.size > 1 else np.nan
    return mean, var


# --------------------------------------------------------------------------- validation


def _fail(name: str, expected: str, got: object) -> ValueError:
    return ValueError(f"{name} must be {expected}, got {got!r}")


def _checked_grid(result: WccResult) -> tuple[np.ndarray, float]:
    """Return ``(r as float64, lag step in s)`` after checking the grid's shape and lags."""
    if not isinstance(result, WccResult):
        raise _fail("result", "a WccResult", type(result).__name__)
    r = np.asarray(result.r, dtype=float)
    lags = np.asarray(result.lags_s, dtype=float)
    if r.ndim != 2 or lags.ndim != 1 or r.shape[1] != lags.size:
        raise _fail("result.r", f"shape (n_windows, {lags.size}) matching lags_s", r.shape)
    if lags.size < 3 or lags.size % 2 == 0:
        raise _fail("result.lags_s", "an odd number (>= 3) of lags, -max ... +max", lags.size)
    step = np.diff(lags)
    if not (step[0] > 0 and np.allclose(step, step[0]) and np.allclose(lags, -lags[::-1])):
        raise _fail("result.lags_s", "evenly spaced ascending lags symmetric around 0", lags)
    return r, float(step[0])


def _checked_options(
    n_lags: int, lsize: object, span: object, kind: object, surface: object
) -> tuple[int, float, str, str]:
    """Validate ``(lsize, span, kind, surface)`` for rows of ``n_lags`` lags; return them."""
    return (
        _checked_lsize(lsize, n_lags),
        _checked_span(span, n_lags),
        _checked_choice("kind", kind, PEAK_KINDS),
        _checked_choice("surface", surface, SURFACES),
    )


def _window_step_s(window_start_s: np.ndarray) -> float:
    """Spacing of evenly spaced window starts in seconds (NaN for a single window)."""
    starts = np.asarray(window_start_s, dtype=float)
    if starts.size < 2:
        return np.nan
    step = np.diff(starts)
    if not (step[0] > 0 and np.allclose(step, step[0])):
        raise _fail("result.window_start_s", "evenly spaced ascending window starts", starts)
    return float(step[0])


def _checked_int(name: str, value: object, low: int, high: int, unit: str) -> int:
    """``value`` as an int if it is an integer (not a bool) in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, Integral) or not low <= int(value) <= high:
        bounds = f">= {low}" if high == sys.maxsize else f"in [{low}, {high}]"
        raise _fail(name, f"an integer {bounds} ({unit})", value)
    return int(value)


def _checked_lsize(lsize: object, n_lags: int) -> int:
    return _checked_int("lsize", lsize, 1, n_lags // 2, "half lag steps")


def _checked_span(span: object, n_lags: int) -> float:
    expected = f"a number in (0, 1] with floor({n_lags} * span) >= {LOESS_MIN_NEIGHBOURS}"
    if isinstance(span, bool) or not isinstance(span, Real):
        raise _fail("span", expected, span)
    value = float(span)
    if not (0.0 < value <= 1.0) or _neighbour_count(n_lags, value) < LOESS_MIN_NEIGHBOURS:
        raise _fail("span", expected, span)
    return value


def _checked_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.lower() not in choices:
        raise _fail(name, " or ".join(repr(c) for c in choices), value)
    return value.lower()


# ------------------------------------------------------------------------------ search


def _search_peaks(smoothed: np.ndarray, lsize: int) -> tuple[np.ndarray, np.ndarray]:
    """Expanding-window maximum search of ``wccPeakSearch`` on every row at once.

    Parameters
    ----------
    smoothed : (rows, 2n - 1) rows at half-lag steps, lag 0 in the middle, wcc's order.
    lsize : successive non-improving widenings that stop the search.

    Returns
    -------
    index, value : (rows,) signed half-step index of the maximum (NaN at the edge) and the
        maximum itself (NaN at the edge).
    """
    rows, n_half = smoothed.shape
    n = (n_half + 1) // 2
    centre = n - 1
    # best[:, w]: maximum over the half-steps -w..+w around the centre.
    best = np.maximum(
        np.maximum.accumulate(smoothed[:, centre::-1], axis=1),
        np.maximum.accumulate(smoothed[:, centre:], axis=1),
    )
    width = _stop_width(best, lsize)
    peak = best[np.arange(rows), width]
    offsets = np.abs(np.arange(n_half) - centre)
    hits = (smoothed == peak[:, None]) & (offsets[None, :] <= width[:, None])
    index = (np.argmax(hits, axis=1) - centre).astype(float)
    at_edge = np.abs(index) > n - lsize - 1
    index[at_edge] = np.nan
    return index, np.where(at_edge, np.nan, peak)


def _stop_width(best: np.ndarray, lsize: int) -> np.ndarray:
    """Half-width at which the search stops, per row.

    Widening to ``w`` (``w >= 2``) is stale when ``best[w] == best[w - 1]``; the search
    stops at the first ``w`` ending ``lsize`` stale widenings in a row, else at ``n - 1``.
    """
    n = best.shape[1]
    stale = best[:, 2:] <= best[:, 1:-1]  # column k is the widening to w = k + 2
    if stale.shape[1] < lsize:
        return np.full(best.shape[0], n - 1)
    counts = np.zeros((stale.shape[0], stale.shape[1] + 1), dtype=np.int64)
    np.cumsum(stale, axis=1, out=counts[:, 1:])
    runs = counts[:, lsize:] - counts[:, :-lsize]
    done = runs == lsize  # column k: widenings k+2 .. k+lsize+1 all stale
    return np.where(done.any(axis=1), np.argmax(done, axis=1) + lsize + 1, n - 1)
