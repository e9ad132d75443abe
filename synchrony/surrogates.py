"""Surrogate synchrony (SUSY) and session-level surrogate significance tests.

Sign convention
---------------
Throughout this module, as in the whole product, at lag > 0 **A leads and B follows**:
B's movement resembles A's *earlier* movement. A lag profile value at ``+tau`` correlates
``A[t]`` with ``B[t + tau]``.

SUSY (Tschacher's surrogate synchrony, R package ``SUSY`` 0.1.0) reports its lags the way
R's ``ccf(x, y)`` does: SUSY lag ``k`` correlates ``x[t + k]`` with ``y[t]``. With A as the
first variable (``x``) and B as the second (``y``), **our lag = - SUSY lag**. Hence:

==========================  =============================================================
ours                        SUSY 0.1.0 (first variable = A, second = B)
==========================  =============================================================
``Z_A_leads``               ``Z(lead1)``: mean over SUSY's *negative* lags = our lags > 0
``Z_B_leads``               ``Z(lead2)``: mean over SUSY's *positive* lags = our lags < 0
``ES_A_leads``              ``ES(lead1)``
``ES_B_leads``              ``ES(lead2)``
profile at our lag ``+l``   SUSY ``lagtimes2.data`` row for lag ``-l``
==========================  =============================================================

The remaining table columns map one to one: ``n_data`` = ``n(data)``, ``Z``, ``Z_pseudo`` =
``Z-Pseudo``, ``SD_Z`` = ``SD(Z)``, ``SD_Z_pseudo`` = ``SD(Z-Pseudo)``, ``n_lags`` =
``n(lags)``, ``pct_gt_pseudo`` = ``%>Pseudo``, ``n_segments`` = ``n(Segmente)``, ``ES``,
``Z_in_phase`` = ``meanZ(in-phase)``, ``Z_anti_phase`` = ``meanZ(anti-phase)``,
``n_in_phase`` = ``Anzahl(in-phase)``, ``n_anti_phase`` = ``Anzahl(anti-phase)``,
``Z_signed`` = ``Z(noAbs)``, ``Z_pseudo_signed`` = ``Z(Pseudo-noAbs)``,
``pct_gt_pseudo_signed`` = ``%>Pseudo(noAbs)``, ``ES_signed`` = ``ES(noAbs)``.

SUSY's computation (read from its published source, reproduced here vectorised)
------------------------------------------------------------------------------
1. Rows where A or B is missing are dropped (R ``complete.cases``); the remaining samples are
   spliced together, so gaps are bridged, not respected.
2. The series are cut into ``floor(n / segment_samples)`` non-overlapping segments
   (remainder at the end dropped).
3. For every pair (segment i of A, segment h of B), R's ``ccf`` over lags ``-L ... L``:
   segment-wide mean and SD, sum of lagged products over the overlap divided by the full
   segment length (not a per-lag Pearson r). Fisher z = atanh(r), unclipped (|r| = 1 gives
   an infinite z, as in SUSY).
4. Real profile: mean over the pairs i = h; pseudo (surrogate) profile: mean over all
   ``S (S - 1)`` pairs i != h; each as mean |r|, mean |z| and mean signed z.
   A pair whose ``ccf`` is undefined (a constant segment) adds nothing to the sums but still
   counts in the divisors ``S`` and ``S (S - 1)``: a SUSY quirk, kept.
5. Table: ``Z`` = mean over lags of the real |z| profile, ``Z_pseudo`` likewise; ``SD_*`` are
   SDs over lags (n - 1); ``ES = (Z - Z_pseudo) / SD_Z_pseudo``; the lead variants restrict
   all three terms (real mean, pseudo mean, pseudo SD) to one side of lag 0 (lag 0 excluded);
   ``pct_gt_pseudo`` = percentage of lags where real > pseudo (strict); in-phase / anti-phase =
   mean and count of the signed real z profile values >= 0 / < 0 (mean of none = NaN).

Differences from SUSY: SUSY truncates ``segment``, ``Hz`` and ``maxlag`` to integers; here
``segment_s * fs_hz`` and ``max_lag_s * fs_hz`` are rounded to whole samples (identical for
integer arguments). SUSY's "segment > nrow/2" check compares seconds with rows; here at least
two segments and a lag of at least one sample are required. SUSY's optional
``restrict.surrogates`` (random subset of pairs) is not provided: all pairs are cheap here.

Surrogate significance of a whole session
-----------------------------------------
:func:`surrogate_test` compares any statistic of (A, B) with its values after rearranging B
against A (circular shifts or segment reorderings) and returns a one-sided permutation
p-value and a z-score; :func:`mean_abs_peak_r_statistic` gives the default statistic
(mean over WCC windows of the peak |r| over lags).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from synchrony import validation

FloatArray = NDArray[np.float64]
Statistic = Callable[[FloatArray, FloatArray], float]
SurrogateMethod = Literal["circular_shift", "segment_shuffle"]
SURROGATE_METHODS: tuple[str, ...] = ("circular_shift", "segment_shuffle")


# --------------------------------------------------------------------------------------
# input validation (messages name the argument, what was expected and what was got)
# --------------------------------------------------------------------------------------
def _as_pair(a: ArrayLike, b: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validate two 1-D series of equal length; NaN marks missing samples."""
    a_arr, b_arr = validation.series("a", a), validation.series("b", b)
    validation.same_length("a", a_arr, "b", b_arr)
    return a_arr, b_arr


def _to_samples(name: str, seconds: float, fs_hz: float, *, minimum: int) -> int:
    """Convert a duration >= 0 s to whole samples (nearest), requiring at least ``minimum``."""
    return validation.samples(name, validation.non_negative(name, seconds), fs_hz, minimum=minimum)


# --------------------------------------------------------------------------------------
# SUSY
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SusyLagProfile:
    """Per-lag mean cross-correlation of real and surrogate segment pairs (SUSY).

    All profile arrays have shape (n_lags,) and follow ``lag_samples`` (ascending, our sign
    convention: lag > 0 = A leads). SUSY's names are given in brackets.

    Attributes
    ----------
    lag_samples : integer lags in samples, -L ... +L.
    lags_s : the same lags in seconds.
    real_r : mean over segments of |r| [meanccorrReal].
    pseudo_r : mean over surrogate pairs of |r| [meanccorrPseudo].
    real_z : mean over segments of |atanh r| [meanccorrRealZ].
    real_z_signed : mean over segments of atanh r [meanccorrRealZNotAbs].
    pseudo_z : mean over surrogate pairs of |atanh r| [meanccorrPseudoZ].
    pseudo_z_signed : mean over surrogate pairs of atanh r [meanccorrPseudoZNotAbs].
    real_r_signed : mean over segments of signed r (not in SUSY).
    pseudo_r_signed : mean over surrogate pairs of signed r (not in SUSY).
    n_data : number of samples after dropping rows with a missing value [n(data)].
    n_segments : number of segments [n(Segmente)].
    segment_samples : segment length in samples.
    fs_hz : sampling rate in Hz.
    """

    lag_samples: NDArray[np.int64]
    lags_s: FloatArray
    real_r: FloatArray
    pseudo_r: FloatArray
    real_z: FloatArray
    real_z_signed: FloatArray
    pseudo_z: FloatArray
    pseudo_z_signed: FloatArray
    real_r_signed: FloatArray
    pseudo_r_signed: FloatArray
    n_data: int
    n_segments: int
    segment_samples: int
    fs_hz: float


def _unit_segments(
    x: FloatArray, n_segments: int, segment_samples: int
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Cut ``x`` into segments, centre each and scale it to unit Euclidean norm.

    Returns the (n_segments, segment_samples) unit segments and a (n_segments,) mask of
    segments that vary; constant segments (R's ``ccf`` gives NaN) become all-zero rows.
    """
    seg = x[: n_segments * segment_samples].reshape(n_segments, segment_samples)
    centred = seg - seg.mean(axis=1, keepdims=True)
    norm = np.sqrt(np.einsum("ij,ij->i", centred, centred))
    varies = norm > 0
    unit = np.divide(centred, norm[:, None], out=np.zeros_like(centred), where=varies[:, None])
    return unit, varies


def _pairwise_ccf(a_unit: FloatArray, b_unit: FloatArray, max_lag_samples: int) -> FloatArray:
    """R ``ccf`` for every pair of segments, in our sign convention.

    Parameters
    ----------
    a_unit, b_unit : (n_segments, segment_samples) centred, unit-norm segments.
    max_lag_samples : largest lag L in samples.

    Returns
    -------
    (2L + 1, n_segments, n_segments) array; ``[l, i, h]`` = sum over t of
    ``a_i[t] * b_h[t + lag]`` with ``lag = l - L`` (lag > 0: A leads), i.e. R's
    ``ccf(a_i, b_h)`` at lag ``-lag``. One matrix product per lag, vectorised over all pairs.
    """
    n = a_unit.shape[1]
    lags = range(-max_lag_samples, max_lag_samples + 1)
    out = np.empty((len(lags), a_unit.shape[0], b_unit.shape[0]))
    for k, lag in enumerate(lags):
        if lag >= 0:
            out[k] = a_unit[:, : n - lag] @ b_unit[:, lag:].T
        else:
            out[k] = a_unit[:, -lag:] @ b_unit[:, : n + lag].T
    return out


def _pair_means(values: FloatArray, pair_mask: NDArray[np.bool_], divisor: int) -> FloatArray:
    """Sum ``values[l, i, h]`` over the masked pairs and divide by a fixed ``divisor``."""
    return np.where(pair_mask, values, 0.0).sum(axis=(1, 2)) / divisor


def susy_lag_profile(
    a: ArrayLike, b: ArrayLike, *, fs_hz: float, segment_s: float, max_lag_s: float
) -> SusyLagProfile:
    """Real and surrogate lag profiles of SUSY 0.1.0, in our sign convention.

    Parameters
    ----------
    a, b : 1-D series of equal length; A is SUSY's first variable. NaN = missing (rows with
        a missing value in either series are dropped, as SUSY does).
    fs_hz : sampling rate in Hz (SUSY's ``Hz``).
    segment_s : segment length in seconds (SUSY's ``segment``).
    max_lag_s : largest lag in seconds (SUSY's ``maxlag``); at most ``segment_s / 2``.

    Returns
    -------
    SusyLagProfile

    Raises
    ------
    ValueError
        On malformed series, non-positive parameters, or fewer than two segments.
    """
    a_arr, b_arr = _as_pair(a, b)
    fs = validation.positive("fs_hz", fs_hz)
    seg_len = _to_samples("segment_s", segment_s, fs, minimum=2)
    max_lag = _to_samples("max_lag_s", max_lag_s, fs, minimum=1)
    if 2 * max_lag > seg_len:
        raise ValueError(
            f"max_lag_s must be at most segment_s / 2 = {seg_len / fs / 2:g} s, got {max_lag_s:g} s"
        )
    complete = ~(np.isnan(a_arr) | np.isnan(b_arr))
    a_ok, b_ok = a_arr[complete], b_arr[complete]
    n_seg = a_ok.size // seg_len
    if n_seg < 2:
        raise ValueError(
            f"a and b must hold at least 2 segments of segment_s={segment_s:g} s "
            f"({2 * seg_len} complete samples at {fs:g} Hz), "
            f"got {a_ok.size} complete samples"
        )
    a_unit, a_varies = _unit_segments(a_ok, n_seg, seg_len)
    b_unit, b_varies = _unit_segments(b_ok, n_seg, seg_len)
    r = _pairwise_ccf(a_unit, b_unit, max_lag)
    lag_samples = np.arange(-max_lag, max_lag + 1, dtype=np.int64)
    return SusyLagProfile(
        lag_samples=lag_samples,
        lags_s=lag_samples / fs,
        **_real_and_pseudo_means(r, a_varies, b_varies),
        n_data=int(a_ok.size),
        n_segments=n_seg,
        segment_samples=seg_len,
        fs_hz=fs,
    )


def _real_and_pseudo_means(
    r: FloatArray, a_varies: NDArray[np.bool_], b_varies: NDArray[np.bool_]
) -> dict[str, FloatArray]:
    """Per-lag means of |r|, r, |z|, z over real (i = h) and pseudo (i != h) segment pairs.

    Pairs involving a constant segment are skipped but still counted, as in SUSY.
    """
    n_seg = a_varies.size
    defined = np.logical_and.outer(a_varies, b_varies)[None]
    diagonal = np.eye(n_seg, dtype=bool)[None]
    real, pseudo = defined & diagonal, defined & ~diagonal
    n_pseudo = n_seg * (n_seg - 1)
    # rounding can push |r| of identical segments just past 1 (R would give NaN there)
    r = np.clip(r, -1.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):  # |r| = 1: infinite z, as in SUSY
        z = np.arctanh(r)
        return {
            "real_r": _pair_means(np.abs(r), real, n_seg),
            "pseudo_r": _pair_means(np.abs(r), pseudo, n_pseudo),
            "real_z": _pair_means(np.abs(z), real, n_seg),
            "real_z_signed": _pair_means(z, real, n_seg),
            "pseudo_z": _pair_means(np.abs(z), pseudo, n_pseudo),
            "pseudo_z_signed": _pair_means(z, pseudo, n_pseudo),
            "real_r_signed": _pair_means(r, real, n_seg),
            "pseudo_r_signed": _pair_means(r, pseudo, n_pseudo),
        }


def _mean(x: FloatArray) -> float:
    """Mean, NaN for an empty array (like R's ``mean(numeric(0))``), without warnings."""
    return float(x.mean()) if x.size else math.nan


def _effect_size(real: FloatArray, pseudo: FloatArray) -> float:
    """SUSY's ES: (mean real - mean pseudo) / SD(pseudo) with n - 1, over lags."""
    return float((real.mean() - pseudo.mean()) / pseudo.std(ddof=1))


def _pct_greater(real: FloatArray, pseudo: FloatArray) -> float:
    """Percentage of lags where the real profile strictly exceeds the pseudo profile."""
    return 100.0 * np.count_nonzero(real > pseudo) / real.size


def susy_summary(profile: SusyLagProfile) -> dict[str, float]:
    """SUSY's table row from a lag profile (keys: see the module docstring).

    Parameters
    ----------
    profile : result of :func:`susy_lag_profile`.

    Returns
    -------
    dict mapping our column names to values; counts are ints. Infinite z values (|r| = 1)
    propagate as in SUSY (infinite means, NaN SDs and effect sizes).
    """
    real, pseudo = profile.real_z, profile.pseudo_z
    real_s, pseudo_s = profile.real_z_signed, profile.pseudo_z_signed
    a_leads, b_leads = profile.lag_samples > 0, profile.lag_samples < 0
    in_phase, anti_phase = real_s[real_s >= 0], real_s[real_s < 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "n_data": profile.n_data,
            "Z": float(real.mean()),
            "Z_pseudo": float(pseudo.mean()),
            "SD_Z": float(real.std(ddof=1)),
            "SD_Z_pseudo": float(pseudo.std(ddof=1)),
            "n_lags": int(real.size),
            "pct_gt_pseudo": _pct_greater(real, pseudo),
            "n_segments": profile.n_segments,
            "ES": _effect_size(real, pseudo),
            "Z_A_leads": float(real[a_leads].mean()),
            "Z_B_leads": float(real[b_leads].mean()),
            "ES_A_leads": _effect_size(real[a_leads], pseudo[a_leads]),
            "ES_B_leads": _effect_size(real[b_leads], pseudo[b_leads]),
            "Z_in_phase": _mean(in_phase),
            "Z_anti_phase": _mean(anti_phase),
            "n_in_phase": int(in_phase.size),
            "n_anti_phase": int(anti_phase.size),
            "Z_signed": float(real_s.mean()),
            "Z_pseudo_signed": float(pseudo_s.mean()),
            "pct_gt_pseudo_signed": _pct_greater(real_s, pseudo_s),
            "ES_signed": _effect_size(real_s, pseudo_s),
        }


def susy(
    a: ArrayLike, b: ArrayLike, *, fs_hz: float, segment_s: float, max_lag_s: float
) -> dict[str, float]:
    """Surrogate synchrony (SUSY 0.1.0, Tschacher & Meier) of two series.

    Equivalent to ``susy_summary(susy_lag_profile(a, b, ...))``; see the module docstring
    for the method, the keys and their mapping to SUSY's columns (``Z_A_leads`` = SUSY's
    ``Z(lead1)`` with A as the first variable).

    Parameters
    ----------
    a, b : 1-D series of equal length (A = first variable); NaN = missing.
    fs_hz : sampling rate in Hz.
    segment_s : segment length in seconds.
    max_lag_s : largest lag in seconds, at most ``segment_s / 2``.

    Returns
    -------
    dict[str, float]
        ``Z``, ``Z_pseudo``, ``ES``, ``Z_A_leads``, ``Z_B_leads``, ``ES_A_leads``,
        ``ES_B_leads``, ``Z_signed``, ``Z_pseudo_signed``, ``ES_signed`` and the rest of
        SUSY's table.
    """
    profile = susy_lag_profile(a, b, fs_hz=fs_hz, segment_s=segment_s, max_lag_s=max_lag_s)
    return susy_summary(profile)


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
    p : one-sided (1 + #{null >= observed}) / (n + 1); larger statistic = more synchrony.
    null : statistic of every distinct surrogate drawn, NaN where the statistic was NaN.
    """

    method: str
    n: int
    observed: float
    null_mean: float
    null_sd: float
    z: float
    p: float
    null: FloatArray


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
        shift = _to_samples("min_shift_s", min_shift_s, fs_hz, minimum=1)
        if n_samples - 2 * shift < 0:
            raise ValueError(
                f"min_shift_s must be at most half the series ({n_samples / fs_hz / 2:g} s), "
                f"got {min_shift_s:g} s"
            )
        return shift
    if method == "segment_shuffle":
        seg = _to_samples("segment_s", segment_s, fs_hz, minimum=1)
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


def _summarise_null(method: str, observed: float, null: FloatArray) -> SurrogateTest:
    """Null mean, SD, z and the one-sided permutation p-value."""
    finite = null[np.isfinite(null)]
    n = int(finite.size)
    mean = float(finite.mean()) if n else math.nan
    sd = float(finite.std(ddof=1)) if n > 1 else math.nan
    valid = math.isfinite(observed) and n > 0
    p = (1 + int(np.count_nonzero(finite >= observed))) / (n + 1) if valid else math.nan
    z = (observed - mean) / sd if valid and math.isfinite(sd) and sd > 0 else math.nan
    return SurrogateTest(
        method=method,
        n=n,
        observed=observed,
        null_mean=mean,
        null_sd=sd,
        z=z,
        p=p,
        null=null,
    )


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

    Returns
    -------
    SurrogateTest
        ``n`` = surrogates used (fewer than ``n_surrogates`` when fewer distinct
        rearrangements exist or the statistic gave NaN),
        ``p = (1 + #{null >= observed}) / (n + 1)`` (one-sided: larger = more synchrony),
        ``z = (observed - null_mean) / null_sd``.

    Raises
    ------
    ValueError
        On malformed series, an unknown method, ``n_surrogates < 1``, a non-callable
        statistic, or a series too short for ``min_shift_s`` / ``segment_s``.
    """
    a_arr, b_arr = _as_pair(a, b)
    fs = validation.positive("fs_hz", fs_hz)
    if not isinstance(n_surrogates, int | np.integer) or n_surrogates < 1:
        raise ValueError(f"n_surrogates must be an integer >= 1, got {n_surrogates!r}")
    if not callable(statistic):
        raise ValueError(f"statistic must be a callable (a, b) -> float, got {statistic!r}")
    block = _block_samples(method, a_arr.size, fs, min_shift_s, segment_s)
    indices = _SURROGATE_INDICES[method](
        a_arr.size, block, n_surrogates, np.random.default_rng(seed)
    )
    observed = float(statistic(a_arr, b_arr))
    null = np.array([float(statistic(a_arr, b_arr[idx])) for idx in indices])
    return _summarise_null(method, observed, null)


def mean_abs_peak_r_statistic(
    fs_hz: float, window_s: float, step_s: float, max_lag_s: float, method: str = "rmea"
) -> Statistic:
    """Default statistic: mean over WCC windows of the peak |r| over lags.

    Uses ``synchrony.wcc.windowed_xcorr(..., method=method)``; windows where every lag is
    NaN are ignored; NaN when no window is defined.

    Parameters
    ----------
    fs_hz : sampling rate in Hz.
    window_s, step_s, max_lag_s : WCC window length, step and largest lag in seconds.
    method : WCC method, ``"rmea"`` (default) or ``"boker"``.

    Returns
    -------
    Callable ``(a, b) -> float``.
    """

    def statistic(a: FloatArray, b: FloatArray) -> float:
        from synchrony.wcc import mean_abs_peak_r, windowed_xcorr

        res = windowed_xcorr(
            a,
            b,
            fs_hz=fs_hz,
            window_s=window_s,
            step_s=step_s,
            max_lag_s=max_lag_s,
            method=method,  # type: ignore[arg-type]
        )
        return mean_abs_peak_r(res.r)

    return statistic
