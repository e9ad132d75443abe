"""Session-level surrogate significance tests.

Sign convention: at lag > 0 **A leads and B follows** (B resembles A's earlier movement).

:func:`surrogate_test` compares any statistic of (A, B) with its values after rearranging B
against A (circular shifts or segment reorderings) and returns a one-sided p-value and a
z-score: the permutation p-value, or -- given the number of effectively independent
surrogates -- a prediction-interval reading (:func:`prediction_p`) that stays calibrated
when the session is short. :func:`rearrangements` yields the rearrangements themselves.
:func:`mean_abs_peak_r_statistic` and :func:`profile_peak_z_statistic` build WCC statistics.
SUSY lives in :mod:`synchrony.engine.susy`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import t as student_t

from synchrony.engine import validation
from synchrony.engine.lag_profile import profile_peak_z
from synchrony.engine.wcc import resolve_windowing

FloatArray = NDArray[np.float64]
Statistic = Callable[[FloatArray, FloatArray], float]
SurrogateMethod = Literal["circular_shift", "segment_shuffle"]
SURROGATE_METHODS: tuple[str, ...] = ("circular_shift", "segment_shuffle")


# --------------------------------------------------------------------------------------
# session-level surrogate test
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SurrogateTest:
    """Outcome of a surrogate significance test.

    Attributes
    ----------
    method : "circular_shift" or "segment_shuffle".
    n : number of surrogates used for the null: distinct rearrangements with a finite
        statistic (at most ``n_surrogates``).
    observed : statistic of the original pair.
    null_mean, null_sd : mean and SD (n - 1) of the finite null values.
    z : (observed - null_mean) / null_sd; NaN when undefined.
    p : the one-sided p-value (larger statistic = more synchrony) as ``reading`` says.
    null : statistic of every distinct surrogate drawn, NaN where the statistic was NaN.
    p_permutation : (1 + #{null >= observed}) / (n + 1).
    n_effective : effectively independent surrogates assumed by the ``"t_prediction"``
        reading (NaN for ``"permutation"``).
    reading : ``"permutation"`` (``p = p_permutation``) or ``"t_prediction"``
        (``p`` from :func:`prediction_p`).
    """

    method: str
    n: int
    observed: float
    null_mean: float
    null_sd: float
    z: float
    p: float
    null: FloatArray
    p_permutation: float = math.nan
    n_effective: float = math.nan
    reading: str = "permutation"


def prediction_p(observed: float, null_mean: float, null_sd: float, n_effective: float
                 ) -> float:
    """One-sided p-value of ``observed`` as one more draw from the surrogates' null.

    Surrogates of one short session are strongly dependent (circular shifts closer than the
    statistic's reach give nearly the same value), so their empirical quantiles rest on
    only ``n_effective`` independent values and the permutation p-value is too small by
    chance (the observed value beats all of ~7 independent values 1 time in 8). This reads
    the observed value against a normal null whose mean and SD are estimated from
    ``n_effective`` values: ``t = (observed - mean) / (sd * sqrt(1 + 1 / n_eff))`` on
    ``n_eff - 1`` degrees of freedom (a one-sided prediction interval). ``n_effective`` is
    clipped to at least 2. NaN when an input is not finite or ``null_sd <= 0``.
    """
    k = max(2.0, float(n_effective))
    if not (math.isfinite(observed) and math.isfinite(null_mean) and math.isfinite(null_sd)
            and null_sd > 0 and math.isfinite(k)):
        return math.nan
    t = (observed - null_mean) / (null_sd * math.sqrt(1.0 + 1.0 / k))
    return float(student_t.sf(t, df=k - 1.0))


def _segment_orders(n_segments: int, n_wanted: int, rng: np.random.Generator) -> list[list[int]]:
    """Distinct orders of the segments other than the original one.

    All ``n_segments! - 1`` of them when that is at most ``n_wanted`` (an exact test), else
    ``n_wanted`` drawn uniformly without replacement. Orders keeping some segments in place
    are allowed: the comparison set is then the whole permutation group, which keeps the
    test exact; derangements only would make it anti-conservative with few segments.
    """
    identity = tuple(range(n_segments))
    if math.factorial(n_segments) - 1 <= n_wanted:
        return [list(p) for p in itertools.permutations(identity) if p != identity]
    seen: dict[tuple[int, ...], None] = {}
    while len(seen) < n_wanted:
        order = tuple(rng.permutation(n_segments).tolist())
        if order != identity:
            seen[order] = None
    return [list(p) for p in seen]


def _circular_shift_indices(
    n_samples: int, min_shift_samples: int, n_wanted: int, rng: np.random.Generator
) -> Iterator[NDArray[np.intp]]:
    """Index arrays rotating a series by distinct offsets in [min_shift, n - min_shift]."""
    offsets = np.arange(min_shift_samples, n_samples - min_shift_samples + 1)
    if offsets.size > n_wanted:
        offsets = rng.choice(offsets, size=n_wanted, replace=False)
    base = np.arange(n_samples)
    for offset in offsets:
        yield (base - offset) % n_samples


def _segment_shuffle_indices(
    n_samples: int, segment_samples: int, n_wanted: int, rng: np.random.Generator
) -> Iterator[NDArray[np.intp]]:
    """Index arrays reordering whole segments; an incomplete tail segment stays in place."""
    n_seg = n_samples // segment_samples
    blocks = np.arange(n_seg * segment_samples).reshape(n_seg, segment_samples)
    tail = np.arange(n_seg * segment_samples, n_samples)
    for order in _segment_orders(n_seg, n_wanted, rng):
        yield np.concatenate([blocks[order].ravel(), tail])


def _block_samples(
    method: str, n_samples: int, fs_hz: float, min_shift_s: float, segment_s: float
) -> int:
    """Validate the method and its parameter; return min shift or segment in samples."""
    if method == "circular_shift":
        shift = validation.duration_samples("min_shift_s", min_shift_s, fs_hz, minimum=1)
        if n_samples - 2 * shift < 0:
            raise ValueError(
                f"min_shift_s must be at most half the series ({n_samples / fs_hz / 2:g} s), "
                f"got {min_shift_s:g} s"
            )
        return shift
    if method == "segment_shuffle":
        seg = validation.duration_samples("segment_s", segment_s, fs_hz, minimum=1)
        if n_samples // seg < 2:
            raise ValueError(
                f"a and b must hold at least 2 segments of segment_s={segment_s:g} s "
                f"({2 * seg} samples at {fs_hz:g} Hz), got {n_samples} samples"
            )
        return seg
    raise ValueError(f"method must be one of {', '.join(SURROGATE_METHODS)}, got {method!r}")


_SURROGATE_INDICES: dict[
    str, Callable[[int, int, int, np.random.Generator], Iterator[NDArray[np.intp]]]
] = {
    "circular_shift": _circular_shift_indices,
    "segment_shuffle": _segment_shuffle_indices,
}


def summarise_null(method: str, observed: float, null: FloatArray,
                   n_effective: float | None = None) -> SurrogateTest:
    """Null mean, SD, z and the one-sided p-value of ``observed`` against ``null``.

    ``n_effective`` None: the permutation p-value; else the prediction reading
    (:func:`prediction_p`) with that many effectively independent surrogates.
    """
    finite = null[np.isfinite(null)]
    n = int(finite.size)
    mean = float(finite.mean()) if n else math.nan
    sd = float(finite.std(ddof=1)) if n > 1 else math.nan
    valid = math.isfinite(observed) and n > 0
    p_perm = (1 + int(np.count_nonzero(finite >= observed))) / (n + 1) if valid else math.nan
    z = (observed - mean) / sd if valid and math.isfinite(sd) and sd > 0 else math.nan
    if n_effective is None:
        return SurrogateTest(method=method, n=n, observed=observed, null_mean=mean, null_sd=sd,
                             z=z, p=p_perm, null=null, p_permutation=p_perm)
    p = prediction_p(observed, mean, sd, n_effective) if valid else math.nan
    return SurrogateTest(method=method, n=n, observed=observed, null_mean=mean, null_sd=sd,
                         z=z, p=p, null=null, p_permutation=p_perm,
                         n_effective=float(n_effective), reading="t_prediction")


def rearrangements(
    n_samples: int,
    *,
    fs_hz: float,
    method: SurrogateMethod = "circular_shift",
    n_surrogates: int = 200,
    min_shift_s: float = 30.0,
    segment_s: float = 30.0,
    seed: int | np.random.Generator | None = None,
) -> Iterator[NDArray[np.intp]]:
    """Index arrays rearranging a series of ``n_samples`` as :func:`surrogate_test` does.

    ``b[idx]`` for each yielded ``idx`` is one surrogate of B (see :func:`surrogate_test`
    for the schemes and their parameters).

    Raises
    ------
    ValueError
        An unknown method, ``n_surrogates < 1``, or a series too short for the scheme.
    """
    fs = validation.positive("fs_hz", fs_hz)
    if not isinstance(n_surrogates, int | np.integer) or n_surrogates < 1:
        raise ValueError(f"n_surrogates must be an integer >= 1, got {n_surrogates!r}")
    block = _block_samples(method, int(n_samples), fs, min_shift_s, segment_s)
    return _SURROGATE_INDICES[method](int(n_samples), block, n_surrogates,
                                      np.random.default_rng(seed))


def surrogate_test(
    a: ArrayLike,
    b: ArrayLike,
    *,
    fs_hz: float,
    statistic: Statistic,
    method: SurrogateMethod = "circular_shift",
    n_surrogates: int = 200,
    min_shift_s: float = 30.0,
    segment_s: float = 30.0,
    seed: int | np.random.Generator | None = None,
    n_effective: float | None = None,
) -> SurrogateTest:
    """Test whether A and B are more synchronous than surrogate pairs of the same session.

    B is rearranged against a fixed A, which keeps each series' own dynamics
    (autocorrelation, NaN gaps: NaNs travel with their samples) but breaks their alignment:

    - ``"circular_shift"``: B is rotated by distinct random offsets in
      [min_shift, duration - min_shift] (all of them if there are at most ``n_surrogates``).
    - ``"segment_shuffle"``: B is cut into segments of ``segment_s`` and the segments are
      put in distinct random orders other than the original one (all ``k! - 1`` orders when
      that is at most ``n_surrogates``); an incomplete last segment stays in place. Orders
      that leave some segments in place are kept on purpose: with derangements only, the
      test is anti-conservative when there are few segments (measured: 7.7 % instead of
      4 % false positives with 6 segments; 4.1 % with all orders).

    Validity (independent AR(1) pairs, phi = 0.9, 10 Hz, WCC windows 5 s, lags +-1 s, 99
    surrogates, so P(p < 0.05) is nominally 4 %; 2,000 seeds each): 3 min with
    ``min_shift_s = segment_s = 30``: 4.05 % (circular), 4.85 % (segments); 2 min with 20 s:
    4.75 %, 4.5 %. Both become anti-conservative when the series is short compared with the
    statistic's window plus lag (1 min with 6-12 s: 6-10 %): circular shifts then draw on few
    effectively different offsets, and windows straddling a segment cut see a jump.

    Parameters
    ----------
    a, b : 1-D series of equal length on the same time grid (A, B); NaN = missing.
    fs_hz : sampling rate in Hz.
    statistic : ``statistic(a, b) -> float``, larger = more synchrony, e.g.
        :func:`mean_abs_peak_r_statistic`; must cope with NaN. Surrogates for which it
        returns NaN are left out of the null.
    method : "circular_shift" (default) or "segment_shuffle".
    n_surrogates : number of surrogates wanted (>= 1); 99 gives p-values down to 0.01.
    min_shift_s : smallest rotation in seconds (circular shift only); make it longer than
        the statistic's window plus its largest lag.
    segment_s : segment length in seconds (segment shuffle only); make it several times
        the statistic's window plus its largest lag.
    seed : seed or Generator, for reproducible surrogates.
    n_effective : effectively independent surrogates; when given, ``p`` is the
        prediction-interval reading (:func:`prediction_p`) instead of the permutation
        p-value (which stays in ``p_permutation``).

    Returns
    -------
    SurrogateTest
        ``n`` = surrogates used (fewer than ``n_surrogates`` when fewer distinct
        rearrangements exist or the statistic gave NaN),
        ``p_permutation = (1 + #{null >= observed}) / (n + 1)`` (one-sided: larger = more
        synchrony), ``p`` as ``reading`` says, ``z = (observed - null_mean) / null_sd``.

    Raises
    ------
    ValueError
        On malformed series, an unknown method, ``n_surrogates < 1``, a non-callable
        statistic, or a series too short for ``min_shift_s`` / ``segment_s``.
    """
    a_arr, b_arr = validation.series_pair(a, b)
    if not callable(statistic):
        raise ValueError(f"statistic must be a callable (a, b) -> float, got {statistic!r}")
    indices = rearrangements(a_arr.size, fs_hz=fs_hz, method=method,
                             n_surrogates=n_surrogates, min_shift_s=min_shift_s,
                             segment_s=segment_s, seed=seed)
    observed = float(statistic(a_arr, b_arr))
    null = np.array([float(statistic(a_arr, b_arr[idx])) for idx in indices])
    return summarise_null(method, observed, null, n_effective)


def wcc_statistic(
    reduce: Callable[[FloatArray], float],
    fs_hz: float,
    window_s: float,
    step_s: float,
    max_lag_s: float,
    *,
    windowing: str = "rmea",
) -> Statistic:
    """Build the statistic ``(a, b) -> reduce(windowed_xcorr(a, b, ...).r)``.

    ``reduce`` maps the (n_windows, n_lags) grid of Pearson r (NaN where undefined) to a
    float, larger = more synchrony.
    """

    def statistic(a: FloatArray, b: FloatArray) -> float:
        from synchrony.engine.wcc import windowed_xcorr  # looked up per call

        res = windowed_xcorr(a, b, fs_hz=fs_hz, window_s=window_s, step_s=step_s,
                             max_lag_s=max_lag_s, windowing=windowing)  # type: ignore[arg-type]
        return float(reduce(res.r))

    return statistic


def profile_peak_z_statistic(fs_hz: float, window_s: float, step_s: float, max_lag_s: float,
                             *, windowing: str = "rmea") -> Statistic:
    """``analyze``'s session statistic: the peak of the lag profile (mean Fisher z per lag).

    See :func:`synchrony.engine.lag_profile.profile_peak_z`; NaN when no cell is defined.
    """
    return wcc_statistic(profile_peak_z, fs_hz, window_s, step_s, max_lag_s,
                         windowing=resolve_windowing(windowing))


def mean_abs_peak_r_statistic(
    fs_hz: float,
    window_s: float,
    step_s: float,
    max_lag_s: float,
    method: str | None = None,
    *,
    windowing: str | None = None,
) -> Statistic:
    """Statistic of the first version: mean over WCC windows of the peak |r| over lags.

    Uses ``synchrony.engine.wcc.windowed_xcorr(..., windowing=windowing)``; windows where
    every lag is NaN are ignored; NaN when no window is defined.

    Parameters
    ----------
    fs_hz : sampling rate in Hz.
    window_s, step_s, max_lag_s : WCC window length, step and largest lag in seconds.
    method : older name of ``windowing`` (kept as an alias, also positionally).
    windowing : WCC window convention, ``"rmea"`` (default) or ``"boker"``.

    Returns
    -------
    Callable ``(a, b) -> float``.

    Raises
    ------
    ValueError
        Unknown windowing, or ``windowing`` and ``method`` given with different values.
    """
    from synchrony.engine.wcc import mean_abs_peak_r

    return wcc_statistic(mean_abs_peak_r, fs_hz, window_s, step_s, max_lag_s,
                         windowing=resolve_windowing(windowing, method))
