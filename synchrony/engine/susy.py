"""Surrogate synchrony (SUSY 0.1.0), reproduced and vectorised.

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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from synchrony.engine import validation

FloatArray = NDArray[np.float64]


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
    a_arr, b_arr = validation.series_pair(a, b)
    fs = validation.positive("fs_hz", fs_hz)
    seg_len = validation.duration_samples("segment_s", segment_s, fs, minimum=2)
    max_lag = validation.duration_samples("max_lag_s", max_lag_s, fs, minimum=1)
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
