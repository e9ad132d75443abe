"""The uniform time grid: grid times, resampling by timestamp, low-pass, derivatives.

Every signal is computed on the grid ``t0 + k / grid_hz``: raw features are first resampled
onto it by timestamp (linear interpolation across gaps of at most ``max_gap_s``; longer gaps
and missing people stay NaN), so dropped frames become NaN gaps, never silent time
compression. Positions, angles and coefficients are then low-pass filtered (MediaPipe
landmarks jitter from frame to frame) and differentiated.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy.signal import butter, sosfilt, sosfilt_zi, sosfiltfilt

from synchrony.engine import validation

__all__ = [
    "DEFAULT_CUTOFF_HZ",
    "DEFAULT_MAX_GAP_S",
    "derivative",
    "lowpass",
    "resample",
    "speed",
    "uniform_grid",
]

DEFAULT_MAX_GAP_S = 0.5
DEFAULT_CUTOFF_HZ = 3.0
#: Grid times this close to a sample take its value (rounding of k / grid_hz).
_SAME_TIME_S = 1e-6


def uniform_grid(timestamps_s: np.ndarray, grid_hz: float) -> np.ndarray:
    """Grid times from the first to the last timestamp, ``1 / grid_hz`` apart."""
    grid_hz = validation.positive("grid_hz", grid_hz)
    if len(timestamps_s) == 0:
        return np.zeros(0)
    t0, t1 = float(timestamps_s[0]), float(timestamps_s[-1])
    n = int(math.floor((t1 - t0) * grid_hz + 1e-9)) + 1
    return t0 + np.arange(n) / grid_hz


def resample(t_src: np.ndarray, values: np.ndarray, t_grid: np.ndarray,
             max_gap_s: float = DEFAULT_MAX_GAP_S) -> np.ndarray:
    """Linear interpolation of each column onto ``t_grid``, bridging gaps <= ``max_gap_s``.

    ``values`` is (n_src,) or (n_src, d); NaN rows are missing samples. A grid time gets a
    value only if the valid samples on both sides are at most ``max_gap_s`` apart (or it
    coincides with a valid sample); otherwise NaN.
    """
    vals = np.asarray(values, dtype=np.float64)
    flat = vals.reshape(len(t_src), math.prod(vals.shape[1:]))  # also for 0 samples
    out = np.full((len(t_grid), flat.shape[1]), np.nan)
    finite = np.isfinite(flat)
    for cols in _same_mask_columns(finite):
        ok = finite[:, cols[0]]
        if not ok.any():
            continue
        ts = t_src[ok]
        right = np.searchsorted(ts, t_grid, side="left")
        left = np.clip(right - 1, 0, len(ts) - 1)
        right_c = np.clip(right, 0, len(ts) - 1)
        exact = (np.abs(ts[right_c] - t_grid) <= _SAME_TIME_S) | (
            np.abs(ts[left] - t_grid) <= _SAME_TIME_S)
        inside = (right > 0) & (right < len(ts)) & (ts[right_c] - ts[left] <= max_gap_s + 1e-9)
        keep = inside | exact
        at = t_grid[keep]
        ys = np.ascontiguousarray(flat[np.ix_(ok, cols)].T)  # one row per column
        for j, y in zip(cols, ys, strict=True):
            out[keep, j] = np.interp(at, ts, y)
    return out.reshape((len(t_grid),) + vals.shape[1:])


def lowpass(x: np.ndarray, fs_hz: float, cutoff_hz: float = DEFAULT_CUTOFF_HZ, *,
            causal: bool = False) -> np.ndarray:
    """2nd-order Butterworth low-pass along axis 0, segment by segment (NaN gaps).

    Zero-phase (forward-backward) by default; ``causal=True`` filters forward only, as a
    live view must (it then lags by the filter's group delay). Segments too short to
    filter zero-phase are left as they are. Columns (all trailing axes) that share the
    same gaps are filtered together in one call.
    """
    out = np.array(x, dtype=np.float64, order="C")  # a C-contiguous copy: flat is a view
    if cutoff_hz <= 0 or cutoff_hz >= fs_hz / 2 or out.size == 0:
        return out
    sos, sos_zi = _butter_lowpass(float(cutoff_hz), float(fs_hz))
    flat = out.reshape(len(out), -1)
    finite = np.isfinite(flat)
    for cols in _same_mask_columns(finite):
        present = finite[:, cols[0]].astype(np.int8)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], present, [0]])))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            seg = flat[start:stop][:, cols]
            if causal:
                zi = sos_zi[:, :, None] * seg[0][None, None, :]
                flat[start:stop, cols] = sosfilt(sos, seg, axis=0, zi=zi)[0]
            elif stop - start > 9:
                flat[start:stop, cols] = sosfiltfilt(sos, seg, axis=0,
                                                     padlen=min(9, stop - start - 1))
    return out


@functools.lru_cache(maxsize=32)
def _butter_lowpass(cutoff_hz: float, fs_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """2nd-order Butterworth low-pass (sos) and its step-response state; never modify them.

    Designed once per (cutoff, rate): the live view filters every half second. (Not made
    read-only: scipy's ``sosfilt`` takes a writable buffer, although it only reads it.)
    """
    sos = butter(2, cutoff_hz, btype="low", fs=fs_hz, output="sos")
    return sos, sosfilt_zi(sos)


def _same_mask_columns(finite: np.ndarray) -> list[np.ndarray]:
    """Column indices of ``finite`` (n, d) grouped by identical columns, first seen first."""
    if finite.shape[1] == 0:
        return []
    _, group_of = np.unique(np.packbits(finite, axis=0).T, axis=0, return_inverse=True)
    group_of = group_of.reshape(-1)
    return [np.flatnonzero(group_of == group) for group in np.unique(group_of)]


def derivative(x: np.ndarray, fs_hz: float, causal: bool = False) -> np.ndarray:
    """d/dt along axis 0: central differences, or backward differences if ``causal``.

    In units of ``x`` per second; the first sample of a causal derivative is NaN.
    """
    if len(x) < 2:
        return np.full_like(x, np.nan, dtype=np.float64)
    if not causal:
        return np.gradient(x, axis=0) * fs_hz
    d = np.empty_like(x, dtype=np.float64)
    d[1:] = np.diff(x, axis=0) * fs_hz
    d[0] = np.nan
    return d


def speed(x: np.ndarray, fs_hz: float, causal: bool = False) -> np.ndarray:
    """(n,) Euclidean norm over the trailing axes of d/dt, per sample (units of x per s)."""
    d = derivative(x, fs_hz, causal)
    return np.sqrt(np.sum(d.reshape(len(d), -1) ** 2, axis=1))
