"""Synchrony methods: the seam every method plugs into, and the registry of methods.

A synchrony method turns one signal's pair of series (A and B on one uniform grid, NaN =
missing) into

- **per window**: a strength (larger = more synchrony, NaN where undefined) and a lag in
  seconds (lag > 0: A leads and B follows; NaN where the window has none), with each
  window's start and end time in seconds from the first sample (:class:`MethodWindows`);
- **per session**: a statistic of (a, b) (:class:`SessionStatistic`, larger = more
  synchrony) that the surrogate test compares with its values on surrogate pairs;
- the per-signal **summary block** it reports.

Everything else is the same for every method and done here by :func:`run_method`: the
surrogate test (scheme, number, shift and segment lengths and seed from
:class:`AnalysisParameters`), the statistic's value and the result record
(:class:`MethodResult`). A method is registered by name with :func:`register_method` and
looked up with :func:`get_method`; :func:`method_names` lists them. WCC, the built-in
method, lives in :mod:`synchrony.analysis.wcc_method` and registers itself when that module
is imported (:mod:`synchrony.analysis.pair` does).

Sign convention, as everywhere: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from synchrony.engine.lead import SIGN_CONVENTION, describe_lag, leader_of
from synchrony.engine.surrogates import (
    Statistic,
    SurrogateMethod,
    SurrogateTest,
    surrogate_test,
)
from synchrony.engine.wcc import Windowing
from synchrony.errors import InputError

#: Significance level of the session test: a leader is named only below it.
ALPHA = 0.05
SURROGATE_METHODS = ("circular_shift", "segment_shuffle")
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class AnalysisParameters:
    """Parameters of one analysis, in seconds and Hz (shared by every method).

    Attributes
    ----------
    window_s, step_s, max_lag_s : window length, step between windows and largest lag (s).
    n_surrogates : surrogate pairs of the session test (0 = no test).
    surrogate_method : ``"circular_shift"`` or ``"segment_shuffle"``.
    seed : random seed of the surrogates.
    windowing : WCC window convention, ``"rmea"`` or ``"boker"`` (formerly ``method``).
    band_hz : (low, high) frequency band in Hz of the wavelet-coherence and phase methods.
    recurrence_rate : target cross-recurrence rate (0-1) that sets the recurrence radius.
    embedding_dim : embedding dimension of the cross-recurrence method (1 = no embedding).
    embedding_delay_s : embedding delay in seconds (used when ``embedding_dim`` > 1).
    methods : synchrony methods to run, by registered name (default WCC only); the batch
        outputs always run WCC first (:func:`synchrony.analysis.pair.with_wcc_first`).
    """

    window_s: float = 5.0
    step_s: float = 0.5
    max_lag_s: float = 2.0
    n_surrogates: int = 200
    surrogate_method: SurrogateMethod = "circular_shift"
    seed: int = 0
    windowing: Windowing = "rmea"
    band_hz: tuple[float, float] = (0.1, 1.0)
    recurrence_rate: float = 0.05
    embedding_dim: int = 1
    embedding_delay_s: float = 0.25
    methods: tuple[str, ...] = ("wcc",)

    def as_dict(self) -> dict[str, object]:
        """Plain dict for ``summary.json`` (``wcc_method`` kept for older readers)."""
        return {
            "window_s": self.window_s, "step_s": self.step_s, "max_lag_s": self.max_lag_s,
            "n_surrogates": self.n_surrogates, "surrogate_method": self.surrogate_method,
            "seed": self.seed, "wcc_method": self.windowing, "windowing": self.windowing,
            "band_hz": list(self.band_hz), "recurrence_rate": self.recurrence_rate,
            "embedding_dim": self.embedding_dim, "embedding_delay_s": self.embedding_delay_s,
            "methods": list(self.methods),
            "sign_convention": SIGN_CONVENTION,
        }


@dataclass(frozen=True, slots=True)
class SessionStatistic:
    """A named session statistic: ``build(fs_hz, params)`` gives ``(a, b) -> float``.

    Attributes
    ----------
    name : short name, e.g. ``"mean_abs_peak_r"`` (reported with its value).
    description : one line in words.
    build : ``build(fs_hz, params) -> statistic``; the statistic maps A's and B's series
        (NaN = missing) to a float, larger = more synchrony, NaN when undefined.
    """

    name: str
    description: str
    build: Callable[[float, AnalysisParameters], Statistic]


@dataclass(frozen=True, slots=True)
class MethodWindows:
    """Per-window output of a method (all arrays (n_windows,), times in seconds).

    Attributes
    ----------
    window_start_s, window_end_s : start and end of each window, seconds from the first
        sample of the series.
    strength : synchrony strength of each window (larger = more synchrony; NaN: undefined).
    lag_s : lag of each window in seconds (lag > 0: A leads and B follows; NaN: none).
    detail : anything else the method keeps (WCC: its grid and peaks), or None.
    """

    window_start_s: np.ndarray
    window_end_s: np.ndarray
    strength: np.ndarray
    lag_s: np.ndarray
    detail: Any = None

    def __post_init__(self) -> None:
        """Check that the four arrays are 1-D and of one length."""
        shapes = {name: np.shape(getattr(self, name))
                  for name in ("window_start_s", "window_end_s", "strength", "lag_s")}
        if len(set(shapes.values())) != 1 or len(shapes["strength"]) != 1:
            raise ValueError(f"window arrays must be 1-D and of one length, got shapes {shapes}")


@dataclass(frozen=True, slots=True)
class MethodResult:
    """One method's result for one signal.

    Attributes
    ----------
    method : the method's registered name.
    signal : the signal's name.
    fs_hz : rate of the series' grid in Hz.
    windows : the per-window output (see :class:`MethodWindows`).
    statistic_name : name of the session statistic.
    statistic : its value on the (A, B) pair (NaN when undefined).
    surrogate : the session's surrogate test of that statistic, or None (not run).
    summary : the method's summary block (``summary.json``).
    """

    method: str
    signal: str
    fs_hz: float
    windows: MethodWindows
    statistic_name: str
    statistic: float
    surrogate: SurrogateTest | None
    summary: dict[str, object]

    @property
    def window_start_s(self) -> np.ndarray:
        """(n_windows,) window starts in seconds from the first sample."""
        return self.windows.window_start_s

    @property
    def window_end_s(self) -> np.ndarray:
        """(n_windows,) window ends in seconds from the first sample."""
        return self.windows.window_end_s

    @property
    def strength(self) -> np.ndarray:
        """(n_windows,) per-window synchrony strength."""
        return self.windows.strength

    @property
    def lag_s(self) -> np.ndarray:
        """(n_windows,) per-window lag in seconds (lag > 0: A leads)."""
        return self.windows.lag_s

    @property
    def detail(self) -> Any:
        """The method's own extra output (WCC: ``wcc_method.WccDetail``)."""
        return self.windows.detail


@runtime_checkable
class SynchronyMethod(Protocol):
    """What a synchrony method provides (see the module docstring)."""

    @property
    def name(self) -> str:
        """Registry name: lower-case letters, digits and ``_`` (e.g. ``"wcc"``)."""
        ...

    @property
    def statistic(self) -> SessionStatistic:
        """The session statistic the surrogate test compares (one place to swap it)."""
        ...

    def windows(self, a: np.ndarray, b: np.ndarray, *, fs_hz: float,
                params: AnalysisParameters) -> MethodWindows:
        """Per-window strength and lag of A's and B's series (NaN = missing) at ``fs_hz``."""
        ...

    def summarize(self, result: MethodResult) -> dict[str, object]:
        """Build the method's summary block from its result (whose ``summary`` is still empty)."""
        ...


# --------------------------------------------------------------------------- registry
_REGISTRY: dict[str, SynchronyMethod] = {}


def register_method(method: SynchronyMethod, *, replace: bool = False) -> SynchronyMethod:
    """Add ``method`` to the registry under ``method.name``; return it.

    Raises
    ------
    ValueError
        Not a :class:`SynchronyMethod`, a malformed name, or the name already registered
        (unless ``replace``).
    """
    if not isinstance(method, SynchronyMethod):
        raise ValueError("method must implement SynchronyMethod (name, statistic, windows, "
                         f"summarize), got {method!r}")
    name = method.name
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError("method name must be lower-case letters, digits and _ starting with "
                         f"a letter, got {name!r}")
    if name in _REGISTRY and not replace:
        raise ValueError(f"a synchrony method named {name!r} is already registered")
    _REGISTRY[name] = method
    return method


def unregister_method(name: str) -> None:
    """Remove a registered method (tests and plug-ins); unknown names are an error."""
    get_method(name)
    del _REGISTRY[name]


def get_method(name: str) -> SynchronyMethod:
    """Return the registered method called ``name``.

    Raises
    ------
    InputError
        Unknown name (the message lists the registered ones).
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise InputError(f"method must be one of {', '.join(method_names())}, "
                         f"got {name!r}") from None


def method_names() -> tuple[str, ...]:
    """Names of the registered methods: the default (WCC) first, then by registration."""
    default = AnalysisParameters().methods[0]
    return tuple(sorted(_REGISTRY, key=lambda name: name != default))


# --------------------------------------------------------------------------- running
def shuffle_segment_s(span_s: float, duration_s: float) -> float:
    """Return the segment length (s) for segment shuffling: 4 x (window + lag), at least 30 s.

    It is at most a quarter of the recording (and never shorter than one window plus the lag).

    Short segments put many cuts inside windows; windows straddling a cut see a jump, which
    biases the null (measured: 7 s segments gave 6.9 % false positives at nominal 4 %,
    30 s segments 4.2 %).
    """
    return max(span_s, min(max(30.0, 4 * span_s), duration_s / 4))


def reach_of(method: SynchronyMethod | None, params: AnalysisParameters) -> float:
    """How far (s) one window's value depends on the series: window plus maximum lag.

    A method whose windows see further (a wavelet's support at the lowest frequency) says so
    with an optional ``reach_s(params) -> float``; it sets the smallest circular shift and
    the effective number of surrogates.
    """
    reach = getattr(method, "reach_s", None)
    return float(reach(params)) if reach is not None else params.window_s + params.max_lag_s


def min_shift_s(params: AnalysisParameters, duration_s: float,
                reach_s: float | None = None) -> float:
    """Smallest circular shift (s): window plus maximum lag (or ``reach_s``), <= a quarter."""
    reach = params.window_s + params.max_lag_s if reach_s is None else reach_s
    return min(reach, duration_s / 4)


def effective_surrogates(params: AnalysisParameters, duration_s: float,
                         reach_s: float | None = None) -> float:
    """Effectively independent surrogates of a session of ``duration_s`` seconds.

    A surrogate's statistic looks at B within one window plus the maximum lag of each A
    window, so two rearrangements closer than that give nearly the same value: the usable
    offset range (circular shifts: the series minus twice the smallest shift; segments: the
    whole series) holds about ``range / (window_s + max_lag_s)`` independent values, however
    many surrogates are drawn (at least 2). It sets the degrees of freedom of the
    prediction reading of the session test (:func:`synchrony.engine.surrogates.prediction_p`);
    its calibration is measured in ``docs/validation.md``.
    """
    reach = params.window_s + params.max_lag_s if reach_s is None else reach_s
    usable_s = duration_s
    if params.surrogate_method == "circular_shift":
        usable_s = duration_s - 2 * min_shift_s(params, duration_s, reach)
    return max(2.0, usable_s / reach)


def session_surrogate_test(a: np.ndarray, b: np.ndarray, *, fs_hz: float,
                           statistic: Statistic, params: AnalysisParameters,
                           strength: np.ndarray, reach_s: float | None = None
                           ) -> SurrogateTest | None:
    """Run the session's surrogate test of ``statistic`` (None when it is not run).

    Not run when ``params.n_surrogates`` is 0, when A and B are both present in at most
    half of the samples, or when no window has a finite ``strength``. Shifts are at least
    one window plus the maximum lag (at most a quarter of the series); segments as
    :func:`shuffle_segment_s`. ``p`` is the prediction reading with
    :func:`effective_surrogates` (the permutation p-value is kept as ``p_permutation``).
    """
    usable = np.isfinite(a) & np.isfinite(b)
    if params.n_surrogates <= 0 or not usable.mean() > 0.5 or not np.isfinite(strength).any():
        return None
    span_s = params.window_s + params.max_lag_s if reach_s is None else reach_s
    duration_s = len(a) / fs_hz
    return surrogate_test(
        a, b, fs_hz=fs_hz, statistic=statistic, method=params.surrogate_method,
        n_surrogates=params.n_surrogates, min_shift_s=min_shift_s(params, duration_s, span_s),
        segment_s=shuffle_segment_s(span_s, duration_s), seed=params.seed,
        n_effective=effective_surrogates(params, duration_s, span_s),
    )


def run_method(method: SynchronyMethod, a: np.ndarray, b: np.ndarray, *, fs_hz: float,
               signal: str, params: AnalysisParameters) -> MethodResult:
    """Windows, session statistic, surrogate test and summary of one method on one pair."""
    windows = method.windows(a, b, fs_hz=fs_hz, params=params)
    statistic = method.statistic.build(fs_hz, params)
    test = session_surrogate_test(a, b, fs_hz=fs_hz, statistic=statistic, params=params,
                                  strength=windows.strength,
                                  reach_s=reach_of(method, params))
    value = test.observed if test is not None else float(statistic(a, b))
    result = MethodResult(method.name, signal, float(fs_hz), windows, method.statistic.name,
                          value, test, {})
    return dataclasses.replace(result, summary=method.summarize(result))


# --------------------------------------------------------------------------- summaries
def verdict(lag_s: float, test: SurrogateTest | None, *, grid_hz: float) -> tuple[str, str]:
    """``(leader, who_leads)``: the leader rule shared by every method.

    ``leader`` is ``"A"``/``"B"`` only if the test is significant (p < ``ALPHA``) and
    ``lag_s`` is at least one grid sample away from 0, else ``"none"``; ``who_leads`` says
    it in words. Without a test (``--surrogates 0``, or too little data where both people
    are present) nobody is named and the words say so: ``"not tested (lag: ...)"``.
    """
    if test is None or not math.isfinite(test.p):
        return "none", f"not tested (lag: {describe_lag(lag_s)})"
    significant = test.p < ALPHA
    leader = leader_of(lag_s, tolerance_s=1.0 / grid_hz - 1e-9) if significant else "none"
    if leader != "none":
        return leader, describe_lag(lag_s)
    return leader, "no significant synchrony" if not significant else "no consistent leader"


def surrogate_block(test: SurrogateTest | None) -> dict[str, object]:
    """Build the ``surrogate`` block of a summary (nulls if no test).

    ``method``, ``n``, ``z``, ``p`` (contract), ``null_mean``, ``null_sd``, ``p_reading``
    (how ``p`` was read: ``"t_prediction"`` or ``"permutation"``), ``n_effective`` and
    ``p_permutation``.
    """
    return {
        "method": test.method if test else None,
        "n": int(test.n) if test else 0,
        "z": float(test.z) if test else math.nan,
        "p": float(test.p) if test else math.nan,
        "null_mean": float(test.null_mean) if test else math.nan,
        "null_sd": float(test.null_sd) if test else math.nan,
        "p_reading": test.reading if test else None,
        "n_effective": float(test.n_effective) if test else math.nan,
        "p_permutation": float(test.p_permutation) if test else math.nan,
    }


def method_summary(result: MethodResult) -> dict[str, object]:
    """Build a generic summary block from a method's result.

    It holds the session statistic as ``strength``, the median window lag as ``lag_s``, the
    leader rule and the surrogate test.

    For methods without a summary of their own (WCC keeps its contract block).
    """
    lags = result.lag_s[np.isfinite(result.lag_s)]
    lag_s = float(np.median(lags)) if lags.size else math.nan
    leader, words = verdict(lag_s, result.surrogate, grid_hz=result.fs_hz)
    return {
        "strength": result.statistic, "strength_statistic": result.statistic_name,
        "lag_s": lag_s, "leader": leader, "who_leads": words,
        "n_windows": int(len(result.strength)), "surrogate": surrogate_block(result.surrogate),
    }
