"""Argument checks shared by the public functions.

Every failure is a ``ValueError`` whose message names the argument, what was expected
and what was got, e.g. ``window_s must be > 0, got -1.0``.
"""

from __future__ import annotations

import math

import numpy as np


def positive(name: str, value: float) -> float:
    """Return ``value`` as a float if it is finite and > 0."""
    value = _finite(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value:g}")
    return value


def non_negative(name: str, value: float) -> float:
    """Return ``value`` as a float if it is finite and >= 0."""
    value = _finite(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value:g}")
    return value


def _finite(name: str, value: float) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out}")
    return out


def series(name: str, values: object) -> np.ndarray:
    """Return a 1-D float64 copy of ``values``; NaN marks missing samples."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-D numeric array, got non-numeric values") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {arr.shape}")
    if np.isinf(arr).any():
        raise ValueError(f"{name} must not contain infinite values (use NaN for missing samples)")
    return arr


def same_length(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    """Raise unless ``a`` and ``b`` have the same length."""
    if len(a) != len(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same length, got {len(a)} and {len(b)}"
        )


def samples(name: str, seconds: float, fs_hz: float, *, minimum: int) -> int:
    """Convert a duration in seconds to a whole number of samples (nearest), >= minimum."""
    if not math.isfinite(seconds * fs_hz):
        raise ValueError(f"{name} is too large: {seconds:g} s at {fs_hz:g} Hz is not a "
                         "countable number of samples")
    n = int(round(seconds * fs_hz))
    if n < minimum:
        raise ValueError(
            f"{name} must span at least {minimum} sample(s) at {fs_hz:g} Hz, "
            f"got {seconds:g} s = {seconds * fs_hz:g} samples"
        )
    return n


def series_pair(a: object, b: object) -> tuple[np.ndarray, np.ndarray]:
    """Validate two 1-D series of equal length (named ``a`` and ``b``); NaN marks missing."""
    a_arr, b_arr = series("a", a), series("b", b)
    same_length("a", a_arr, "b", b_arr)
    return a_arr, b_arr


def duration_samples(name: str, seconds: float, fs_hz: float, *, minimum: int) -> int:
    """Convert a duration >= 0 s to whole samples (nearest), requiring at least ``minimum``."""
    return samples(name, non_negative(name, seconds), fs_hz, minimum=minimum)


def step_within_window(step_s: float, window_s: float) -> None:
    """Raise unless ``step_s <= window_s`` (a longer step skips the samples between windows)."""
    if step_s > window_s:
        raise ValueError(f"step_s must not exceed window_s (a longer step skips the samples "
                         f"between windows), got step_s={step_s:g} and window_s={window_s:g}")
