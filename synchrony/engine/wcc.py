"""Windowed cross-correlation (WCC) of two movement series.

Sign convention
---------------
At lag > 0, **A leads and B follows**: B's movement resembles A's *earlier* movement.
Column ``+tau`` of ``WccResult.r`` correlates A's window with B's window ``tau`` seconds
*later*. This is rMEA's "s1 leads" with s1 = A, and the opposite of the sign that Boker's
``wcc`` package prints (its column ``+tau`` is our column ``-tau``).

Windowing
---------
Two window conventions (the ``windowing`` argument; ``method`` is its older name, kept as
an alias). Both use windows of ``w`` samples, lags ``-L … +L`` one sample apart, and window
``k`` draws all its samples from the block ``[k·inc, k·inc + w + L)``.

``"rmea"`` reproduces rMEA 1.3.0 ``MEAccf``: ``n_windows = ceil((N - w - L + 1) / inc)``;
for lag ``l >= 0`` it correlates ``A[k·inc : +w]`` with ``B[k·inc + l : +w]`` (for ``l < 0``
A is the shifted one). Missing samples (NaN): a whole window row is NaN when more than
half of either person's block is missing; otherwise each cell is the Pearson r over the
pairs where both are present, NaN when fewer than 2 of those pairs differ (rMEA's
``sum(x != y) < 2`` rule) or when either side is constant.

``"boker"`` reproduces wcc 0.4.1 ``wccCalc(method="r")`` (Boker et al. 2002): trailing
windows whose lag-0 window ends at sample ``w + L - 1 + k·inc`` (0-based),
``n_windows = floor((N - w - L) / inc)``; the *follower's* window stays put and the
leader's window moves earlier by ``|l|``. Pairwise-complete Pearson r, NaN when either
side is constant or fewer than 2 pairs remain. ``window_start_s`` is the start of the
lag-0 window.

Each cell equals a two-pass Pearson r (segments centred on their own means, as R's
``cor`` does), computed for all windows and lags at once in chunks that bound memory: the
fixed segment is centred exactly, the moving segments' sums and sums of squares come from
prefix sums, and the cross sums at every lag from one batched real FFT per window block,
so the cost does not grow with window length x lags. Cells where prefix sums or the FFT
would lose digits (a segment with a tiny share of its block's energy) are recomputed
two-pass, so the grids equal the R tools' to ~1e-12 even in nearly constant windows. Gaps
(NaN) are computed pairwise-complete with strided views.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft as sp_fft

from synchrony.engine import validation

Windowing = Literal["rmea", "boker"]
WINDOWINGS: tuple[str, ...] = ("rmea", "boker")
#: Older names of ``Windowing`` and ``WINDOWINGS`` (kept for scripts that import them).
Method = Windowing
METHODS = WINDOWINGS

#: A centred sum of squares at or below this fraction of n * mean^2 is a constant segment
#: (rounding level of the mean); R's ``cor`` returns NA there.
_CONSTANT_REL_TOL = 1e-20
#: Recompute a cell two-pass when its sum of squares is below this fraction of the sums
#: it was derived from (more than ~3 digits cancelled).
_ILL_CONDITIONED = 1e-3
#: Samples per chunk of (window, lag, sample) arrays: bounds memory to ~30 MB per array.
_CHUNK_CELLS = 4_000_000


@dataclass(frozen=True, slots=True)
class WccResult:
    """A window x lag grid of Pearson r (sign: lag > 0 means A leads, B follows).

    Attributes
    ----------
    window_start_s : (n_windows,) start of each (lag-0) window, seconds from sample 0.
    lags_s : (n_lags,) ascending lags in seconds, ``-max … +max``, one sample apart.
    r : (n_windows, n_lags) float64 Pearson r; NaN where undefined.
    fs_hz : sampling rate of the series in Hz.
    window_s : window length in seconds (a whole number of samples).
    step_s : step between window starts in seconds (a whole number of samples).
    method : windowing convention, ``"rmea"`` or ``"boker"`` (field name kept; the same
        value is :attr:`windowing`).
    """

    window_start_s: np.ndarray
    lags_s: np.ndarray
    r: np.ndarray
    fs_hz: float
    window_s: float
    step_s: float
    method: str = "rmea"

    @property
    def windowing(self) -> str:
        """Windowing convention, ``"rmea"`` or ``"boker"`` (the ``method`` field)."""
        return self.method

    @property
    def lag_samples(self) -> np.ndarray:
        """(n_lags,) integer lags in samples."""
        return np.rint(self.lags_s * self.fs_hz).astype(int)

    @property
    def window_samples(self) -> int:
        """Window length in samples."""
        return int(round(self.window_s * self.fs_hz))

    @property
    def window_center_s(self) -> np.ndarray:
        """(n_windows,) centre of each lag-0 window in seconds."""
        return self.window_start_s + 0.5 * (self.window_samples - 1) / self.fs_hz


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where each cell's two segments start, as offsets inside window k's block."""

    win: int
    inc: int
    max_lag: int
    n_windows: int
    block_start: np.ndarray  # (n_windows,) first sample of each window's block
    offset_a: np.ndarray  # (n_lags,) start of A's segment inside the block
    offset_b: np.ndarray  # (n_lags,) start of B's segment inside the block
    first_window_offset: int  # offset of the lag-0 window inside the block


def _layout(n: int, win: int, inc: int, max_lag: int, windowing: str) -> _Layout:
    lags = np.arange(-max_lag, max_lag + 1)
    if windowing == "rmea":
        n_windows = math.ceil((n - win - max_lag + 1) / inc)
        offset_a = np.maximum(0, -lags)
        offset_b = np.maximum(0, lags)
        first = 0
    else:  # boker: the follower's window is the lag-0 window at offset max_lag
        n_windows = (n - win - max_lag) // inc
        offset_a = max_lag - np.maximum(0, lags)
        offset_b = max_lag - np.maximum(0, -lags)
        first = max_lag
    return _Layout(win, inc, max_lag, max(n_windows, 0), np.arange(max(n_windows, 0)) * inc,
                   offset_a, offset_b, first)


def resolve_windowing(windowing: str | None = None, method: str | None = None) -> Windowing:
    """Resolve the windowing from ``windowing=`` or its alias ``method=`` (default rmea).

    Raises
    ------
    ValueError
        When both are given and differ, or the value is not one of ``WINDOWINGS`` (the
        message names the argument that was used).
    """
    if windowing is not None and method is not None and windowing != method:
        raise ValueError(f"windowing and its alias method disagree: got windowing={windowing!r} "
                         f"and method={method!r}; give one of them")
    name, value = ("windowing", windowing) if windowing is not None else ("method", method)
    if value is None:
        return "rmea"
    if value not in WINDOWINGS:
        raise ValueError(f"{name} must be one of {', '.join(WINDOWINGS)}, got {value!r}")
    return cast(Windowing, value)


def check_parameters(
    n_samples: int,
    *,
    fs_hz: float,
    window_s: float,
    step_s: float,
    max_lag_s: float,
    windowing: str | None = None,
    method: str | None = None,
) -> tuple[int, int, int]:
    """Validate WCC parameters; return (window, step, max lag) in samples.

    The maximum lag must be shorter than the window; ``windowing="boker"`` also allows a lag
    equal to the window, as wcc's own defaults (``wMax = tMax = 50``) use it. ``method`` is
    the older name of ``windowing`` (see :func:`resolve_windowing`); default ``"rmea"``.
    Raises ``ValueError`` naming the argument, the expected and the got value.
    """
    windowing = resolve_windowing(windowing, method)
    fs_hz = validation.positive("fs_hz", fs_hz)
    validation.positive("window_s", window_s)
    validation.positive("step_s", step_s)
    validation.non_negative("max_lag_s", max_lag_s)
    win = validation.samples("window_s", window_s, fs_hz, minimum=2)
    inc = validation.samples("step_s", step_s, fs_hz, minimum=1)
    max_lag = validation.samples("max_lag_s", max_lag_s, fs_hz, minimum=0)
    if max_lag > win or (max_lag == win and windowing != "boker"):
        raise ValueError(
            f"max_lag_s must be shorter than window_s, got max_lag_s={max_lag_s:g} "
            f"and window_s={window_s:g}"
        )
    need = win + max_lag
    if n_samples < need:
        raise ValueError(
            f"series must be at least one window plus the maximum lag long "
            f"({need} samples = {need / fs_hz:g} s at {fs_hz:g} Hz), got {n_samples} samples"
        )
    return win, inc, max_lag


def windowed_xcorr(
    a: np.ndarray,
    b: np.ndarray,
    *,
    fs_hz: float,
    window_s: float,
    step_s: float,
    max_lag_s: float,
    windowing: Windowing | None = None,
    method: Windowing | None = None,
) -> WccResult:
    """Windowed lagged Pearson cross-correlation of A and B.

    Parameters
    ----------
    a, b : (N,) series of person A and person B on one uniform time grid; NaN = missing.
    fs_hz : sampling rate in Hz.
    window_s : window length in seconds.
    step_s : step between successive windows in seconds.
    max_lag_s : largest lag in seconds (both directions); must be < ``window_s``.
    windowing : ``"rmea"`` (rMEA ``MEAccf``, the default) or ``"boker"`` (wcc
        ``wccCalc``); see the module docstring.
    method : older name of ``windowing``, kept as an alias; giving both with different
        values is a ``ValueError``.

    Returns
    -------
    WccResult
        ``r[k, j]`` is the correlation in window k at lag ``lags_s[j]``; lag > 0 means
        A leads and B follows.
    """
    a = validation.series("a", a)
    b = validation.series("b", b)
    validation.same_length("a", a, "b", b)
    windowing = resolve_windowing(windowing, method)
    win, inc, max_lag = check_parameters(
        len(a), fs_hz=fs_hz, window_s=window_s, step_s=step_s, max_lag_s=max_lag_s,
        windowing=windowing,
    )
    lay = _layout(len(a), win, inc, max_lag, windowing)
    r = _correlate(a, b, lay, rmea_rules=(windowing == "rmea"))
    return WccResult(
        window_start_s=(lay.block_start + lay.first_window_offset) / fs_hz,
        lags_s=np.arange(-max_lag, max_lag + 1) / fs_hz,
        r=r,
        fs_hz=float(fs_hz),
        window_s=win / fs_hz,
        step_s=inc / fs_hz,
        method=windowing,
    )


def _correlate(a: np.ndarray, b: np.ndarray, lay: _Layout, *, rmea_rules: bool) -> np.ndarray:
    """All cells of the grid, in chunks of windows that bound memory."""
    n_lags = 2 * lay.max_lag + 1
    out = np.full((lay.n_windows, n_lags), np.nan)
    block = lay.win + lay.max_lag
    per_chunk = max(1, _CHUNK_CELLS // ((lay.max_lag + 1) * lay.win))
    for k0 in range(0, lay.n_windows, per_chunk):
        k1 = min(lay.n_windows, k0 + per_chunk)
        idx = lay.block_start[k0:k1, None] + np.arange(block)[None, :]
        out[k0:k1] = _blocks_r(a[idx], b[idx], lay, rmea_rules=rmea_rules)
    return out


def _sides(lay: _Layout) -> list[tuple[np.ndarray, bool, int, np.ndarray]]:
    """For lags >= 0 and lags < 0: (lag columns, A is fixed?, fixed offset, moving starts).

    In every cell one person's segment sits at a fixed offset of the window's block and
    the other's slides; which one depends on the method and on the sign of the lag.
    """
    lags = np.arange(-lay.max_lag, lay.max_lag + 1)
    sides = []
    for cols in (np.flatnonzero(lags >= 0), np.flatnonzero(lags < 0)):
        off_a, off_b = lay.offset_a[cols], lay.offset_b[cols]
        a_fixed = bool(np.all(off_a == off_a[0]))
        fixed_offset = int(off_a[0] if a_fixed else off_b[0])
        sides.append((cols, a_fixed, fixed_offset, off_b if a_fixed else off_a))
    return sides


def _prefix(x: np.ndarray) -> np.ndarray:
    """Row-wise prefix sums with a leading zero column."""
    out = np.zeros((x.shape[0], x.shape[1] + 1))
    np.cumsum(x, axis=1, out=out[:, 1:])
    return out


def _window_sums(prefix: np.ndarray, start: np.ndarray, win: int) -> np.ndarray:
    """Return the sums over ``[start, start + win)`` of each row, from row-wise prefix sums."""
    return prefix[:, start + win] - prefix[:, start]


def _blocks_r(
    blk_a: np.ndarray, blk_b: np.ndarray, lay: _Layout, *, rmea_rules: bool
) -> np.ndarray:
    """Pearson r for a stack of window blocks (n, win + max_lag) -> (n, n_lags)."""
    n_win, n_lags, w = blk_a.shape[0], 2 * lay.max_lag + 1, lay.win
    r = np.full((n_win, n_lags), np.nan)
    has_nan = np.isnan(blk_a).any(axis=1) | np.isnan(blk_b).any(axis=1)
    full = np.flatnonzero(~has_nan)
    gaps = np.flatnonzero(has_nan)
    for cols, a_fixed, f0, starts in _sides(lay):
        fixed_blk, moving_blk = (blk_a, blk_b) if a_fixed else (blk_b, blk_a)
        fixed = fixed_blk[:, f0:f0 + w]
        side = np.full((n_win, len(cols)), np.nan)
        if full.size:
            side[full], maybe_equal = _r_complete(fixed[full], moving_blk[full], starts, w)
            if rmea_rules and maybe_equal.any():
                rows = full[maybe_equal.any(axis=1)]
                moving = sliding_window_view(moving_blk[rows], w, axis=1)[:, starts]
                side[rows] = np.where(_few_differ(fixed[rows], moving), np.nan, side[rows])
        if gaps.size:
            moving = sliding_window_view(moving_blk[gaps], w, axis=1)[:, starts]
            side[gaps] = _r_pairwise(fixed[gaps], moving)
            if rmea_rules:
                side[gaps] = np.where(_few_differ(fixed[gaps], moving), np.nan, side[gaps])
        r[:, cols] = side
    if rmea_rules:
        block = blk_a.shape[1]
        too_many = np.maximum(np.isnan(blk_a).sum(1), np.isnan(blk_b).sum(1)) > block / 2
        r[too_many] = np.nan
    return r


def _few_differ(fixed: np.ndarray, moving: np.ndarray) -> np.ndarray:
    """Apply rMEA's NA rule: True where fewer than 2 present pairs differ (``sum(x != y) < 2``)."""
    with np.errstate(invalid="ignore"):
        differ = (fixed[:, None, :] != moving) & ~np.isnan(moving) & ~np.isnan(fixed)[:, None, :]
    return differ.sum(axis=2) < 2


def _r_complete(
    fixed: np.ndarray, moving_blk: np.ndarray, starts: np.ndarray, w: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pearson r of fixed segments (n, w) with the segments of ``moving_blk`` at ``starts``.

    The fixed segment is centred exactly on its own mean, so the cross sum needs no mean
    of the moving segment. The moving segments' sums of squares come from prefix sums of
    the block centred on its mean; the few cells where that would cancel badly (segment
    mean far from the block mean relative to its spread) are recomputed two-pass, so every
    cell matches a two-pass computation like R's ``cor``.

    Also returns a mask of cells whose segments *may* be equal but for at most one sample
    (necessary condition ``sum((x-y)^2) == (sum(x-y))^2``), where rMEA's NA rule is then
    checked exactly.
    """
    f_mean = fixed.mean(axis=1, keepdims=True)
    fc = fixed - f_mean
    sff = np.einsum("kw,kw->k", fc, fc)[:, None]
    centre = moving_blk.mean(axis=1, keepdims=True)
    mb = moving_blk - centre
    sm = _window_sums(_prefix(mb), starts, w)
    p2 = _prefix(mb * mb)
    smm = _window_sums(p2, starts, w) - sm * sm / w
    sfm = _cross_sums(fc, mb)[:, starts]
    m_mean = centre + sm / w
    # A block that never changes has no variance in any segment: every cell is NaN (a
    # two-pass computation gives a variance of exactly 0 or a few ulps, below the tolerance).
    constant = (np.ptp(moving_blk, axis=1) == 0)[:, None]
    # Prefix-sum differences lose digits when a segment's spread is small next to its
    # offset from the block mean or next to the block's total: recompute those exactly.
    ill = ~(smm > _ILL_CONDITIONED * np.maximum(sm * sm / w, p2[:, -1:])) & ~constant
    if ill.any():
        k, j = np.nonzero(ill)
        seg = sliding_window_view(moving_blk, w, axis=1)[k, starts[j]]
        m_mean[k, j] = seg.mean(axis=1)
        segc = seg - m_mean[k, j][:, None]
        smm[k, j] = np.einsum("nw,nw->n", segc, segc)
        sfm[k, j] = np.einsum("nw,nw->n", fc[k], segc)
    ok = (sff > _CONSTANT_REL_TOL * w * f_mean**2) & (
        smm > _CONSTANT_REL_TOL * w * m_mean**2) & ~constant
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(ok, sfm / np.sqrt(np.where(ok, sff * smm, 1.0)), np.nan)
    delta = f_mean - m_mean
    s2 = sff + smm - 2.0 * sfm + w * delta**2  # sum((x - y)^2)
    s1_sq = (w * delta) ** 2  # (sum(x - y))^2
    maybe_equal = np.abs(s2 - s1_sq) <= 1e-6 * (sff + smm + s1_sq) + 1e-300
    return np.clip(r, -1.0, 1.0), maybe_equal


def _cross_sums(fixed_c: np.ndarray, moving_blk: np.ndarray) -> np.ndarray:
    """Return ``out[k, s] = sum_i fixed_c[k, i] * moving_blk[k, s + i]`` for every offset ``s``.

    One batched real FFT per block (circular correlation on a length that cannot wrap),
    so the cost grows with the block length, not with window length x lags. Rounding is
    relative to the block's energy; cells whose segment holds a tiny share of it are the
    ill-conditioned ones that ``_r_complete`` recomputes two-pass.
    """
    w, block = fixed_c.shape[1], moving_blk.shape[1]
    n = sp_fft.next_fast_len(block, real=True)
    spec = np.conj(sp_fft.rfft(fixed_c, n, axis=1)) * sp_fft.rfft(moving_blk, n, axis=1)
    return sp_fft.irfft(spec, n, axis=1)[:, : block - w + 1]


def _r_pairwise(fixed: np.ndarray, moving: np.ndarray) -> np.ndarray:
    """Like ``_r_complete`` but over the pairs where both values are present."""
    both = ~np.isnan(moving) & ~np.isnan(fixed)[:, None, :]
    n = both.sum(axis=2)
    f = np.where(both, fixed[:, None, :], 0.0)
    m = np.where(both, moving, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        f_mean = f.sum(2) / n
        m_mean = m.sum(2) / n
        fc = np.where(both, f - f_mean[..., None], 0.0)
        mc = np.where(both, m - m_mean[..., None], 0.0)
    sff = np.einsum("ksw,ksw->ks", fc, fc)
    smm = np.einsum("ksw,ksw->ks", mc, mc)
    sfm = np.einsum("ksw,ksw->ks", fc, mc)
    ok = (n >= 2) & (sff > _CONSTANT_REL_TOL * n * f_mean**2) & (
        smm > _CONSTANT_REL_TOL * n * m_mean**2
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(ok, sfm / np.sqrt(np.where(ok, sff * smm, 1.0)), np.nan)
    return np.clip(r, -1.0, 1.0)


def window_abs_max(r: np.ndarray) -> np.ndarray:
    """(n_windows,) largest |r| over lags of each window; NaN for an all-NaN window."""
    finite = np.isfinite(r)
    out = np.where(finite, np.abs(r), -np.inf).max(axis=1, initial=-np.inf)
    return np.where(finite.any(axis=1), out, np.nan)


def mean_abs_peak_r(r: np.ndarray) -> float:
    """Mean over windows of the largest |r| over lags (all-NaN windows left out; NaN if none).

    The session-level synchrony strength that ``analyze`` reports and tests against
    surrogates.
    """
    peak = window_abs_max(np.asarray(r, dtype=np.float64).reshape(len(r), -1))
    peak = peak[np.isfinite(peak)]
    return float(peak.mean()) if peak.size else math.nan


def fisher_z(r: np.ndarray | float, clip: float = 10.0) -> np.ndarray:
    """Fisher's z = atanh(r), clipped to ``±clip`` like rMEA (r = ±1 gives ±clip)."""
    r_arr = np.asarray(r, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.arctanh(r_arr)
    return np.clip(z, -clip, clip)

__all__ = [
    "METHODS", "WINDOWINGS", "Method", "WccResult", "Windowing", "check_parameters",
    "fisher_z", "mean_abs_peak_r", "resolve_windowing", "window_abs_max", "windowed_xcorr",
]
